import { type Admin, Kafka, type LogEntry, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from './logger.js';
import { withRetry } from './retry.js';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own logs go through pino (warnings and errors only, unless debugging). */
export function createKafka(options: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  const kafkaLogger = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: options.logger.isLevelEnabled('debug') ? logLevel.DEBUG : logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, timestamp: _timestamp, logger: _name, ...extra } = log;
        kafkaLogger[LEVELS[level] ?? 'info'](extra, message);
      },
    retry: { initialRetryTime: 300, retries: 10 },
  });
}

/**
 * The topics both services write to: batches (keyed by table, so one table's batches stay in order on
 * one partition, whatever the count) and dead letters (one partition: order of failure is kept).
 */
export async function ensurePipelineTopics(kafka: Kafka, topics: { batchesTopic: string; deadLetterTopic: string }): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [
      { topic: topics.batchesTopic, numPartitions: 6 },
      { topic: topics.deadLetterTopic, numPartitions: 1 },
    ]);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates the topics that do not exist yet (existing ones are left as they are), then waits until every
 * partition of every one of them has a leader, whoever created them. Instances start side by side: the
 * one that did not create a topic can see it in the listing before the broker serves its metadata
 * ("does not host this topic-partition"), which kafkajs's own leader wait does not retry.
 */
export async function ensureTopics(
  admin: Admin,
  topics: { topic: string; numPartitions?: number; configEntries?: { name: string; value: string }[] }[],
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) {
    try {
      await admin.createTopics({ topics: missing, waitForLeaders: false });
    } catch (error) {
      // Another instance created it in between: fine.
      if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
    }
  }
  await withRetry(
    async () => {
      const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      const leaderless = metadata.topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
      if (leaderless.length > 0) throw new TopicsNotReadyError(leaderless.map((t) => t.name));
    },
    {
      what: 'waiting for topic leaders',
      retries: 20,
      minTimeoutMs: 100,
      maxTimeoutMs: 2_000,
      isRetryable: (error) => error instanceof TopicsNotReadyError || isRetriableKafkaError(error),
    },
  );
}

/** kafkajs marks transient protocol errors (unknown topic, no leader, …) `retriable`. */
export function isRetriableKafkaError(error: unknown): boolean {
  return error instanceof Error && (error as { retriable?: unknown }).retriable === true;
}

class TopicsNotReadyError extends Error {
  constructor(topics: string[]) {
    super(`topics without a leader yet: ${topics.join(', ')}`);
  }
}

/**
 * The producer every pgshift service writes with: idempotent (no duplicates from retries, order kept
 * per partition), one request in flight, Kafka's default partitioner (murmur2, as Connect uses). Retries
 * are bounded, so a send fails instead of hanging: the batch is then written and announced again later,
 * and the loader's ledger makes a second announcement harmless. (kafkajs warns that bounded retries may
 * weaken idempotence; pgshift does not rely on it for correctness.)
 */
export function createReliableProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 12, initialRetryTime: 300, maxRetryTime: 30_000 },
  });
}
