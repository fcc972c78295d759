import { setImmediate } from 'node:timers/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { qualifiedName, type TableRef } from '@pgshift/contracts';
import { SentinelCollisionError } from '@pgshift/csv';
import { DecodeError, type ChangeEventDecoder } from '@pgshift/debezium';
import { DeadLetterQueue, createReliableProducer, ensurePipelineTopics, type Logger } from '@pgshift/runtime';
import { BatchAnnouncer } from './batch-announcer.js';
import { BatchWriter } from './batch-writer.js';
import type { BatcherConfig } from './config.js';
import { ConnectorWatcher } from './connector-watcher.js';
import type { BatcherMetrics } from './metrics.js';
import { OffsetCommitter } from './offset-committer.js';
import type { SealedBatch } from './sealed-batch.js';
import { TableBatcher } from './table-batcher.js';

/** Messages decoded between two turns of the event loop. */
const YIELD_EVERY = 256;

const OPS = ['c', 'u', 'd', 'r', 't'] as const;
/** Events consumed per op within one fetched batch: counted into the metric once per batch. */
type OpTally = Record<(typeof OPS)[number], number>;

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
 * batch writes S3 files, announces the batch, and only then commits the offsets it covers.
 */
export class Batcher {
  private readonly tables = new Map<string, TableBatcher>();
  private readonly producer: Producer;
  private readonly writer: BatchWriter;
  private readonly announcer: BatchAnnouncer;
  private readonly deadLetters: DeadLetterQueue;
  private consumer: Consumer | null = null;
  private committer: OffsetCommitter | null = null;
  private subscribedTopics: string[] = [];
  private timers: NodeJS.Timeout[] = [];
  private refreshTimer: NodeJS.Timeout | null = null;
  private activeFlushes = 0;
  private readonly flushWaiters: (() => void)[] = [];
  private joined = false;
  private stopping = false;
  private fatal: Error | null = null;
  private lastFlushError: Error | null = null;
  private readonly connectorWatcher: ConnectorWatcher | null;

  constructor(private readonly deps: BatcherDeps) {
    const { config, kafka, s3, logger } = deps;
    this.producer = createReliableProducer(kafka);
    this.writer = new BatchWriter({
      s3,
      bucket: config.s3.bucket,
      prefix: config.s3.prefix,
      partBytes: config.partBytes,
      gzipLevel: config.gzipLevel,
      producer: config.instanceId,
      logger,
    });
    this.announcer = new BatchAnnouncer(this.producer, deps.registry, config.batchesTopic);
    this.deadLetters = new DeadLetterQueue(this.producer, config.deadLetterTopic, 'batcher');
    this.connectorWatcher = config.connectUrl
      ? new ConnectorWatcher({ url: config.connectUrl, intervalMs: 10_000, logger, taskFailed: deps.metrics.connectorTaskFailed })
      : null;
  }

  readiness() {
    const connectorTasksFailed = (this.connectorWatcher?.failedTasks.length ?? 0) > 0;
    const ready = this.joined && this.fatal === null && this.lastFlushError === null && !this.stopping && !connectorTasksFailed;
    return {
      ready,
      detail: {
        joined: this.joined,
        topics: this.subscribedTopics.length,
        ...(this.connectorWatcher ? { connect: this.connectorWatcher.describe() } : {}),
        ...(this.fatal ? { error: this.fatal.message } : {}),
        ...(this.lastFlushError ? { flushError: this.lastFlushError.message } : {}),
      },
    };
  }

  async start(): Promise<void> {
    const { config, kafka, logger } = this.deps;
    this.connectorWatcher?.start();
    await ensurePipelineTopics(kafka, config);
    await this.producer.connect();
    await this.announcer.registerSchema();
    await this.subscribe();
    this.timers.push(setInterval(() => this.sealAged(), Math.min(1000, config.flush.defaults.ageMs)));
    this.scheduleTopicRefresh();
    logger.info({ topics: this.subscribedTopics, group: config.kafka.group }, 'batcher started');
  }

