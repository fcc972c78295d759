import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type BatchFile, type BatchReady, batchFolder, manifestKey, partKey, STAGING_META_COLUMNS, s3Url, schemaFingerprint } from '@pgshift/contracts';
import { BatchFileWriter, buildCopyManifest } from '@pgshift/csv';
import { type Logger, withRetry } from '@pgshift/runtime';
import type { SealedBatch } from './sealed-batch.js';

export interface BatchWriterOptions {
  s3: S3Client;
  bucket: string;
  prefix: string;
  partBytes: number;
  gzipLevel: number;
  producer: string;
  logger: Logger;
}

/**
 * Writes a sealed batch to S3 (gzipped CSV parts, then the COPY manifest) and describes it as a
 * "batch ready" event. Every object is written before the event exists, so an announced batch is
 * always complete. Writes are retried while the S3 server is away.
 */
export class BatchWriter {
  constructor(private readonly options: BatchWriterOptions) {}

  async write(batch: SealedBatch): Promise<BatchReady> {
    const { buffer, table } = batch;
    const createdAt = new Date(batch.sealedAt);
    const columns = [...buffer.columns];
    const files: BatchFile[] = [];
    let oversizedValues: BatchReady['oversizedValues'] = [];
    let manifestUrl: string | null = null;

    if (batch.kind === 'rows' && buffer.rowCount > 0) {
      const folder = batchFolder(this.options.prefix, table, createdAt, batch.id);
      const writer = new BatchFileWriter([...columns.map((c) => c.name), ...STAGING_META_COLUMNS], {
        maxPartBytes: this.options.partBytes,
        gzipLevel: this.options.gzipLevel,
      });
      for await (const part of writer.writeEncoded(buffer.rows())) {
        const key = partKey(folder, part.index);
        await this.put(key, part.body, 'application/gzip');
        files.push({ url: s3Url(this.options.bucket, key), bytes: part.body.length, rows: part.rows });
      }
      const manifest = Buffer.from(JSON.stringify(buildCopyManifest(files)));
      const key = manifestKey(folder);
      await this.put(key, manifest, 'application/json');
      manifestUrl = s3Url(this.options.bucket, key);
      oversizedValues = writer.stats.oversizedValues;
      if (writer.stats.nulCharactersStripped > 0 || writer.stats.invalidCharactersReplaced > 0) {
        this.options.logger.warn(
          { table: table.topic, batchId: batch.id, ...writer.stats, oversizedValues },
          'batch values were cleaned for COPY: NUL characters stripped or invalid characters replaced',
        );
      }
    }

    const lsns = buffer.lsnRange() ?? (batch.kind === 'truncate' ? { min: batch.lsn, max: batch.lsn } : null);
    const txLsns = buffer.txLsnRange() ?? (batch.kind === 'truncate' ? { min: batch.txLsn, max: batch.txLsn } : null);
    const sourceTimes = buffer.sourceTimeRange() ?? (batch.kind === 'truncate' ? { min: batch.sourceTsUs, max: batch.sourceTsUs } : null);

    return {
      batchId: batch.id,
      kind: batch.kind,
      table,
      createdAtMs: batch.sealedAt,
      manifestUrl,
      files,
      rowCount: files.reduce((sum, f) => sum + f.rows, 0),
      rowsByOp: buffer.rowsByOp(),
      eventCount: buffer.events,
      columns,
      schemaFingerprint: schemaFingerprint(columns),
      offsets: buffer.offsetRanges(),
      lsnRange: lsns === null ? null : { min: String(lsns.min), max: String(lsns.max) },
      sourceTimeRange: sourceTimes === null ? null : { minMs: Number(sourceTimes.min / 1000n), maxMs: Number(sourceTimes.max / 1000n) },
      oversizedValues,
      producer: this.options.producer,
      stagingColumns: [...STAGING_META_COLUMNS],
      txLsnRange: txLsns === null ? null : { min: String(txLsns.min), max: String(txLsns.max) },
      keyChanges: buffer.keyChanges(),
    };
  }

  /**
   * The one retry layer of a batch file's write: this loop (the S3 client makes one attempt,
   * main.ts), because only it waits long enough for an S3 server that is away (restarting, 20 s in the
   * fault test) and logs each failure. Every error is retried: S3 unreachable or refusing is never a
   * reason to drop or dead-letter a batch; the consumed offsets stay uncommitted meanwhile.
   */
  private async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await withRetry(
      () =>
        this.options.s3.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body, ContentType: contentType, ContentLength: body.length })),
      {
        what: `put s3://${this.options.bucket}/${key}`,
        retries: 30,
        maxTimeoutMs: 10_000,
        isRetryable: () => true,
        onRetry: (error, attempt) => this.options.logger.warn({ err: error, key, attempt }, 'S3 write failed; retrying'),
      },
    );
  }
}
