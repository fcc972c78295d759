/** Where one encoded CSV record lies: bytes `start` to `end` of `chunk`. */
export interface RecordLocation {
  chunk: Buffer;
  start: number;
  end: number;
}

// Chunks grow from small (a table with a handful of rows holds little) to this size.
const FIRST_CHUNK_BYTES = 16 * 1024;
const CHUNK_BYTES = 1024 * 1024;
// A UTF-16 code unit becomes at most 3 UTF-8 bytes.
const MAX_BYTES_PER_UNIT = 3;

/**
 * Encoded CSV records kept as UTF-8 in large off-heap chunks instead of as strings on the JS heap: a
 * buffered row then costs the garbage collector one small object, not a dozen strings that survive
 * young-generation collections and are copied each time. Space of records that are replaced is not
 * reused; the arena is dropped as a whole with its batch.
 */
export class RecordArena {
  #chunk: Buffer | null = null;
  #used = 0;
  #allocated = 0;

  /** Bytes of chunk memory held (used or not). */
  get allocatedBytes(): number {
    return this.#allocated;
  }

  /** Writes `text` as UTF-8 and points `location` at it; returns its byte length. */
  append(text: string, location: RecordLocation): number {
    const worstCase = text.length * MAX_BYTES_PER_UNIT;
    if (worstCase > CHUNK_BYTES) {
      const own = Buffer.from(text, 'utf8');
      this.#allocated += own.length;
      location.chunk = own;
      location.start = 0;
      location.end = own.length;
      return own.length;
    }
    let chunk = this.#chunk;
    if (chunk === null || chunk.length - this.#used < worstCase) {
      const size = Math.max(worstCase, Math.min(CHUNK_BYTES, chunk === null ? FIRST_CHUNK_BYTES : chunk.length * 2));
      chunk = this.#chunk = Buffer.allocUnsafe(size);
      this.#used = 0;
      this.#allocated += size;
    }
    const bytes = chunk.write(text, this.#used, 'utf8');
    location.chunk = chunk;
    location.start = this.#used;
    location.end = this.#used + bytes;
    this.#used += bytes;
    return bytes;
  }
}

/** The text of a record (for the rare reader: filling unchanged TOAST values from an earlier row). */
export function recordText(location: RecordLocation): string {
  return location.chunk.toString('utf8', location.start, location.end);
}
