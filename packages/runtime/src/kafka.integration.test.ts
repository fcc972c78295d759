/**
 * Against the stack's real Kafka: instances that start side by side all get usable pipeline topics,
 * whichever of them creates them (the CI run that failed on "does not host this topic-partition").
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { pino } from 'pino';
import { createKafka, ensurePipelineTopics } from './kafka.js';

const kafkaPort = /^KAFKA_PORT=(\d+)$/m.exec(readFileSync(new URL('../../../stack/ports.env', import.meta.url), 'utf8'))![1];
const brokers = [`127.0.0.1:${kafkaPort}`];
const logger = pino({ level: 'silent' });

test('instances starting together all find the pipeline topics ready, with a leader for every partition', async () => {
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const topics = { batchesTopic: `pgshift-test-batches-${suffix}`, deadLetterTopic: `pgshift-test-dlq-${suffix}` };
  const instances = Array.from({ length: 6 }, (_, i) => createKafka({ brokers, clientId: `instance-${i}`, logger }));

  await Promise.all(instances.map((kafka) => ensurePipelineTopics(kafka, topics)));

  const admin = instances[0]!.admin();
  await admin.connect();
  try {
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [topics.batchesTopic, topics.deadLetterTopic] });
    const partitions = Object.fromEntries(metadata.map((t) => [t.name, t.partitions]));
    assert.equal(partitions[topics.batchesTopic]?.length, 6);
    assert.equal(partitions[topics.deadLetterTopic]?.length, 1);
    assert.ok(metadata.every((t) => t.partitions.every((p) => p.leader >= 0)));
    await admin.deleteTopics({ topics: [topics.batchesTopic, topics.deadLetterTopic] });
  } finally {
    await admin.disconnect();
  }
});
