import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  STAGING_META_COLUMNS,
  UNCHANGED,
  batchFolder,
  encodeUnchanged,
  manifestKey,
  partKey,
  s3Url,
  schemaFingerprint,
  type BatchFile,
  type BatchReady,
  type CellValue,
} from '@pgshift/contracts';
import { BatchFileWriter, buildCopyManifest } from '@pgshift/csv';
import { microTimestampText } from '@pgshift/debezium';
import { withRetry, type Logger } from '@pgshift/runtime';
import type { BufferedRow } from './coalescing-buffer.js';
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
      for await (const part of writer.write(stagingRows(buffer.rows()))) {
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

    let minLsn: bigint | null = null;
    let maxLsn: bigint | null = null;
    let minTs: bigint | null = null;
    let maxTs: bigint | null = null;
    const note = (lsn: bigint, ts: bigint) => {
      if (minLsn === null || lsn < minLsn) minLsn = lsn;
      if (maxLsn === null || lsn > maxLsn) maxLsn = lsn;
      if (minTs === null || ts < minTs) minTs = ts;
      if (maxTs === null || ts > maxTs) maxTs = ts;
    };
    for (const row of buffer.rows()) note(row.lsn, row.sourceTsUs);
    if (batch.kind === 'truncate') note(batch.lsn, batch.sourceTsUs);

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
      lsnRange: minLsn === null ? null : { min: String(minLsn), max: String(maxLsn) },
      sourceTimeRange: minTs === null ? null : { minMs: Number(minTs / 1000n), maxMs: Number(maxTs! / 1000n) },
      oversizedValues,
      producer: this.options.producer,
    };
  }

  private async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await withRetry(
      () =>
        this.options.s3.send(
          new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body, ContentType: contentType, ContentLength: body.length }),
        ),
      {
        what: `put s3://${this.options.bucket}/${key}`,
        retries: 30,
        maxTimeoutMs: 10_000,
        isRetryable: () => true,
        onRetry: (error, attempt) =>
          this.options.logger.warn({ err: error, key, attempt }, 'S3 write failed; retrying'),
      },
    );
  }
}

/** A buffered row as the CSV record the loader stages: the table's values, then the staging metadata. */
function* stagingRows(rows: Iterable<BufferedRow>): Generator<CellValue[]> {
  for (const row of rows) {
    const unchanged: number[] = [];
    const values: CellValue[] = row.values.map((value, index) => {
      if (value !== UNCHANGED) return value;
      unchanged.push(index);
      return null;
    });
    // In the order of STAGING_META_COLUMNS: op, lsn, source_ts, partition, offset, unchanged.
    values.push(row.op, String(row.lsn), microTimestampText(row.sourceTsUs), String(row.partition), String(row.offset), encodeUnchanged(unchanged));
    yield values;
  }
}
