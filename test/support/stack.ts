import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The native stack's fixed ports and credentials (stack/ports.env), so tests and the stack never disagree. */
function readPorts(): Record<string, string> {
  const file = fileURLToPath(new URL('../../stack/ports.env', import.meta.url));
  const entries: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) entries[match[1]!] = match[2]!;
  }
  return entries;
}

const ports = readPorts();

export const stack = {
  sourceUrl: `postgresql://pgshift:pgshift@127.0.0.1:${ports.PG_SOURCE_PORT}/app`,
  warehouseUrl: `postgresql://pgshift:pgshift@127.0.0.1:${ports.PG_WAREHOUSE_PORT}/warehouse`,
  kafkaBrokers: [`127.0.0.1:${ports.KAFKA_PORT}`],
  connectUrl: `http://127.0.0.1:${ports.CONNECT_PORT}`,
  registryUrl: `http://127.0.0.1:${ports.REGISTRY_PORT}/apis/ccompat/v7`,
  s3: {
    endpoint: `http://127.0.0.1:${ports.S3_PORT}`,
    region: ports.S3_REGION!,
    bucket: ports.S3_BUCKET!,
    accessKeyId: ports.S3_ACCESS_KEY!,
    secretAccessKey: ports.S3_SECRET_KEY!,
  },
  redshiftDataPort: Number(ports.REDSHIFT_DATA_PORT),
  topicPrefix: 'pgshift',
} as const;

/** A name no other test run uses: tests share the stack, never its tables or topics. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}
