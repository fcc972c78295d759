import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import type { TableRef } from '@pgshift/contracts';
import { SentinelCollisionError } from '@pgshift/csv';
import { type ChangeEventDecoder, DecodeError, isRegistryUnavailable } from '@pgshift/debezium';
import type { DeadLetterQueue, Logger } from '@pgshift/runtime';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { BufferedTables } from './buffered-tables.js';
import type { MemoryPressure } from './memory-pressure.js';
import type { BatcherMetrics } from './metrics.js';
import type { TableBatcher } from './table-batcher.js';

/** Messages decoded between two turns of the event loop. */
const YIELD_EVERY = 256;

const OPS = ['c', 'u', 'd', 'r', 't'] as const;
/** Events consumed per op within one fetched batch: counted into the metric once per batch. */
type OpTally = Record<(typeof OPS)[number], number>;

/** What of kafkajs's eachBatch payload the dispatcher uses. */
export type FetchedBatch = Pick<EachBatchPayload, 'resolveOffset' | 'heartbeat' | 'isRunning' | 'isStale'> & {
  batch: Pick<EachBatchPayload['batch'], 'topic' | 'partition' | 'messages'>;
};

export interface ChangeDispatcherDeps {
  tables: Pick<BufferedTables, 'for'>;
  /** Decodes change events (Avro longs as BigInt). */
  decoder: ChangeEventDecoder;
  deadLetters: Pick<DeadLetterQueue, 'send'>;
  memory: Pick<MemoryPressure, 'relieveIfOverBudget'>;
  metrics: Pick<BatcherMetrics, 'eventsConsumed' | 'deadLetters'>;
  logger: Logger;
  /** True once the batcher is shutting down: stop taking messages. */
  isStopping: () => boolean;
  /** After each fetched batch is dispatched. */
  onDispatched: () => void;
  /** How long to wait between two tries of a message while the schema registry is unreachable (ms). */
  registryBackoff?: { initialMs: number; maxMs: number };
}

const REGISTRY_BACKOFF = { initialMs: 500, maxMs: 10_000 };

/**
 * Decodes a fetched batch of change messages and hands each change to its topic's TableBatcher; what
 * cannot be decoded (or written faithfully) goes to the dead-letter topic, its offset riding with the
 * table's buffer so that it is committed with the rows around it.
 */
export class ChangeDispatcher {
  /** Topics whose messages are not taken (a replay is moving their partitions): what comes is fetched again. */
  private readonly held = new Set<string>();
  /** The dispatch under way per topic. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly deps: ChangeDispatcherDeps) {}

  /** Stops taking the topic's messages; resolves once none of them is being dispatched. */
  async hold(topic: string): Promise<void> {
    this.held.add(topic);
    await this.inFlight.get(topic)?.catch(() => undefined);
  }

  release(topic: string): void {
    this.held.delete(topic);
  }

  async dispatch(fetched: FetchedBatch): Promise<void> {
    const topic = fetched.batch.topic;
    // Not resolved: kafkajs fetches the messages again once the topic is taken again.
    if (this.held.has(topic)) return;
    const work = this.dispatchBatch(fetched);
    this.inFlight.set(topic, work);
    try {
      await work;
    } finally {
      if (this.inFlight.get(topic) === work) this.inFlight.delete(topic);
    }
  }

