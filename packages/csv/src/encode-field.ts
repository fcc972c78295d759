import { type CellValue, NULL_SENTINEL } from '@pgshift/contracts';

/** Redshift's VARCHAR limit, in UTF-8 bytes. */
export const VARCHAR_MAX_BYTES = 65_535;

// A UTF-16 code unit becomes at most 3 UTF-8 bytes (a surrogate pair, 2 units, becomes 4), so a string
// of at most this many units cannot exceed the limit and needs no byte count.
const MAX_UNITS_SURELY_WITHIN_LIMIT = Math.floor(VARCHAR_MAX_BYTES / 3);

/**
 * A value is exactly the NULL sentinel: written out, COPY would load it as NULL. The event carrying it
 * must go to the dead-letter topic instead.
 */
export class SentinelCollisionError extends Error {
  constructor(readonly column: string) {
    super(`column "${column}" holds a value equal to the NULL sentinel (U+0001 N); writing it would load NULL`);
    this.name = 'SentinelCollisionError';
  }
}

/** What encoding had to change or noticed, accumulated over the fields of a row. */
export interface FieldNotes {
  /** NUL characters removed (a NUL ends a record in Redshift). */
  nulCharactersStripped: number;
  /** Lone surrogates replaced with U+FFFD (they have no UTF-8 form). */
  invalidCharactersReplaced: number;
  /** Values longer than VARCHAR_MAX_BYTES, written in full. */
  oversized: { column: string; bytes: number }[];
}

export function createFieldNotes(): FieldNotes {
  return { nulCharactersStripped: 0, invalidCharactersReplaced: 0, oversized: [] };
}

/** A copy of `notes` to keep with an encoded row; null when encoding noticed nothing. */
export function keptFieldNotes(notes: FieldNotes): FieldNotes | null {
  if (notes.nulCharactersStripped === 0 && notes.invalidCharactersReplaced === 0 && notes.oversized.length === 0) return null;
  return { ...notes, oversized: [...notes.oversized] };
}

export function resetFieldNotes(notes: FieldNotes): void {
  notes.nulCharactersStripped = 0;
  notes.invalidCharactersReplaced = 0;
  if (notes.oversized.length > 0) notes.oversized = [];
}

/**
 * One CSV field: NULL as the unquoted sentinel, every other value quoted with `"` doubled, so that the
 * empty string (`""`) and NULL never meet. CSV has no escape character: backslashes, CR, LF and tabs
 * are written as they are, inside the quotes.
 */
export function encodeField(value: CellValue, column: string, notes: FieldNotes): string {
  if (value === null) return NULL_SENTINEL;
  if (typeof value !== 'string') {
    throw new TypeError(`column "${column}": an unchanged-TOAST placeholder reached the CSV encoder; resolve it first`);
  }
  let text = value;
  if (text.indexOf('\0') !== -1) {
    const stripped = text.replaceAll('\0', '');
    notes.nulCharactersStripped += text.length - stripped.length;
    text = stripped;
  }
  if (!text.isWellFormed()) {
    notes.invalidCharactersReplaced += countLoneSurrogates(text);
    text = text.toWellFormed();
  }
  // Checked after cleaning: `\u0001\u0000N` would otherwise become the sentinel on its way out.
  if (text === NULL_SENTINEL) throw new SentinelCollisionError(column);
  if (text.length > MAX_UNITS_SURELY_WITHIN_LIMIT) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > VARCHAR_MAX_BYTES) notes.oversized.push({ column, bytes });
  }
  return text.indexOf('"') === -1 ? `"${text}"` : `"${text.replaceAll('"', '""')}"`;
}

function countLoneSurrogates(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    else count++;
  }
  return count;
}
