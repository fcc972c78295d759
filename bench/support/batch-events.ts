import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { type BatchReady, batchReadyFromAvro } from '@pgshift/contracts';
import type { Kafka } from 'kafkajs';
import { stack } from '../../test/support/stack.js';

/** Every "batch ready" event on a batches topic, read from the beginning with a throwaway group. */
export async function readBatchEvents(kafka: Kafka, topic: string, groupId: string, expected: number): Promise<BatchReady[]> {
  const registry = new SchemaRegistry({ host: stack.registryUrl });
  const consumer = kafka.consumer({ groupId });
  const events: BatchReady[] = [];
  let done!: () => void;
  const complete = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        events.push(batchReadyFromAvro((await registry.decode(message.value!)) as Record<string, unknown>));
        if (events.length >= expected) done();
      },
    });
    if (expected > 0) await complete;
    return events;
  } finally {
    await consumer.disconnect();
  }
}
