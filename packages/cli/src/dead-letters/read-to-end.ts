import type { Kafka, KafkaMessage } from 'kafkajs';

export interface ReadToEndOptions {
  topic: string;
  groupId: string;
  /** Commit each message's offset once `handle` has returned (the group then resumes after it). */
  commit: boolean;
  /** Give up when the end is not reached within this long. */
  timeoutMs?: number;
}

export interface TopicMessage {
  partition: number;
  message: KafkaMessage;
}

/**
 * Where reading starts and ends, per partition: the group's committed offset (else the earliest) and
 * the end when reading starts. A topic that does not exist has nothing to read.
 */
export async function readPlan(kafka: Kafka, topic: string, groupId: string): Promise<{ partition: number; start: bigint; end: bigint }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return [];
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedBy = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    return ends.map((p) => {
      const low = BigInt(p.low);
      const at = committedBy.get(p.partition) ?? -1n;
      return { partition: p.partition, start: at >= low ? at : low, end: BigInt(p.high) };
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads a topic through a consumer group, from the group's committed offsets (or the beginning), up to
 * the end each partition had when reading started, one message at a time and in order per partition.
 */
export async function readToEnd(kafka: Kafka, options: ReadToEndOptions, handle: (message: TopicMessage) => Promise<void>): Promise<void> {
  const plan = await readPlan(kafka, options.topic, options.groupId);
  const ends = new Map(plan.filter((p) => p.start < p.end).map((p) => [p.partition, p.end]));
  if (ends.size === 0) return;
  const consumer = kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`did not reach the end of ${options.topic} within ${(options.timeoutMs ?? 60_000) / 1000}s`)),
        options.timeoutMs ?? 60_000,
      );
      const finish = (error?: unknown) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      consumer
        .subscribe({ topic: options.topic, fromBeginning: true })
        .then(() =>
          consumer.run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const end = ends.get(partition);
              if (end === undefined || BigInt(message.offset) >= end) return;
              try {
                await handle({ partition, message });
                const next = BigInt(message.offset) + 1n;
                if (options.commit) await consumer.commitOffsets([{ topic: options.topic, partition, offset: String(next) }]);
                if (next >= end) ends.delete(partition);
                if (ends.size === 0) finish();
              } catch (error) {
                finish(error);
                throw error;
              }
            },
          }),
        )
        .catch(finish);
    });
  } finally {
    await consumer.disconnect();
  }
}

/** Removes a throwaway consumer group (best effort). */
export async function deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups([groupId]);
  } catch {
    // Left behind: it expires with the broker's offsets.retention.minutes.
  } finally {
    await admin.disconnect();
  }
}
