import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { stack, uniqueName } from './stack.js';
import { waitFor } from './wait.js';

export const kafka = new Kafka({ clientId: 'pgshift-test', brokers: [...stack.kafkaBrokers], logLevel: logLevel.NOTHING });

export interface ReadMessage {
  partition: number;
  offset: string;
  message: KafkaMessage;
}

/**
 * Reads a topic from the beginning with a throwaway consumer group until `done` says the messages seen
 * so far are enough, then returns them in consumption order.
 */
export async function readTopic(topic: string, done: (messages: ReadMessage[]) => boolean, { timeoutMs = 60_000 } = {}): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('test-reader') });
  const seen: ReadMessage[] = [];
  await consumer.connect();
  try {
    await waitFor(`topic ${topic} to exist`, async () => (await listTopics()).includes(topic), { timeoutMs });
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ partition, offset: message.offset, message });
      },
    });
    await waitFor(`enough messages on ${topic}`, () => done(seen), { timeoutMs });
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

export async function listTopics(): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

/**
 * A consumer group's position on every partition it has offsets for: committed against end offsets,
 * one line per partition that is behind. For the diagnostics of a test that waited in vain.
 */
export async function groupLag(groupId: string, topics?: string[]): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const lines: string[] = [];
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, ...(topics ? { topics } : {}) })) {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
      for (const { partition, offset } of partitions) {
        const end = ends.get(partition) ?? 0n;
        if (BigInt(offset) < end) lines.push(`  ${topic}/${partition}: committed ${offset}, end ${end}`);
      }
    }
    return `group ${groupId}: ${lines.length === 0 ? 'at the end of every partition' : `behind on\n${lines.join('\n')}`}`;
  } finally {
    await admin.disconnect();
  }
}

/** The offset a consumer group has committed on one partition (-1 when none). */
export async function committedOffset(groupId: string, topic: string, partition: number): Promise<bigint> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return BigInt(offsets?.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
  } finally {
    await admin.disconnect();
  }
}