  private async dispatchBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: FetchedBatch): Promise<void> {
    const { metrics, memory } = this.deps;
    const table = this.deps.tables.for(batch.topic);
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
        if (!isRunning() || isStale() || this.deps.isStopping() || this.held.has(batch.topic)) break;
        await this.dispatchMessage(table, batch.topic, batch.partition, message, consumed, { heartbeat, isRunning, isStale });
        lastOffset = message.offset;
        if (++sinceYield === YIELD_EVERY) {
          sinceYield = 0;
          resolveConsumed();
          // Decoding settles on microtasks only: let S3 uploads, gzip and the producer progress meanwhile.
          await setImmediate();
          await memory.relieveIfOverBudget(heartbeat);
        }
      }
    } finally {
      resolveConsumed();
      for (const op of OPS) if (consumed[op] > 0) metrics.eventsConsumed.inc({ table: batch.topic, op }, consumed[op]);
    }
    await memory.relieveIfOverBudget(heartbeat);
    await heartbeat();
    this.deps.onDispatched();
  }

  private async dispatchMessage(
    table: TableBatcher,
    topic: string,
    partition: number,
    message: KafkaMessage,
    consumed: OpTally,
    fetch: Pick<FetchedBatch, 'heartbeat' | 'isRunning' | 'isStale'>,
  ): Promise<void> {
    const offset = Number(message.offset);
    let event: Awaited<ReturnType<ChangeEventDecoder['decode']>>;
    try {
      event = await this.decodeWaitingForRegistry(topic, partition, message, fetch);
    } catch (error) {
      // Not a bad message but a failure around it: kafkajs retries the batch from this message instead
      // of dead-lettering a good change.
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
      table.truncate(ref, event.lsn, event.txLsn, event.sourceTsUs, partition, offset);
      return;
    }
    if (event.values === null) {
      await this.deadLetter(topic, partition, message, new DecodeError('missing-row-image', 'event has no row image'));
      table.skip(partition, offset);
      return;
    }
    try {
      table.add(
        ref,
        event.columns,
        event.fingerprint,
        {
          op: event.op,
          key: event.key,
          values: event.values,
          lsn: event.lsn,
          txLsn: event.txLsn,
          sourceTsUs: event.sourceTsUs,
          oldKey: event.oldKey,
          newKey: event.newKey,
        },
        partition,
        offset,
      );
    } catch (error) {
      // A value that COPY would read back as NULL: the row cannot be written faithfully.
      if (!(error instanceof SentinelCollisionError)) throw error;
      await this.deadLetter(topic, partition, message, new DecodeError('value-equals-null-sentinel', error.message));
      table.skip(partition, offset);
      return;
    }
    consumed[event.op]++;
  }

  /**
   * Decodes a message; while the schema registry is unreachable, waits and tries again, for as long as it
   * takes (an unreachable dependency is never bad input), heartbeating so the group keeps the partition.
   * Handing the error to kafkajs instead spends its retries in seconds and then crashes the consumer for
   * good. Gives up (the error goes to kafkajs) only when the batch is no longer this consumer's to take:
   * the batcher is stopping, or a rebalance made the batch stale.
   */
  private async decodeWaitingForRegistry(
    topic: string,
    partition: number,
    message: KafkaMessage,
    { heartbeat, isRunning, isStale }: Pick<FetchedBatch, 'heartbeat' | 'isRunning' | 'isStale'>,
  ): Promise<Awaited<ReturnType<ChangeEventDecoder['decode']>>> {
    const backoff = this.deps.registryBackoff ?? REGISTRY_BACKOFF;
    let waitMs = backoff.initialMs;
    let since: number | null = null;
    for (;;) {
      try {
        const event = await this.deps.decoder.decode({ topic, key: message.key, value: message.value, headers: message.headers ?? {} });
        if (since !== null)
          this.deps.logger.info({ topic, partition, offset: message.offset, waitedMs: Date.now() - since }, 'schema registry reachable again');
        return event;
      } catch (error) {
        if (!isRegistryUnavailable(error) || this.deps.isStopping() || !isRunning() || isStale()) throw error;
        if (since === null) {
          since = Date.now();
          this.deps.logger.warn({ topic, partition, offset: message.offset, err: error }, 'schema registry unreachable: waiting for it');
        }
        await sleep(waitMs);
        waitMs = Math.min(waitMs * 2, backoff.maxMs);
        await heartbeat();
      }
    }
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, error: DecodeError): Promise<void> {
    const { reason } = error;
    this.deps.logger.error({ topic, partition, offset: message.offset, reason, error: error.message }, 'message sent to the dead-letter topic');
    this.deps.metrics.deadLetters.inc({ topic, reason });
    await this.deps.deadLetters.send({
      topic,
      partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers ?? {},
      reason,
      error: error.message,
    });
  }
}