  /** SIGTERM: stop consuming, flush and announce everything buffered, commit, disconnect. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    await this.connectorWatcher?.stop();
    const consumer = this.consumer;
    this.pauseConsumer();
    for (const table of this.tables.values()) table.seal();
    await this.flushAll();
    await consumer?.disconnect();
    await this.producer.disconnect();
  }

  /** Pauses consumption; a consumer that found no topic to subscribe to was never run, and kafkajs refuses to pause it. */
  private pauseConsumer(): void {
    if (this.consumer && this.subscribedTopics.length > 0) this.consumer.pause(this.subscribedTopics.map((topic) => ({ topic })));
  }

  private async subscribe(): Promise<void> {
    const { config, kafka, logger } = this.deps;
    const admin = kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => config.topicPattern.test(t)).sort();
    await admin.disconnect();
    this.subscribedTopics = topics;
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
      for (const table of this.tables.values()) table.discardOpen();
      committer.assign(payload.memberAssignment);
      this.joined = true;
      logger.info({ assignment: payload.memberAssignment }, 'joined consumer group');
    });
    // kafkajs reports every fetched batch here, also those holding only the transaction markers that
    // Connect's exactly-once commits leave after the last change (lag counted from the last change would
    // never reach 0).
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      this.deps.metrics.consumerLag.set({ topic: payload.topic, partition: String(payload.partition) }, Math.max(0, Number(payload.offsetLag)));
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) {
        this.fatal = payload.error;
        logger.error({ err: payload.error }, 'consumer crashed and will not restart');
      }
    });
    await consumer.connect();
    if (topics.length > 0) await consumer.subscribe({ topics, fromBeginning: true });
    this.consumer = consumer;
    this.committer = committer;
    if (topics.length === 0) {
      logger.warn({ pattern: String(config.topicPattern) }, 'no change topic matches the pattern yet; checking again later');
      this.joined = true;
      return;
    }
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.consumeBatch(payload),
    });
  }

  /**
   * One refresh at a time: a refresh that resubscribes flushes everything first, which can take longer
   * than the interval, and two overlapping ones would put two consumers of this process in the group.
   */
  private scheduleTopicRefresh(): void {
    if (this.stopping) return;
    const timer = setTimeout(() => {
      void this.refreshTopics().finally(() => this.scheduleTopicRefresh());
    }, this.deps.config.topicRefreshMs);
    this.timers = [...this.timers.filter((t) => t !== this.refreshTimer), timer];
    this.refreshTimer = timer;
  }

  /** New tables appear as new topics: resubscribe (after flushing) when the matching set grows. */
  private async refreshTopics(): Promise<void> {
    if (this.stopping) return;
    const { config, kafka, logger } = this.deps;
    try {
      const admin = kafka.admin();
      await admin.connect();
      const topics = (await admin.listTopics()).filter((t) => config.topicPattern.test(t));
      await admin.disconnect();
      const added = topics.filter((t) => !this.subscribedTopics.includes(t));
      if (added.length === 0) return;
      logger.info({ added }, 'new change topics: resubscribing');
      const consumer = this.consumer;
      this.pauseConsumer();
      for (const table of this.tables.values()) table.seal();
      await this.flushAll();
      await consumer?.disconnect();
      this.joined = false;
      await this.subscribe();
    } catch (error) {
      logger.error({ err: error }, 'topic refresh failed');
    }
  }

  private async consumeBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { metrics } = this.deps;
    const table = this.tableFor(batch.topic);
    const consumed: OpTally = { c: 0, u: 0, d: 0, r: 0, t: 0 };
    let lastOffset: string | null = null;
    let sinceYield = 0;
    // Offsets are resolved at every pause and on the way out, errors included: kafkajs then re-delivers
    // exactly the messages after the last one buffered (resolving each message costs 5% of the batcher).
    const resolveConsumed = () => {
      if (lastOffset !== null) resolveOffset(lastOffset);
    };
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || this.stopping) break;
        await this.consumeMessage(table, batch.topic, batch.partition, message, consumed);
        lastOffset = message.offset;
        if (++sinceYield === YIELD_EVERY) {
          sinceYield = 0;
          resolveConsumed();
          // Decoding settles on microtasks only: let S3 uploads, gzip and the producer progress meanwhile.
          await setImmediate();
          if (this.bufferedBytes() > this.deps.config.memoryBudgetBytes) await this.relieveMemory(heartbeat);
        }
      }
    } finally {
      resolveConsumed();
      for (const op of OPS) if (consumed[op] > 0) metrics.eventsConsumed.inc({ table: batch.topic, op }, consumed[op]);
    }
    if (this.bufferedBytes() > this.deps.config.memoryBudgetBytes) await this.relieveMemory(heartbeat);
    await heartbeat();
    this.updateGauges();
  }

  private async consumeMessage(table: TableBatcher, topic: string, partition: number, message: KafkaMessage, consumed: OpTally): Promise<void> {
    const { decoder } = this.deps;
    const offset = Number(message.offset);
    let event;
    try {
      event = await decoder.decode({ topic, key: message.key, value: message.value });
    } catch (error) {
      // Not a bad message but a failure around it (the registry unreachable): kafkajs retries the batch
      // from this message, with backoff, instead of dead-lettering a good change.
      if (!(error instanceof DecodeError)) throw error;
      await this.deadLetter(topic, partition, message, error);
      table.skip(partition, offset);
      return;
    }
    if (event === null) {
      table.skip(partition, offset); // tombstone
      return;
    }
    const ref: TableRef = { topic, schema: event.schema, table: event.table };
    if (event.op === 't') {
      consumed.t++;
      table.truncate(ref, event.lsn, event.sourceTsUs, partition, offset);
      return;
    }
    if (event.values === null) {
      await this.deadLetter(topic, partition, message, new DecodeError('missing-row-image', 'event has no row image'));
      table.skip(partition, offset);
      return;
    }
    try {
      table.add(ref, event.columns, event.fingerprint, { op: event.op, key: event.key, values: event.values, lsn: event.lsn, sourceTsUs: event.sourceTsUs }, partition, offset);
    } catch (error) {
      // A value that COPY would read back as NULL: the row cannot be written faithfully.
      if (!(error instanceof SentinelCollisionError)) throw error;
      await this.deadLetter(topic, partition, message, new DecodeError('value-equals-null-sentinel', error.message));
      table.skip(partition, offset);
      return;
    }
    consumed[event.op]++;
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, error: unknown): Promise<void> {
    const reason = error instanceof DecodeError ? error.reason : 'undecodable';
    const text = error instanceof Error ? error.message : String(error);
    this.deps.logger.error({ topic, partition, offset: message.offset, reason, error: text }, 'message sent to the dead-letter topic');
    this.deps.metrics.deadLetters.inc({ topic, reason });
    await this.deadLetters.send({
      topic,
      partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers ?? {},
      reason,
      error: text,
    });
  }

  private tableFor(topic: string): TableBatcher {
    let table = this.tables.get(topic);
    if (!table) {
      table = new TableBatcher(topic, (ref) => this.deps.config.flush.forTable(qualifiedName(ref)), (t) => void this.startFlush(t));
      this.tables.set(topic, table);
    }
    return table;
  }

  private sealAged(): void {
    const now = Date.now();
    for (const table of this.tables.values()) {
      table.sealIfOlderThan(now);
      if (table.hasSealed && !table.isFlushing) void this.startFlush(table);
    }
  }

  /** Flushes a table's sealed batches, at most `concurrency` tables at a time. */
  private async startFlush(table: TableBatcher): Promise<void> {
    if (table.isFlushing) return;
    while (this.activeFlushes >= this.deps.config.flush.concurrency) {
      await new Promise<void>((resolve) => this.flushWaiters.push(resolve));
    }
    this.activeFlushes++;
    try {
      await table.flush((batch) => this.writeBatch(batch));
      this.lastFlushError = null;
    } catch (error) {
      // The batch stays sealed and is retried with the table's next flush (age timer included).
      this.lastFlushError = error instanceof Error ? error : new Error(String(error));
      this.deps.logger.error({ err: error, topic: table.topic }, 'flush failed; the batch stays buffered and its offsets uncommitted');
    } finally {
      this.activeFlushes--;
      this.flushWaiters.shift()?.();
      this.updateGauges();
    }
  }

  private async writeBatch(batch: SealedBatch): Promise<void> {
    const { metrics, logger } = this.deps;
    const started = performance.now();
    const offsets = batch.buffer.offsetRanges();
    if (batch.kind === 'rows' && batch.buffer.rowCount === 0) {
      // Only tombstones or dead letters: nothing to load, but the offsets are done.
      await this.committer?.commit(batch.table.topic, offsets);
      return;
    }
    const event = await this.writer.write(batch);
    await this.announcer.announce(event);
    await this.committer?.commit(batch.table.topic, offsets);
    const table = batch.table.topic;
    metrics.batchesFlushed.inc({ table, kind: batch.kind });
    metrics.rowsFlushed.inc({ table }, event.rowCount);
    metrics.bytesFlushed.inc({ table }, event.files.reduce((sum, f) => sum + f.bytes, 0));
    metrics.flushSeconds.observe((performance.now() - started) / 1000);
    logger.info(
      {
        batchId: event.batchId,
        table,
        kind: event.kind,
        rows: event.rowCount,
        events: event.eventCount,
        files: event.files.length,
        offsets: event.offsets,
        ms: Math.round(performance.now() - started),
      },
      'batch announced',
    );
  }

  private async flushAll(): Promise<void> {
    await Promise.all([...this.tables.values()].filter((t) => t.hasSealed).map((t) => this.startFlush(t)));
    // A table already flushing when we asked may have gained batches meanwhile.
    while ([...this.tables.values()].some((t) => t.hasSealed || t.isFlushing)) {
      await Promise.all([...this.tables.values()].map((t) => (t.hasSealed ? this.startFlush(t) : Promise.resolve())));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Over the memory budget: seal the largest tables and flush, heartbeating meanwhile, until buffered
   * data is back under three quarters of the budget (not until every flush is done: a table's batches
   * are written one after another, and consumption can go on while the last of them are).
   */
  private async relieveMemory(heartbeat: () => Promise<void>): Promise<void> {
    const { metrics, config, logger } = this.deps;
    metrics.paused.set(1);
    logger.info({ bufferedBytes: this.bufferedBytes(), budget: config.memoryBudgetBytes }, 'memory budget reached: flushing before consuming more');
    const largest = [...this.tables.values()].sort((a, b) => b.bufferedBytes - a.bufferedBytes);
    for (const table of largest) {
      if (this.bufferedBytes() <= config.memoryBudgetBytes / 2) break;
      table.seal();
    }
    const resumeBelow = config.memoryBudgetBytes * 0.75;
    let done = false;
    const flushing = this.flushAll().finally(() => (done = true));
    while (!done && this.bufferedBytes() > resumeBelow) {
      await Promise.race([flushing, new Promise((resolve) => setTimeout(resolve, 200))]);
      await heartbeat();
    }
    metrics.paused.set(0);
  }

  private bufferedBytes(): number {
    let total = 0;
    for (const table of this.tables.values()) total += table.bufferedBytes;
    return total;
  }

  private updateGauges(): void {
    let rows = 0;
    for (const table of this.tables.values()) rows += table.bufferedRows;
    this.deps.metrics.bufferedRows.set(rows);
    this.deps.metrics.bufferedBytes.set(this.bufferedBytes());
  }
}
