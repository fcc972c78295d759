import type { S3Client } from '@aws-sdk/client-s3';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { ControlState } from '@pgshift/contracts';
import type { ChangeEventDecoder } from '@pgshift/debezium';
import { CompactedTopicFollower, createReliableProducer, DeadLetterQueue, ensureControlTopics, ensurePipelineTopics, type Logger } from '@pgshift/runtime';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { BatchAnnouncer } from './batch-announcer.js';
import { BatchDelivery } from './batch-delivery.js';
import { BatchWriter } from './batch-writer.js';
import { BufferGauges } from './buffer-gauges.js';
import { BufferedTables } from './buffered-tables.js';
import { ChangeDispatcher } from './change-dispatcher.js';
import type { BatcherConfig } from './config.js';
import { ConnectorWatcher } from './connector-watcher.js';
import { FlushScheduler } from './flush-scheduler.js';
import { MemoryPressure } from './memory-pressure.js';
import type { BatcherMetrics } from './metrics.js';
import { type CommittedOffset, OffsetCommitter } from './offset-committer.js';
import { TopicReplays } from './topic-replays.js';
import { type ChangeConsumer, TopicSubscription } from './topic-subscription.js';

export interface BatcherDeps {
  config: BatcherConfig;
  kafka: Kafka;
  s3: S3Client;
  /** Decodes change events (Avro longs as BigInt). */
  decoder: ChangeEventDecoder;
  /** Encodes batch events (plain numbers). */
  registry: SchemaRegistry;
  metrics: BatcherMetrics;
  logger: Logger;
}

/**
 * The batcher: consumes change topics as a consumer group, coalesces per table, and for every sealed
 * batch writes S3 files, announces the batch, and only then commits the offsets it covers. This class
 * wires the parts together and gives them Kafka:
 * - TopicSubscription: which topics are consumed, and resubscribing when new ones appear;
 * - ChangeDispatcher: decoding fetched messages into each table's buffer, dead-lettering the rest;
 * - FlushScheduler: when sealed batches are written, how many tables at once;
 * - BatchDelivery: files, then announcement, then offset commit, for one batch;
 * - MemoryPressure: pausing consumption over the memory budget;
 * - BufferGauges: what is held in memory, as metrics;
 * - TopicReplays: reading a table's change topic again from an earlier offset, when an operator asks.
 */
export class Batcher {
  private readonly producer: Producer;
  private readonly announcer: BatchAnnouncer;
  private readonly tables: BufferedTables;
  private readonly gauges: BufferGauges;
  private readonly flushes: FlushScheduler;
  private readonly dispatcher: ChangeDispatcher;
  private readonly subscription: TopicSubscription;
  /** The current consumer's: a new consumer (after a resubscription) has its own. */
  private committer: OffsetCommitter | null = null;
  private consumer: Consumer | null = null;
  private readonly replays: TopicReplays;
  private readonly controlFollower: CompactedTopicFollower;
  private stopping = false;
  /** The error kafkajs gave up on, until the consumer that replaced it joins the group. */
  private crashed: Error | null = null;
  private readonly connectorWatcher: ConnectorWatcher | null;

