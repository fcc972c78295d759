import type { FieldNotes } from './encode-field.js';

/** Per column: how many values exceeded Redshift's VARCHAR limit, and the largest (BatchReady.oversizedValues). */
export interface OversizedColumn {
  column: string;
  count: number;
  maxBytes: number;
}

/** What a batch's files hold and what encoding had to do to them. */
export class BatchFileStats {
  /** Rows written (rejected rows excluded). */
  rows = 0;
  /** Rows refused because a value equals the NULL sentinel (with an onRejectedRow handler). */
  rejectedRows = 0;
  nulCharactersStripped = 0;
  invalidCharactersReplaced = 0;
  /** The longest CSV record written, in bytes (Redshift refuses rows over 4 MB). */
  largestRowBytes = 0;
  readonly #oversized = new Map<string, OversizedColumn>();

  get oversizedValues(): OversizedColumn[] {
    return [...this.#oversized.values()].map((entry) => ({ ...entry }));
  }

  addRow(notes: FieldNotes, rowBytes: number): void {
    this.rows++;
    this.nulCharactersStripped += notes.nulCharactersStripped;
    this.invalidCharactersReplaced += notes.invalidCharactersReplaced;
    if (rowBytes > this.largestRowBytes) this.largestRowBytes = rowBytes;
    for (const { column, bytes } of notes.oversized) {
      const entry = this.#oversized.get(column);
      if (entry === undefined) this.#oversized.set(column, { column, count: 1, maxBytes: bytes });
      else {
        entry.count++;
        if (bytes > entry.maxBytes) entry.maxBytes = bytes;
      }
    }
  }
}
