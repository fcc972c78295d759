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

// Encoded rows are copied into a chunk of this many bytes, which goes to zlib when full: few calls into
// zlib, and compression (on libuv's thread pool) overlaps with copying the next rows.
const CHUNK_BYTES = 128 * 1024;
// How much may wait for zlib before encoding pauses for it.
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/** A part being written: rows in, compressed asynchronously, collected in memory. */
export class PartFile {
  rows = 0;
  uncompressedBytes = 0;
  readonly #gzip: Gzip;
  readonly #compressed: Buffer[] = [];
  readonly #ended: Promise<unknown>;
  #chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  #used = 0;
  #handedOff = false;

  constructor(
    readonly index: number,
    header: string,
    gzipLevel: number,
  ) {
    this.#gzip = createGzip({ level: gzipLevel });
    this.#gzip.on('data', (chunk: Buffer) => this.#compressed.push(chunk));
    this.#ended = once(this.#gzip, 'end');
    this.#ended.catch(() => {}); // awaited (and its error seen) in finish()
    const encoded = Buffer.from(header, 'utf8');
    this.#copy(encoded, 0, encoded.length);
    this.uncompressedBytes = encoded.length;
  }

  /** Adds a CSV line; returns its size in bytes. */
  append(line: string): number {
    const encoded = Buffer.from(line, 'utf8');
    this.appendBytes(encoded, 0, encoded.length);
    return encoded.length;
  }

  /** Adds a row already encoded (bytes `start` to `end` of `source`, newline included). */
  appendBytes(source: Buffer, start: number, end: number): void {
    this.#copy(source, start, end);
    this.rows++;
    this.uncompressedBytes += end - start;
  }

  /** True when text went to zlib since the last `flush()`: the caller should call it now. */
  get shouldFlush(): boolean {
    return this.#handedOff;
  }

  /**
   * Lets the event loop run (Kafka heartbeats, fetches) before the caller encodes more; waits for zlib
   * only when it is far behind.
   */
  async flush(): Promise<void> {
    this.#handedOff = false;
    // Past its (16 KiB) high-water mark the stream has promised a 'drain'.
    if (this.#gzip.writableLength > MAX_QUEUED_BYTES) await once(this.#gzip, 'drain');
    else await setImmediate();
  }

  async finish(): Promise<BatchFilePart> {
    this.#gzip.end(this.#used > 0 ? this.#chunk.subarray(0, this.#used) : undefined);
    this.#used = 0;
    await this.#ended;
    return { index: this.index, body: Buffer.concat(this.#compressed), rows: this.rows, uncompressedBytes: this.uncompressedBytes };
  }

  discard(): void {
    this.#gzip.destroy();
  }

  #copy(source: Buffer, start: number, end: number): void {
    const bytes = end - start;
    if (CHUNK_BYTES - this.#used < bytes) this.#handOff();
    if (bytes <= CHUNK_BYTES) {
      source.copy(this.#chunk, this.#used, start, end);
      this.#used += bytes;
    } else {
      this.#gzip.write(source.subarray(start, end));
      this.#handedOff = true;
    }
  }

  /** The chunk goes to zlib (which keeps it until compressed); encoding goes on in a fresh one. */
  #handOff(): void {
    if (this.#used === 0) return;
    this.#gzip.write(this.#chunk.subarray(0, this.#used));
    this.#chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.#used = 0;
    this.#handedOff = true;
  }
}
