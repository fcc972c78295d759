import { pipeline, type Readable } from 'node:stream';
import { CSV_DELIMITER, CSV_QUOTE, NULL_SENTINEL } from '@pgshift/contracts';
import { parse } from 'csv-parse';

/** A decoded field: text, or NULL. */
export type CsvField = string | null;

export interface DecodedBatchFile {
  header: string[];
  rows: AsyncIterableIterator<CsvField[]>;
}

/**
 * Reads a batch file as COPY does: an unquoted field equal to the NULL sentinel is NULL, a quoted one is
 * text (csv-parse tells them apart through the cast context's `quoting`). The input is the CSV text,
 * already gunzipped; errors of `input` end the rows with that error, so pass the stream that fails
 * (`pipeline(body, createGunzip(), onDone)` returns the gunzip stream, and a gunzip error reaches it).
 */
export async function decodeBatchFile(input: Readable): Promise<DecodedBatchFile> {
  const records = decodeCsvRecords(input);
  const first = await records.next();
  if (first.done) throw new Error('batch file is empty: expected a header row');
  const unnamed = first.value.indexOf(null);
  if (unnamed !== -1) {
    await records.return();
    throw new Error(`batch file header: column ${unnamed + 1} has no name`);
  }
  return { header: first.value as string[], rows: records };
}

/** Every record of the file, header included. */
export async function* decodeCsvRecords(input: Readable): AsyncGenerator<CsvField[], void, undefined> {
  const parser = parse({
    delimiter: CSV_DELIMITER,
    quote: CSV_QUOTE,
    escape: CSV_QUOTE,
    record_delimiter: '\n',
    bom: false,
    trim: false,
    skip_empty_lines: false,
    relax_quotes: false,
    relax_column_count: false,
    cast: (value, context) => (!context.quoting && value === NULL_SENTINEL ? null : value),
  });
  // Errors of either stream reach the loop below; stopping early destroys both.
  pipeline(input, parser, () => {});
  for await (const record of parser) yield record as CsvField[];
}
