import type { TableRef } from './table-ref.js';

/**
 * Where a batch lives in S3: readable and deterministic.
 *   <prefix>/<schema>.<table>/<yyyy>/<mm>/<dd>/<batchId>/part-00000.csv.gz
 *   <prefix>/<schema>.<table>/<yyyy>/<mm>/<dd>/<batchId>/manifest.json
 */
export function batchFolder(prefix: string, table: Pick<TableRef, 'schema' | 'table'>, createdAt: Date, batchId: string): string {
  const day = createdAt.toISOString().slice(0, 10).replaceAll('-', '/');
  const parts = [prefix.replace(/\/+$/, ''), `${table.schema}.${table.table}`, day, batchId].filter((p) => p !== '');
  return parts.join('/');
}

export function partKey(folder: string, index: number): string {
  return `${folder}/part-${String(index).padStart(5, '0')}.csv.gz`;
}

export function manifestKey(folder: string): string {
  return `${folder}/manifest.json`;
}

export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** Splits `s3://bucket/key` into its parts. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match) throw new Error(`not an s3:// URL: ${url}`);
  return { bucket: match[1]!, key: match[2]! };
}

/** The Redshift COPY manifest: every entry mandatory, so a missing file fails the load. */
export interface CopyManifest {
  entries: { url: string; mandatory: true; meta: { content_length: number } }[];
}
