import type { CellValue } from '@pgshift/contracts';
import { encodeField, type FieldNotes } from './encode-field.js';

/** One CSV record, `\n`-terminated. `columns` names the fields for errors and notes. */
export function encodeRow(values: readonly CellValue[], columns: readonly string[], notes: FieldNotes): string {
  if (values.length !== columns.length) {
    throw new RangeError(`a row has ${values.length} values for ${columns.length} columns`);
  }
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    line += encodeField(values[i]!, columns[i]!, notes);
  }
  return `${line}\n`;
}

/**
 * The header record: every name quoted. Both COPYs skip it by line count (IGNOREHEADER 1 / HEADER), so a
 * name spanning lines would shift the data; such names are refused.
 */
export function encodeHeader(columns: readonly string[]): string {
  if (columns.length === 0) throw new RangeError('a batch file needs at least one column');
  return `${columns
    .map((name) => {
      if (name === '' || /[\r\n\0]/.test(name)) throw new RangeError(`column name ${JSON.stringify(name)} cannot be a CSV header field`);
      return `"${name.replaceAll('"', '""')}"`;
    })
    .join(',')}\n`;
}
