import type { Consumer, Kafka } from 'kafkajs';
import { isRetriableKafkaError } from './kafka.js';
import type { Logger } from './logger.js';
import { withRetry } from './retry.js';

export interface CompactedTopicRecord {
  key: string;
  /** null: a tombstone. */
  value: string | null;
  partition: number;
  offset: string;
}

/**
 * Reads a compacted topic of small records (control and status: the latest value per key) from the
 * beginning and follows it, in every instance, without sharing its partitions with anyone: each
 * follower has a consumer group of its own (kafkajs consumes through groups only), never commits,
 * and removes its group when it stops. `start` resolves once every record that existed when it was
 * called has been handed to `onRecord`, so a reader can act on the whole state before it starts work.
 */
export class CompactedTopicFollower {
  private consumer: Consumer | null = null;
  private readonly groupId: string;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: { topic: string; groupPrefix: string; logger: Logger; onRecord: (record: CompactedTopicRecord) => void },
  ) {
    this.groupId = `${options.groupPrefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  }

  async start(): Promise<void> {
    const { topic, logger, onRecord } = this.options;
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = new Map<number, bigint>();
    try {
      // A topic created a moment ago may not have its leader yet ("not the leader for that topic-partition"):
      // a start beside its creation waits for it rather than exiting.
      const offsets = await withRetry(() => admin.fetchTopicOffsets(topic), {
        what: `reading where ${topic} ends`,
        retries: 20,
        minTimeoutMs: 100,
        maxTimeoutMs: 2_000,
        isRetryable: isRetriableKafkaError,
      });
      for (const p of offsets) if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
    } finally {
      await admin.disconnect();
    }
    let caughtUp: () => void = () => undefined;
    let failed: (error: Error) => void = () => undefined;
    const reachedEnd = new Promise<void>((resolve, reject) => {
      caughtUp = resolve;
      failed = reject;
    });
    if (ends.size === 0) caughtUp();
    const consumer = this.kafka.consumer({ groupId: this.groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000, allowAutoTopicCreation: false });
    this.consumer = consumer;
    // kafkajs restarts a consumer after a retriable crash; one it gives up on fails the start, or is logged.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      logger.error({ topic, err: payload.error }, 'following the topic stopped');
      failed(payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const key = message.key?.toString('utf8');
        if (key === undefined) {
          logger.warn({ topic, partition, offset: message.offset }, 'record without a key ignored');
        } else {
          onRecord({ key, value: message.value === null ? null : message.value.toString('utf8'), partition, offset: message.offset });
        }
        const end = ends.get(partition);
        if (end !== undefined && BigInt(message.offset) + 1n >= end) {
          ends.delete(partition);
          if (ends.size === 0) caughtUp();
        }
      },
    });
    await reachedEnd;
    logger.info({ topic }, 'read to the end; following');
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    if (!consumer) return;
    await consumer.disconnect();
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch {
      // Left behind, empty: the broker removes it with its offsets' retention.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
