import { constants as zlibConstants } from 'node:zlib';
import type { CellValue } from '@pgshift/contracts';
import { BatchFileStats } from './batch-file-stats.js';
import { createFieldNotes, type FieldNotes, resetFieldNotes, SentinelCollisionError } from './encode-field.js';
import { encodeHeader, encodeRow } from './encode-row.js';
import { type BatchFilePart, PartFile } from './part-file.js';
import type { RecordLocation } from './record-arena.js';

export const DEFAULT_MAX_PART_BYTES = 32 * 1024 * 1024;

export interface BatchFileWriterOptions {
  /** A part is closed once its uncompressed size reaches this (the row that crosses it stays in). */
  maxPartBytes?: number;
  /** zlib level, 1 (fastest) to 9; zlib's default (6) when absent. */
  gzipLevel?: number;
  /**
   * Called for a row holding a value equal to the NULL sentinel; the row is left out and the batch goes on.
   * Without it, the SentinelCollisionError ends the batch.
   */
  onRejectedRow?: (error: SentinelCollisionError, row: readonly CellValue[], rowNumber: number) => void;
}

/**
 * Turns a batch's rows into gzipped CSV parts, each starting with the header row, split by size so that
 * Redshift loads several files in parallel. One writer per batch: `stats` describes what it wrote.
 *
 *   const writer = new BatchFileWriter([...tableColumns, ...STAGING_META_COLUMNS]);
 *   for await (const part of writer.write(rows)) await upload(part);
 */
export class BatchFileWriter {
  readonly stats = new BatchFileStats();
  readonly #columns: readonly string[];
  readonly #header: string;
  readonly #maxPartBytes: number;
  readonly #gzipLevel: number;
  readonly #onRejectedRow: BatchFileWriterOptions['onRejectedRow'];
  #started = false;

  constructor(columns: readonly string[], options: BatchFileWriterOptions = {}) {
    this.#columns = [...columns];
    this.#header = encodeHeader(this.#columns);
    this.#maxPartBytes = options.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
    if (!(this.#maxPartBytes > 0)) throw new RangeError(`maxPartBytes must be positive, got ${options.maxPartBytes}`);
    this.#gzipLevel = options.gzipLevel ?? zlibConstants.Z_DEFAULT_COMPRESSION;
    this.#onRejectedRow = options.onRejectedRow;
  }

  /** Encodes every row and yields the parts as they are completed. No rows, no parts. */
  write(rows: Iterable<readonly CellValue[]>): AsyncGenerator<BatchFilePart, void, undefined> {
    return this.#writeParts(this.#encode(rows), (part, { line, notes }) => this.stats.addRow(notes, part.append(line)));
  }

  /**
   * Like `write`, for records encoded beforehand (with encodeRow, for these columns, into a RecordArena);
   * `notes` are what encoding them noticed, null for nothing.
   */
  writeEncoded(records: Iterable<EncodedRecord>): AsyncGenerator<BatchFilePart, void, undefined> {
    const nothingNoticed = createFieldNotes();
    return this.#writeParts(records, (part, record) => {
      part.appendBytes(record.chunk, record.start, record.end);
      this.stats.addRow(record.notes ?? nothingNoticed, record.end - record.start);
    });
  }

  /** Rows as CSV lines; a row the sentinel collides with goes to onRejectedRow (or ends the batch). */
  *#encode(rows: Iterable<readonly CellValue[]>): Generator<{ line: string; notes: FieldNotes }> {
    const notes = createFieldNotes();
    let rowNumber = -1;
    for (const row of rows) {
      rowNumber++;
      resetFieldNotes(notes);
      let line: string;
      try {
        line = encodeRow(row, this.#columns, notes);
      } catch (error) {
        if (!(error instanceof SentinelCollisionError) || this.#onRejectedRow === undefined) throw error;
        this.stats.rejectedRows++;
        this.#onRejectedRow(error, row, rowNumber);
        continue;
      }
      yield { line, notes };
    }
  }

  /** Adds each item to the current part, closing parts at the size limit and yielding them. */
  async *#writeParts<T>(items: Iterable<T>, add: (part: PartFile, item: T) => void): AsyncGenerator<BatchFilePart, void, undefined> {
    if (this.#started) throw new Error('a BatchFileWriter writes one batch; create another for the next');
    this.#started = true;
    let part: PartFile | undefined;
    let nextIndex = 0;
    try {
      for (const item of items) {
        part ??= new PartFile(nextIndex++, this.#header, this.#gzipLevel);
        add(part, item);
        if (part.shouldFlush) await part.flush();
        if (part.uncompressedBytes >= this.#maxPartBytes) {
          const done = part;
          part = undefined;
          yield await done.finish();
        }
      }
      if (part !== undefined) {
        const done = part;
        part = undefined;
        yield await done.finish();
      }
    } finally {
      part?.discard();
    }
  }
}

/** A record encoded beforehand, and what encoding it noticed (null: nothing). */
export interface EncodedRecord extends RecordLocation {
  notes: FieldNotes | null;
}
