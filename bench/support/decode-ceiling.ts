import { createChangeEventDecoder, type PgshiftSchemaRegistry } from '@pgshift/debezium';
import type { Kafka } from 'kafkajs';

/**
 * The ceiling for the batcher: a bare kafkajs consumer with the batcher's fetch settings that only
 * decodes every message (registry lookup, Avro, pgshift's cell converters), then drops it.
 * Returns the milliseconds from joining the group to the last message decoded.
 */
export async function decodeOnly(
  kafka: Kafka,
  registry: PgshiftSchemaRegistry,
  topic: string,
  groupId: string,
  events: number,
): Promise<{ ms: number; decoded: number }> {
  const decoder = createChangeEventDecoder({ registry });
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxBytesPerPartition: 4 * 1024 * 1024, sessionTimeout: 45_000 });
  let joinedAt = 0;
  let decoded = 0;
  let finish!: (at: number) => void;
  let fail!: (error: unknown) => void;
  const finished = new Promise<number>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  consumer.on(consumer.events.GROUP_JOIN, () => (joinedAt = performance.now()));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat }) => {
        try {
          for (const message of batch.messages) {
            await decoder.decode({ topic, key: message.key, value: message.value });
            if (++decoded === events) finish(performance.now());
          }
          await heartbeat();
        } catch (error) {
          fail(error);
        }
      },
    });
    const doneAt = await finished;
    return { ms: doneAt - joinedAt, decoded };
  } finally {
    await consumer.disconnect();
  }
}
