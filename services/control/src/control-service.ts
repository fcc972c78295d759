import { randomUUID } from 'node:crypto';
import {
  applyControlAction,
  type ControlAction,
  ControlState,
  controlChanges,
  decodeTableStatus,
  encodeTableControl,
  type PartitionExtent,
  type ReplayFrom,
  type ReplayRequest,
  replayOffsets,
  type TableStatus,
} from '@pgshift/contracts';
import { CompactedTopicFollower, createReliableProducer, ensureControlTopics, type Logger, type Readiness, type Service } from '@pgshift/runtime';
import type { FastifyInstance } from 'fastify';
import type { Kafka, Producer } from 'kafkajs';
import { buildControlApi, type ControlStore } from './api.js';
import type { ControlConfig } from './config.js';
import type { ControlMetrics } from './metrics.js';
import { type TableView, tableView, tableViews } from './table-views.js';

/**
 * The control service: follows the control topic (what operators asked) and the status topic (what
 * every loader reports) from their beginning, answers the API from both, and writes an action as the
 * table's new control record. The loaders act on it; it never talks to a loader directly.
 */
export class ControlService implements Service, ControlStore {
  private readonly control = new ControlState();
  private readonly statuses = new Map<string, TableStatus>();
  private readonly followers: CompactedTopicFollower[];
  private readonly producer: Producer;
  private readonly api: FastifyInstance;
  private ready = false;
  private stopping = false;

  constructor(private readonly deps: { config: ControlConfig; kafka: Kafka; logger: Logger; metrics: ControlMetrics }) {
    const { config, kafka, logger } = deps;
    this.producer = createReliableProducer(kafka);
    this.followers = [
      new CompactedTopicFollower(kafka, {
        topic: config.controlTopic,
        groupPrefix: `pgshift-control-${config.instanceId}-control`,
        logger,
        onRecord: ({ key, value, offset }) => {
          const applied = this.control.apply(key, value);
          if ('error' in applied) logger.warn({ key, offset, error: applied.error.message }, 'control record ignored');
        },
      }),
      new CompactedTopicFollower(kafka, {
        topic: config.statusTopic,
        groupPrefix: `pgshift-control-${config.instanceId}-status`,
        logger,
        onRecord: ({ key, value }) => {
          if (value === null) this.statuses.delete(key);
          else {
            try {
              this.statuses.set(key, decodeTableStatus(key, value));
            } catch (error) {
              logger.warn({ key, error: (error as Error).message }, 'status record ignored');
            }
          }
        },
      }),
    ];
    this.api = buildControlApi({ token: config.token, store: this, logger, metrics: deps.metrics });
  }

  readiness(): Readiness {
    return { ready: this.ready && !this.stopping, detail: { tables: this.statuses.size, controlRecords: this.control.all().length } };
  }

  async start(): Promise<void> {
    const { config, kafka, logger } = this.deps;
    await ensureControlTopics(kafka, config);
    await this.producer.connect();
    await Promise.all(this.followers.map((f) => f.start()));
    const url = await this.api.listen({ host: config.api.host, port: config.api.port });
    this.ready = true;
    logger.info({ url, controlTopic: config.controlTopic, statusTopic: config.statusTopic }, 'control API listening');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.api.close();
    await Promise.all(this.followers.map((f) => f.stop()));
    await this.producer.disconnect();
  }

  views(): TableView[] {
    return tableViews(this.control.all(), [...this.statuses.values()], Date.now(), this.deps.config.staleAfterMs);
  }

  view(table: string): TableView | null {
    const status = this.statuses.get(table);
    const control = this.control.find(table);
    if (!status && !control) return null;
    return tableView(table, control, status, Date.now(), this.deps.config.staleAfterMs);
  }

  async replayRequest(table: string, from: ReplayFrom, text: string): Promise<ReplayRequest | null> {
    const topic = this.statuses.get(table)?.topic;
    if (!topic) return null;
    const admin = this.deps.kafka.admin();
    await admin.connect();
    try {
      const extents = (await admin.fetchTopicOffsets(topic)).map(
        (p): PartitionExtent => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) }),
      );
      if (from.kind === 'time') {
        // Kafka answers -1 for a partition with no message at or after the time.
        const atTime = new Map((await admin.fetchTopicOffsetsByTimestamp(topic, from.at.getTime())).map((p) => [p.partition, BigInt(p.offset)]));
        for (const extent of extents) {
          const offset = atTime.get(extent.partition);
          extent.atTime = offset === undefined || offset < 0n ? null : offset;
        }
      }
      return { id: randomUUID(), topic, from: text, offsets: replayOffsets(from, extents) };
    } finally {
      await admin.disconnect();
    }
  }

  async act(table: string, action: ControlAction, actor: string) {
    const before = this.control.get(table);
    const after = applyControlAction(before, action, actor, new Date());
    const value = encodeTableControl(after);
    await this.producer.send({ topic: this.deps.config.controlTopic, messages: [{ key: table, value }] });
    // Read your writes: the follower will deliver the same record again.
    this.control.apply(table, value);
    return { before, after, changes: controlChanges(before, after) };
  }
}