  constructor(private readonly deps: BatcherDeps) {
    const { config, kafka, s3, metrics, logger } = deps;
    this.producer = createReliableProducer(kafka);
    this.announcer = new BatchAnnouncer(this.producer, deps.registry, config.batchesTopic, (error, attempt) =>
      logger.warn({ err: error, attempt }, 'schema registry: the batch event schema is not registered yet; retrying'),
    );
    const writer = new BatchWriter({
      s3,
      bucket: config.s3.bucket,
      prefix: config.s3.prefix,
      partBytes: config.partBytes,
      gzipLevel: config.gzipLevel,
      producer: config.instanceId,
      logger,
    });
    const delivery = new BatchDelivery({
      writer,
      announcer: this.announcer,
      commit: async (topic, offsets) => this.committer?.commit(topic, offsets),
      metrics,
      logger,
    });
    this.tables = new BufferedTables(config.flush.forTable, (table) => void this.flushes.flush(table));
    this.gauges = new BufferGauges(this.tables, metrics);
    this.flushes = new FlushScheduler({
      tables: this.tables,
      concurrency: config.flush.concurrency,
      ageMs: config.flush.defaults.ageMs,
      write: (batch) => delivery.deliver(batch),
      logger,
      onFlushed: () => this.gauges.update(),
    });
    const memory = new MemoryPressure({
      budgetBytes: config.memoryBudgetBytes,
      tables: this.tables,
      flushAll: () => this.flushes.flushAll(),
      paused: metrics.paused,
      logger,
    });
    this.dispatcher = new ChangeDispatcher({
      tables: this.tables,
      decoder: deps.decoder,
      deadLetters: new DeadLetterQueue(this.producer, config.deadLetterTopic, 'batcher'),
      memory,
      metrics,
      logger,
      isStopping: () => this.stopping,
      onDispatched: () => this.gauges.update(),
    });
    this.subscription = new TopicSubscription({
      pattern: config.topicPattern,
      refreshMs: config.topicRefreshMs,
      listTopics: () => this.listTopics(),
      connectConsumer: (topics) => this.connectConsumer(topics),
      drain: async () => {
        this.tables.sealAll();
        await this.flushes.flushAll();
      },
      logger,
    });
    this.replays = new TopicReplays({ port: this.replayPort(), logger: logger.child({ component: 'replay' }), replays: metrics.replays });
    const control = new ControlState();
    this.controlFollower = new CompactedTopicFollower(kafka, {
      topic: config.controlTopic,
      groupPrefix: `pgshift-batcher-control-${config.instanceId}`,
      logger: logger.child({ component: 'control' }),
      onRecord: ({ key, value }) => {
        const applied = control.apply(key, value);
        if ('control' in applied) this.replays.requested(applied.control.replay);
      },
    });
    this.connectorWatcher = config.connectUrl
      ? new ConnectorWatcher({ url: config.connectUrl, intervalMs: 10_000, logger, taskFailed: metrics.connectorTaskFailed })
      : null;
  }

  readiness() {
    const flushError = this.flushes.lastError;
    const joined = this.subscription.joined;
    const connectorTasksFailed = (this.connectorWatcher?.failedTasks.length ?? 0) > 0;
    return {
      ready: joined && this.crashed === null && flushError === null && !this.stopping && !connectorTasksFailed,
      detail: {
        joined,
        topics: this.subscription.topics.length,
        ...(this.connectorWatcher ? { connect: this.connectorWatcher.describe() } : {}),
        ...(this.crashed ? { error: `consumer crashed, subscribing again: ${this.crashed.message}` } : {}),
        ...(flushError ? { flushError: flushError.message } : {}),
      },
    };
  }

  async start(): Promise<void> {
    const { config, kafka, logger } = this.deps;
    this.connectorWatcher?.start();
    await ensurePipelineTopics(kafka, config);
    await ensureControlTopics(kafka, config);
    await this.producer.connect();
    await this.announcer.registerSchema();
    await this.controlFollower.start();
    await this.subscription.start();
    this.flushes.start();
    logger.info({ topics: this.subscription.topics, group: config.kafka.group }, 'batcher started');
  }

