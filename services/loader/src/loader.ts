import { type BatchReady, ControlState, decodeTableStatus, encodeTableStatus, qualifiedName, type TableStatus } from '@pgshift/contracts';
import {
  CompactedTopicFollower,
  type CompactedTopicRecord,
  createReliableProducer,
  DeadLetterQueue,
  ensureControlTopics,
  ensurePipelineTopics,
  type Logger,
} from '@pgshift/runtime';
import type { WarehouseAdapter } from '@pgshift/warehouse';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import pLimit from 'p-limit';
import { type BatchEventDecoder, decodeWaitingForRegistry, type RegistryUnavailableError, UndecodableBatchEvent } from './batch-event-decoder.js';
import type { LoaderConfig } from './config.js';
import type { LoaderMetrics } from './metrics.js';
import { PartitionProgress } from './partition-progress.js';
import { loggedResyncRequests, type ResyncRequests } from './resync-requests.js';
import { TableLoader } from './table-loader.js';

export interface LoaderDeps {
  config: LoaderConfig;
  kafka: Kafka;
  /** Reads batch events; an unreachable registry is waited for, never bad input. */
  batchEvents: BatchEventDecoder;
  warehouse: WarehouseAdapter;
  metrics: LoaderMetrics;
  logger: Logger;
  /** Where a table needing a resync is reported (resync-requests.ts); a log line when absent. */
  resyncRequests?: ResyncRequests;
}

/** How many batch events may wait in memory before consumption pauses. */
const MAX_PENDING = 200;

/**
 * The loader: consumes "batch ready" events as a consumer group. A table's batches are applied strictly
 * in order (they share a partition, keyed by table); different tables in parallel up to a limit. A
 * partition's offset is committed only up to the last batch applied with every batch before it.
 */
