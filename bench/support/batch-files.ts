import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  type BatchFile,
  type BatchReady,
  batchFolder,
  type CellValue,
  type ColumnSpec,
  LEGACY_STAGING_META_COLUMNS,
  manifestKey,
  type OpCounts,
  type PartitionRange,
  partKey,
  s3Url,
  schemaFingerprint,
  type TableRef,
} from '@pgshift/contracts';
import { BatchFileWriter, buildCopyManifest } from '@pgshift/csv';
import { microTimestampText } from '@pgshift/debezium';
import { stack } from '../../test/support/stack.js';

/** A row as the batcher stages it: the last change of one key and where that change came from. */
export interface StagedRow {
  op: 'c' | 'u' | 'd' | 'r';
  cells: CellValue[];
  lsn: bigint;
  sourceTsUs: bigint;
  partition: number;
  offset: number;
}

export interface BatchToWrite {
  table: TableRef;
  columns: readonly ColumnSpec[];
  rows: Iterable<StagedRow>;
  batchId: string;
  prefix: string;
  /** The batcher's default part size (PGSHIFT_PART_BYTES). */
  partBytes?: number;
}

/**
 * Writes a batch the way the batcher's BatchWriter does: the table's cells then the staging metadata
 * columns, gzipped CSV parts uploaded one by one, then the COPY manifest; returns its "batch ready" event.
 */
export async function writeBatch(s3: S3Client, batch: BatchToWrite): Promise<{ event: BatchReady; uncompressedBytes: number }> {
  const createdAt = new Date();
  const folder = batchFolder(batch.prefix, batch.table, createdAt, batch.batchId);
  const rowsByOp: OpCounts = { c: 0, u: 0, d: 0, r: 0 };
  const ranges = new Map<number, PartitionRange>();
  let lsn: { min: bigint; max: bigint } | null = null;
  let ts: { min: bigint; max: bigint } | null = null;

  function* records(): Generator<CellValue[]> {
    for (const row of batch.rows) {
      rowsByOp[row.op]++;
      const range = ranges.get(row.partition);
      if (range) {
        range.first = Math.min(range.first, row.offset);
        range.last = Math.max(range.last, row.offset);
      } else ranges.set(row.partition, { partition: row.partition, first: row.offset, last: row.offset });
      lsn = lsn === null ? { min: row.lsn, max: row.lsn } : { min: row.lsn < lsn.min ? row.lsn : lsn.min, max: row.lsn > lsn.max ? row.lsn : lsn.max };
      ts =
        ts === null
          ? { min: row.sourceTsUs, max: row.sourceTsUs }
          : { min: row.sourceTsUs < ts.min ? row.sourceTsUs : ts.min, max: row.sourceTsUs > ts.max ? row.sourceTsUs : ts.max };
      // A batch event without stagingColumns: in the order of LEGACY_STAGING_META_COLUMNS: op, lsn, source_ts, partition, offset, unchanged.
      yield [...row.cells, row.op, String(row.lsn), microTimestampText(row.sourceTsUs), String(row.partition), String(row.offset), null];
    }
  }

  const writer = new BatchFileWriter(
    [...batch.columns.map((c) => c.name), ...LEGACY_STAGING_META_COLUMNS],
    batch.partBytes ? { maxPartBytes: batch.partBytes } : {},
  );
  const files: BatchFile[] = [];
  let uncompressedBytes = 0;
  for await (const part of writer.write(records())) {
    const key = partKey(folder, part.index);
    await put(s3, key, part.body, 'application/gzip');
    files.push({ url: s3Url(stack.s3.bucket, key), bytes: part.body.length, rows: part.rows });
    uncompressedBytes += part.uncompressedBytes;
  }
  const key = manifestKey(folder);
  await put(s3, key, Buffer.from(JSON.stringify(buildCopyManifest(files))), 'application/json');
  const columns = [...batch.columns];
  const rowCount = files.reduce((sum, f) => sum + f.rows, 0);
  const lsnRange = lsn as { min: bigint; max: bigint } | null;
  const timeRange = ts as { min: bigint; max: bigint } | null;
  return {
    uncompressedBytes,
    event: {
      batchId: batch.batchId,
      kind: 'rows',
      table: batch.table,
      createdAtMs: createdAt.getTime(),
      manifestUrl: s3Url(stack.s3.bucket, key),
      files,
      rowCount,
      rowsByOp,
      eventCount: rowCount,
      columns,
      schemaFingerprint: schemaFingerprint(columns),
      offsets: [...ranges.values()].sort((a, b) => a.partition - b.partition),
      lsnRange: lsnRange && { min: String(lsnRange.min), max: String(lsnRange.max) },
      sourceTimeRange: timeRange && { minMs: Number(timeRange.min / 1000n), maxMs: Number(timeRange.max / 1000n) },
      oversizedValues: writer.stats.oversizedValues,
      producer: 'bench:loader',
    },
  };
}

async function put(s3: S3Client, key: string, body: Buffer, contentType: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: stack.s3.bucket, Key: key, Body: body, ContentType: contentType, ContentLength: body.length }));
}