  /** SIGTERM: stop consuming, flush and announce everything buffered, commit, disconnect. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.connectorWatcher?.stop();
    this.flushes.stop();
    this.replays.stop();
    await this.subscription.stop();
    await this.controlFollower.stop();
    await this.producer.disconnect();
  }

  private async listTopics(): Promise<string[]> {
    const admin = this.deps.kafka.admin();
    await admin.connect();
    try {
      return await admin.listTopics();
    } finally {
      await admin.disconnect();
    }
  }

  private async connectConsumer(topics: string[]): Promise<ChangeConsumer> {
    const { config, kafka, metrics, logger } = this.deps;
    const consumer = kafka.consumer({
      groupId: config.kafka.group,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 4 * 1024 * 1024,
      sessionTimeout: config.kafka.sessionTimeoutMs,
      heartbeatInterval: 3_000,
    });
    const committer = new OffsetCommitter(consumer, logger);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      // kafkajs resumes every assigned partition from its committed offset after a (re)join, so what
      // is buffered but not sealed would arrive twice: drop it.
      this.tables.discardOpen();
      committer.assign(payload.memberAssignment);
      // A replay asked before the join is done by whoever owns the partition now, unless its commit says it was.
      void committer.loadCommitted(() => this.readCommitted(topics)).then(() => this.replays.joined());
      this.subscription.markJoined();
      this.crashed = null;
      logger.info({ assignment: payload.memberAssignment }, 'joined consumer group');
    });
    // kafkajs reports every fetched batch here, also those holding only the transaction markers that
    // Connect's exactly-once commits leave after the last change (lag counted from the last change would
    // never reach 0).
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      metrics.consumerLag.set({ topic: payload.topic, partition: String(payload.partition) }, Math.max(0, Number(payload.offsetLag)));
    });
    // kafkajs restarts a consumer after most crashes, not after all: one it gives up on is replaced (what
    // it had buffered is dropped; the new consumer starts from the committed offsets).
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      this.crashed = payload.error;
      logger.error({ err: payload.error }, 'consumer crashed and kafkajs will not restart it: subscribing again');
      void this.subscription.resubscribe();
    });
    await consumer.connect();
    if (topics.length > 0) await consumer.subscribe({ topics, fromBeginning: true });
    this.committer = committer;
    this.consumer = consumer;
    return {
      run: () =>
        consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: 1,
          eachBatch: (payload) => this.dispatcher.dispatch(payload),
        }),
      // A consumer that found no topic to subscribe to was never run, and kafkajs refuses to pause it; nor
      // does it pause one that crashed (it fetches nothing anyway).
      pause: () => {
        if (topics.length === 0) return;
        try {
          consumer.pause(topics.map((topic) => ({ topic })));
        } catch (error) {
          logger.warn({ err: error }, 'the consumer could not be paused (it is not running)');
        }
      },
      disconnect: () => consumer.disconnect(),
    };
  }

  /** The group's committed offsets of `topics`, with their metadata. */
  private async readCommitted(topics: string[]): Promise<CommittedOffset[]> {
    if (topics.length === 0) return [];
    const admin = this.deps.kafka.admin();
    await admin.connect();
    try {
      const answer = await admin.fetchOffsets({ groupId: this.deps.config.kafka.group, topics });
      return answer.flatMap(({ topic, partitions }) =>
        partitions.map((p) => ({ topic, partition: p.partition, offset: BigInt(p.offset), metadata: p.metadata ?? null })),
      );
    } finally {
      await admin.disconnect();
    }
  }

  /** What a replay does to the current consumer, its buffers and its commits. */
  private replayPort(): ConstructorParameters<typeof TopicReplays>[0]['port'] {
    return {
      assignedPartitions: (topic) => this.committer?.assignedPartitions(topic) ?? [],
      committedOf: (topic, partition) => this.committer?.committedOf(topic, partition) ?? { offset: null, metadata: null },
      quiesce: async (topic) => {
        this.consumer?.pause([{ topic }]);
        await this.dispatcher.hold(topic);
        const table = this.tables.for(topic);
        // A flush under way when the table seals again flushes once more after it: wait for both.
        for (let attempt = 0; attempt < 3; attempt++) {
          table.seal();
          if (!table.hasSealed) return true;
          await this.flushes.flush(table);
        }
        return !table.hasSealed;
      },
      seek: (topic, partition, offset) => this.consumer?.seek({ topic, partition, offset: String(offset) }),
      rewind: async (topic, partition, offset, metadata) => {
        if (!this.committer) throw new Error('no consumer');
        await this.committer.rewind(topic, partition, offset, metadata);
      },
      tag: (topic, partition, metadata) => this.committer?.tag(topic, partition, metadata),
      resume: (topic) => {
        this.dispatcher.release(topic);
        this.consumer?.resume([{ topic }]);
      },
    };
  }
}