export class Loader {
  private readonly tables = new Map<string, TableLoader>();
  private readonly progress = new Map<number, PartitionProgress>();
  private readonly committed = new Map<number, number>();
  private assigned = new Set<number>();
  /** Bumped on every group join: work consumed under an older generation no longer moves offsets. */
  private generation = 0;
  private readonly producer: Producer;
  private readonly deadLetters: DeadLetterQueue;
  private readonly consumer: Consumer;
  /** PGSHIFT_TABLE_CONCURRENCY: tables whose batches are being applied at once. */
  private readonly slots: ReturnType<typeof pLimit>;
  private joined = false;
  private stopping = false;
  private crashed: Error | null = null;
  private readonly batchEvents: BatchEventDecoder;
  /** Set while a batch event waits for the schema registry (it is never dead-lettered for that). */
  private waitingForRegistry: RegistryUnavailableError | null = null;
  /** Every table's control (paused, schedule, retry), as the control topic says; followed from its beginning. */
  private readonly control = new ControlState();
  private readonly controlFollower: CompactedTopicFollower;
  /** The latest status of every table, whoever reported it: a table taken up here continues its counts. */
  private readonly reported = new Map<string, TableStatus>();
  private readonly statusFollower: CompactedTopicFollower;
  private statusTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: LoaderDeps) {
    this.batchEvents = deps.batchEvents;
    this.producer = createReliableProducer(deps.kafka);
    this.deadLetters = new DeadLetterQueue(this.producer, deps.config.deadLetterTopic, 'loader');
    this.slots = pLimit(deps.config.tableConcurrency);
    this.consumer = deps.kafka.consumer({ groupId: deps.config.kafka.group, sessionTimeout: deps.config.kafka.sessionTimeoutMs, heartbeatInterval: 3_000 });
    this.controlFollower = new CompactedTopicFollower(deps.kafka, {
      topic: deps.config.controlTopic,
      groupPrefix: `pgshift-loader-control-${deps.config.instanceId}`,
      logger: deps.logger.child({ component: 'control' }),
      onRecord: (record) => this.onControlRecord(record),
    });
    this.statusFollower = new CompactedTopicFollower(deps.kafka, {
      topic: deps.config.statusTopic,
      groupPrefix: `pgshift-loader-status-${deps.config.instanceId}`,
      logger: deps.logger.child({ component: 'status' }),
      onRecord: ({ key, value }) => {
        if (value === null) this.reported.delete(key);
        else {
          try {
            this.reported.set(key, decodeTableStatus(key, value));
          } catch {
            // Not a status: nothing to continue from.
          }
        }
      },
    });
  }

  readiness() {
    const stopped = [...this.tables.values()].filter((t) => t.stoppedReason !== null);
    const waiting = [...this.tables.values()].filter((t) => t.waitingReason !== null);
    return {
      ready: this.joined && !this.stopping && this.crashed === null && stopped.length === 0 && waiting.length === 0 && this.waitingForRegistry === null,
      detail: {
        joined: this.joined,
        ...(this.waitingForRegistry ? { waitingForSchemaRegistry: this.waitingForRegistry.message } : {}),
        tables: Object.fromEntries([...this.tables.values()].map((t) => [t.name, t.describe()])),
        ...(this.crashed ? { error: this.crashed.message } : {}),
      },
    };
  }

  async start(): Promise<void> {
    const { config, kafka, logger } = this.deps;
    await ensurePipelineTopics(kafka, config);
    await ensureControlTopics(kafka, config);
    await this.producer.connect();
    // Every pause and schedule is known before the first batch is taken up.
    await Promise.all([this.controlFollower.start(), this.statusFollower.start()]);
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      // kafkajs re-delivers from the committed offsets after a (re)join: nothing consumed before may
      // run any more, and a stopped table tries its first batch again when it comes back.
      this.generation++;
      for (const table of this.tables.values()) table.rejoined(this.generation);
      this.progress.clear();
      this.committed.clear();
      this.assigned = new Set(payload.memberAssignment[config.batchesTopic] ?? []);
      this.joined = true;
      logger.info({ partitions: [...this.assigned] }, 'joined consumer group');
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.crashed = payload.error;
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: config.batchesTopic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 6,
      eachBatch: (payload) => this.consumeBatch(payload),
    });
    this.statusTimer = setInterval(() => void this.publishStatus(), config.statusIntervalMs);
    logger.info(
      {
        topic: config.batchesTopic,
        group: config.kafka.group,
        warehouse: config.warehouse,
        controlTopic: config.controlTopic,
        statusTopic: config.statusTopic,
      },
      'loader started',
    );
  }

  private onControlRecord(record: CompactedTopicRecord): void {
    const applied = this.control.apply(record.key, record.value);
    if ('error' in applied) {
      this.deps.logger.warn({ key: record.key, offset: record.offset, error: applied.error.message }, 'control record ignored');
      return;
    }
    for (const table of this.tables.values()) if (table.name === record.key) table.setControl(applied.control);
  }

  /**
   * Publishes the status of every table on a partition this instance has now (a table it loaded before
   * a rebalance is another instance's to report), keyed by table, on the compacted status topic.
   */
  private async publishStatus(): Promise<void> {
    if (!this.joined || this.stopping) return;
    const { config, metrics, logger } = this.deps;
    const now = Date.now();
    const messages = [...this.tables.values()]
      .filter((t) => t.partition !== null && this.assigned.has(t.partition))
      .map((t) => ({ key: t.name, value: encodeTableStatus(t.status(config.instanceId, now)) }));
    if (messages.length === 0) return;
    try {
      await this.producer.send({ topic: config.statusTopic, messages });
      metrics.statusPublished.inc({ outcome: 'ok' }, messages.length);
    } catch (error) {
      metrics.statusPublished.inc({ outcome: 'failed' }, messages.length);
      logger.warn({ err: error, tables: messages.length }, 'status not published; trying again at the next interval');
    }
  }

  /** SIGTERM: stop taking batches, let the running transactions finish, commit, disconnect. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.consumer.pause([{ topic: this.deps.config.batchesTopic }]);
    await Promise.all([...this.tables.values()].map((t) => t.close()));
    await this.consumer.disconnect();
    await Promise.all([this.controlFollower.stop(), this.statusFollower.stop()]);
    await this.producer.disconnect();
    await this.deps.warehouse.close();
  }

  private async consumeBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const generation = this.generation;
    const progress = this.progressFor(batch.partition);
    const current = () => isRunning() && !isStale() && !this.stopping && generation === this.generation;
    for (const message of batch.messages) {
      if (!current()) break;
      const offset = Number(message.offset);
      let event: BatchReady | null;
      try {
        // An unreachable registry is waited for here, never dead-lettered: only bad input is.
        event = await decodeWaitingForRegistry(this.batchEvents, message.value, {
          heartbeat,
          isCurrent: current,
          onWaiting: (error) => this.onWaitingForRegistry(error),
        });
      } catch (error) {
        if (!(error instanceof UndecodableBatchEvent)) throw error;
        await this.deadLetter(batch.partition, message, error.reason, error);
        progress.start(offset);
        this.done(progress, batch.partition, offset);
        resolveOffset(message.offset);
        continue;
      }
      if (event === null) break; // no longer ours (rebalance, shutdown): consumed again from here
      progress.start(offset);
      this.tableFor(event).enqueue(event, generation, {
        onDone: () => this.done(progress, batch.partition, offset),
        onParked: () => progress.park(offset),
        onStopped: (error) => this.deadLetter(batch.partition, message, 'table-stopped', error),
        partition: batch.partition,
      });
      resolveOffset(message.offset);
      while (this.pendingCount() > MAX_PENDING && current()) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        await heartbeat();
      }
    }
    await heartbeat();
  }

  private onWaitingForRegistry(error: RegistryUnavailableError | null): void {
    if (error && !this.waitingForRegistry) this.deps.logger.warn({ error: error.message }, 'waiting for the schema registry to read batch events');
    if (!error && this.waitingForRegistry) this.deps.logger.info('schema registry answers again');
    this.waitingForRegistry = error;
    this.deps.metrics.waitingForSchemaRegistry.set(error ? 1 : 0);
  }

  /**
   * A batch event is finished (applied, quarantined or dead-lettered). `progress` is the partition's
   * tracker of the generation that consumed it: after a rebalance the partition's new tracker starts
   * from the committed offset again, and a late completion of the old one must not move it.
   */
  private done(progress: PartitionProgress, partition: number, offset: number): void {
    if (this.progress.get(partition) !== progress) return;
    const next = progress.complete(offset);
    if (next == null || !this.assigned.has(partition)) return;
    if ((this.committed.get(partition) ?? -1) >= next) return;
    this.committed.set(partition, next);
    this.consumer
      .commitOffsets([{ topic: this.deps.config.batchesTopic, partition, offset: String(next) }])
      .catch((error: unknown) => this.deps.logger.warn({ err: error, partition, offset: next }, 'offset commit failed'));
  }

  /**
   * Keyed by topic and source table: two source tables can share a topic (names that differ only in
   * characters Kafka does not allow) and are still two tables with queues, targets and ledgers of their own.
   */
  private tableFor(event: BatchReady): TableLoader {
    const key = `${event.table.topic}\u0000${event.table.schema}\u0000${event.table.table}`;
    let table = this.tables.get(key);
    if (!table) {
      const { config, warehouse, metrics, logger } = this.deps;
      table = new TableLoader(event.table, {
        config,
        warehouse,
        metrics,
        logger,
        resyncRequests: this.deps.resyncRequests ?? loggedResyncRequests(logger),
        withSlot: (work) => this.slots(work),
      });
      table.rejoined(this.generation);
      table.setControl(this.control.get(qualifiedName(event.table)), { initial: true });
      const earlier = this.reported.get(qualifiedName(event.table));
      if (earlier) table.continueFrom(earlier);
      this.tables.set(key, table);
    }
    return table;
  }

  private progressFor(partition: number): PartitionProgress {
    let progress = this.progress.get(partition);
    if (!progress) {
      progress = new PartitionProgress();
      this.progress.set(partition, progress);
    }
    return progress;
  }

  private pendingCount(): number {
    let pending = 0;
    for (const p of this.progress.values()) pending += p.pending;
    return pending;
  }

  private async deadLetter(partition: number, message: KafkaMessage, reason: string, error: unknown): Promise<void> {
    const text = error instanceof Error ? error.message : String(error);
    this.deps.logger.error({ partition, offset: message.offset, reason, error: text }, 'batch event sent to the dead-letter topic');
    await this.deadLetters.send({
      topic: this.deps.config.batchesTopic,
      partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers ?? {},
      reason,
      error: text,
    });
  }
}
