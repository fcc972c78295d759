import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type BatchReady, parseS3Url } from '@pgshift/contracts';
import { parseCopyManifest } from '@pgshift/csv';
import type { MergeStatement } from '@pgshift/warehouse';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

async function open(s3: S3Client, url: string): Promise<Readable> {
  const { bucket, key } = parseS3Url(url);
  return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable;
}

/**
 * Runs a batch's statements the way PostgresAdapter.applyBatch does (staging table, COPY of every part
 * from S3), but each merge statement under EXPLAIN (ANALYZE, BUFFERS), in a transaction that is rolled
 * back. Returns the plans in statement order.
 */
export async function explainMerge(
  client: pg.Client,
  s3: S3Client,
  statements: readonly MergeStatement[],
  batch: BatchReady,
): Promise<{ kind: string; plan: string }[]> {
  const plans: { kind: string; plan: string }[] = [];
  await client.query('BEGIN');
  try {
    for (const statement of statements) {
      if (statement.kind === 'create-staging' || statement.kind === 'drop-staging') {
        await client.query(statement.sql);
      } else if (statement.kind === 'copy') {
        const manifest = parseCopyManifest(Buffer.concat(await (await open(s3, batch.manifestUrl!)).toArray()));
        for (const entry of manifest.entries) await pipeline(await open(s3, entry.url), createGunzip(), client.query(copyFrom(statement.sql)));
      } else {
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${statement.sql}`);
        plans.push({ kind: statement.kind, plan: rows.map((r) => r['QUERY PLAN']).join('\n') });
      }
    }
  } finally {
    await client.query('ROLLBACK');
  }
  return plans;
}
