import { once } from 'node:events';
import { setImmediate } from 'node:timers/promises';
import { createGzip, type Gzip } from 'node:zlib';

/** One gzipped part of a batch: a complete CSV file with its own header row. */
export interface BatchFilePart {
  /** 0, 1, 2 … in the order written (the `part-00000` of the S3 key). */
  index: number;
  body: Buffer;
  /** Data rows, header excluded. */
  rows: number;
  /** CSV bytes before compression, header included. */
  uncompressedBytes: number;
}

// Text is handed to zlib in chunks of about this many UTF-16 units: few enough calls to stay cheap,
// small enough that compression (on libuv's thread pool) overlaps with encoding the next rows.
const CHUNK_UNITS = 64 * 1024;
// How much text may wait for zlib before encoding pauses for it.
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/** A part being written: rows in, compressed asynchronously, collected in memory. */
export class PartFile {
  rows = 0;
  uncompressedBytes: number;
  readonly #gzip: Gzip;
  readonly #compressed: Buffer[] = [];
  readonly #ended: Promise<unknown>;
  #pending: string;

  constructor(
    readonly index: number,
    header: string,
    gzipLevel: number,
  ) {
    this.#gzip = createGzip({ level: gzipLevel });
    this.#gzip.on('data', (chunk: Buffer) => this.#compressed.push(chunk));
    this.#ended = once(this.#gzip, 'end');
    this.#ended.catch(() => {}); // awaited (and its error seen) in finish()
    this.#pending = header;
    this.uncompressedBytes = Buffer.byteLength(header, 'utf8');
  }

  /** Adds an encoded row; true when enough text waits that the caller should `flush()`. */
  append(line: string, bytes: number): boolean {
    this.#pending += line;
    this.rows++;
    this.uncompressedBytes += bytes;
    return this.#pending.length >= CHUNK_UNITS;
  }

  /**
   * Hands the waiting text to zlib, then lets the event loop run (Kafka heartbeats, fetches) before the
   * caller encodes more; waits for zlib only when it is far behind.
   */
  async flush(): Promise<void> {
    const text = this.#pending;
    this.#pending = '';
    this.#gzip.write(text);
    // Past its (16 KiB) high-water mark the stream has promised a 'drain'.
    if (this.#gzip.writableLength > MAX_QUEUED_BYTES) await once(this.#gzip, 'drain');
    else await setImmediate();
  }

  async finish(): Promise<BatchFilePart> {
    this.#gzip.end(this.#pending);
    this.#pending = '';
    await this.#ended;
    return { index: this.index, body: Buffer.concat(this.#compressed), rows: this.rows, uncompressedBytes: this.uncompressedBytes };
  }

  discard(): void {
    this.#gzip.destroy();
  }
}
