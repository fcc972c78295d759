import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEAD_LETTER_HEADERS } from '@pgshift/runtime';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { KAFKA_BROKER, uniqueName } from '../test-support/databases.js';
import { originalHeaders, redriveGroupId } from './dead-letter-record.js';
import { deleteGroup } from './read-to-end.js';
import { listDeadLetters, redriveDeadLetters } from './redrive.js';

const kafka = new Kafka({ clientId: 'pgshift-cli-test', brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING });
const deadLetterTopic = uniqueName('pgshift.dead-letter.test');
const original = uniqueName('pgshift.test.orders');
const group = uniqueName('pgshift-redrive-test');

function letter(n: number, reason: string) {
  return {
    key: `k${n}`,
    value: `v${n}`,
    headers: {
      app: `h${n}`,
      [DEAD_LETTER_HEADERS.reason]: reason,
      [DEAD_LETTER_HEADERS.error]: `boom ${n}`,
      [DEAD_LETTER_HEADERS.topic]: original,
      [DEAD_LETTER_HEADERS.partition]: '1',
      [DEAD_LETTER_HEADERS.offset]: String(100 + n),
      [DEAD_LETTER_HEADERS.failedAt]: '2024-05-01T10:00:00.000Z',
      [DEAD_LETTER_HEADERS.service]: 'batcher',
    },
  };
}

async function readAll(topic: string, count: number): Promise<{ partition: number; message: KafkaMessage }[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('pgshift-cli-test-reader') });
  const seen: { partition: number; message: KafkaMessage }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async (payload) => {
        seen.push(payload);
        if (seen.length >= count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

before(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: deadLetterTopic, numPartitions: 1 },
      { topic: original, numPartitions: 2 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: deadLetterTopic, messages: [letter(1, 'malformed-avro'), letter(2, 'unknown-schema-id'), letter(3, 'malformed-avro')] });
  await producer.disconnect();
});

after(async () => {
  await deleteGroup(kafka, group);
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [deadLetterTopic, original] }).catch(() => undefined);
  await admin.disconnect();
});

test('list reads every dead letter with where it came from and why', async () => {
  const letters = await listDeadLetters(kafka, deadLetterTopic);
  assert.deepEqual(
    letters.map((l) => [l.offset, l.originalTopic, l.originalPartition, l.originalOffset, l.reason, l.error]),
    [
      ['0', original, 1, '101', 'malformed-avro', 'boom 1'],
      ['1', original, 1, '102', 'unknown-schema-id', 'boom 2'],
      ['2', original, 1, '103', 'malformed-avro', 'boom 3'],
    ],
  );
});

test('redrive re-publishes the matching letters to their topic and partition, without the dead-letter headers, once', async () => {
  const dry = await redriveDeadLetters(kafka, { topic: deadLetterTopic, filter: { reason: 'malformed-avro' }, dryRun: true, groupId: group });
  assert.deepEqual(
    dry.redriven.map((r) => r.offset),
    ['0', '2'],
  );

  const first = await redriveDeadLetters(kafka, { topic: deadLetterTopic, filter: { reason: 'malformed-avro' }, dryRun: false, groupId: group });
  assert.deepEqual(
    first.redriven.map((r) => r.offset),
    ['0', '2'],
  );
  assert.equal(first.passedOver, 1);

  const republished = await readAll(original, 2);
  assert.deepEqual(
    republished.map(({ partition, message }) => ({
      partition,
      key: message.key?.toString(),
      value: message.value?.toString(),
      headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
    })),
    [
      { partition: 1, key: 'k1', value: 'v1', headers: { app: 'h1' } },
      { partition: 1, key: 'k3', value: 'v3', headers: { app: 'h3' } },
    ],
  );

  const second = await redriveDeadLetters(kafka, { topic: deadLetterTopic, filter: { reason: 'malformed-avro' }, dryRun: false, groupId: group });
  assert.deepEqual(second.redriven, []);
});

test('each redrive selection keeps its own cursor; the dead-letter headers are the ones removed', () => {
  assert.equal(redriveGroupId({}), 'pgshift-redrive');
  assert.equal(
    redriveGroupId({ reason: 'malformed-avro', originalTopic: 'pgshift.app.orders' }),
    'pgshift-redrive.reason=malformed-avro.topic=pgshift.app.orders',
  );
  assert.deepEqual(originalHeaders(letter(9, 'r').headers), { app: 'h9' });
});
