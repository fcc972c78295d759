import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { type BatchReady, batchReadyFromAvro, parseS3Url } from '@pgshift/contracts';
import { type CsvField, decodeBatchFile } from '@pgshift/csv';
import type pg from 'pg';
import { kafka } from './kafka.js';
import { stack, uniqueName } from './stack.js';
import { waitFor } from './wait.js';

// Reading what the batcher produced, the way an outsider would: the batches topic through the registry,
// the files straight from S3, committed offsets from Kafka.

export const s3 = new S3Client({
  endpoint: stack.s3.endpoint,
  region: stack.s3.region,
  forcePathStyle: true,
  credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
});

const registry = new SchemaRegistry({ host: stack.registryUrl });

export interface AnnouncedBatch {
  partition: number;
  offset: string;
  event: BatchReady;
}

/** Every "batch ready" event on `topic` up to its current end, decoded through the registry. */
export async function readBatches(topic: string): Promise<AnnouncedBatch[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
  const pending = [...ends].filter(([, high]) => high > 0n);
  if (pending.length === 0) return [];
  const consumer = kafka.consumer({ groupId: uniqueName('test-batches') });
  const seen: AnnouncedBatch[] = [];
  const reached = new Map<number, bigint>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (BigInt(message.offset) >= ends.get(partition)!) return;
        // Plain objects (the Avro decoder gives record classes), so that deepEqual compares values only.
        const record = JSON.parse(JSON.stringify(await registry.decode(message.value!))) as Record<string, unknown>;
        const event = batchReadyFromAvro(record);
        seen.push({ partition, offset: message.offset, event });
        reached.set(partition, BigInt(message.offset) + 1n);
      },
    });
    await waitFor(`every batch event on ${topic}`, () => pending.every(([p, high]) => (reached.get(p) ?? 0n) >= high), {
      timeoutMs: 60_000,
    });
  } finally {
    await consumer.disconnect();
  }
  return seen.sort((a, b) => a.event.createdAtMs - b.event.createdAtMs || Number(a.offset) - Number(b.offset));
}

/** Waits until the batches announced for `tableName` satisfy `done`; returns them. */
export async function waitForBatches(topic: string, done: (batches: BatchReady[]) => boolean, { timeoutMs = 180_000 } = {}): Promise<BatchReady[]> {
  return waitFor(
    `batches on ${topic}`,
    async () => {
      const batches = (await readBatches(topic)).map((b) => b.event);
      return done(batches) ? batches : false;
    },
    { timeoutMs, intervalMs: 1000 },
  );
}

export async function getObject(url: string): Promise<Buffer> {
  const { bucket, key } = parseS3Url(url);
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

/** Keys under a prefix (every page). */
export async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: stack.s3.bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) keys.push(object.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** A gzipped CSV part, decoded with the same decoder the loader's tests trust. */
export async function readBatchFile(url: string): Promise<{ header: string[]; rows: CsvField[][] }> {
  const gunzip = pipeline(Readable.from([await getObject(url)]), createGunzip(), () => {});
  const { header, rows } = await decodeBatchFile(gunzip);
  const all: CsvField[][] = [];
  for await (const row of rows) all.push(row);
  return { header, rows: all };
}

/** The rows of every file of a batch, as objects keyed by the header. */
export async function batchRows(event: BatchReady): Promise<{ header: string[]; rows: Record<string, CsvField>[] }> {
  let header: string[] = [];
  const rows: Record<string, CsvField>[] = [];
  for (const file of event.files) {
    const part = await readBatchFile(file.url);
    header = part.header;
    for (const row of part.rows) rows.push(Object.fromEntries(part.header.map((name, i) => [name, row[i]!])));
  }
  return { header, rows };
}

/** The consumer group's committed offsets per partition of `topic` (-1: nothing committed). */
export async function committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** The high watermark of every partition of `topic`. */
export async function topicEnds(topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Creates a topic up front, so that Debezium publishes into it with our partition count. */
export async function createTopic(topic: string, numPartitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** The samples of a Prometheus metric: labels and value. */
export function metricSamples(metricsText: string, name: string): { labels: Record<string, string>; value: number }[] {
  const samples: { labels: Record<string, string>; value: number }[] = [];
  for (const line of metricsText.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of a Prometheus metric's samples whose labels include `labels`. */
export function metricValue(metricsText: string, name: string, labels: Record<string, string> = {}): number {
  return metricSamples(metricsText, name)
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Row count and an md5 of every row's text, for comparing a table on both sides. */
export async function tableDigest(client: pg.Client, query: string): Promise<{ count: number; md5: string | null }> {
  const { rows } = await client.query(`SELECT count(*)::int AS count, md5(string_agg(r::text, '|' ORDER BY r::text)) AS md5 FROM (${query}) AS r`);
  return { count: rows[0].count, md5: rows[0].md5 };
}

/** The offset of the last message on each partition, from messages read off a topic. */
export function lastOffsets(messages: readonly { partition: number; offset: string }[]): Map<number, number> {
  const last = new Map<number, number>();
  for (const { partition, offset } of messages) last.set(partition, Math.max(last.get(partition) ?? -1, Number(offset)));
  return last;
}

/**
 * Waits until a running batcher has consumed every partition of `topic` up to `last` (its lag gauge says
 * how far from the high watermark it is). Call it once the backlog is complete and nothing more is
 * written to the topic. Debezium writes through Kafka transactions (Connect exactly-once), so a
 * partition ends with a commit marker that takes an offset of its own: the high watermark is not the
 * last message + 1.
 */
export async function waitUntilConsumed(
  batcher: { metrics(): Promise<string> },
  topic: string,
  last: Map<number, number>,
  { timeoutMs = 180_000 } = {},
): Promise<void> {
  const ends = await topicEnds(topic);
  await waitFor(
    `the batcher to consume ${topic} to the end`,
    async () => {
      const lag = metricSamples(await batcher.metrics(), 'pgshift_batcher_consumer_lag');
      return [...last].every(([partition, lastOffset]) =>
        lag.some((s) => s.labels.topic === topic && s.labels.partition === String(partition) && ends.get(partition)! - 1 - s.value >= lastOffset),
      );
    },
    { timeoutMs, intervalMs: 500 },
  );
}
