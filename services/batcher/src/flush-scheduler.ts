import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '@pgshift/runtime';
import pLimit, { type LimitFunction } from 'p-limit';
import type { BufferedTables } from './buffered-tables.js';
import type { SealedBatch } from './sealed-batch.js';
import type { TableBatcher } from './table-batcher.js';

export interface FlushSchedulerOptions {
  tables: Pick<BufferedTables, 'all'>;
  /** Tables flushing at once, at most. */
  concurrency: number;
  /** The shortest age limit of any table: how often aged buffers are looked for (at most every second). */
  ageMs: number;
  /** Writes, announces and commits one sealed batch. */
  write: (batch: SealedBatch) => Promise<void>;
  logger: Logger;
  /** After every flush, whether it succeeded or not. */
  onFlushed: () => void;
}

/**
 * When sealed batches are written: as soon as a table seals one, when an open buffer reaches its age
 * limit, and everything on demand (`flushAll`). At most `concurrency` tables flush at once, and a table
 * is never flushed twice at once: its batches must be announced in order.
 */
export class FlushScheduler {
  private readonly slots: LimitFunction;
  /** Tables waiting for a slot or flushing; the promise ends with their flush. */
  private readonly scheduled = new Map<TableBatcher, Promise<void>>();
  /** Tables asked to flush again while they were flushing: a batch sealed after their last write. */
  private readonly again = new Set<TableBatcher>();
  private ageTimer: NodeJS.Timeout | null = null;
  /** The error of the last flush, cleared by the next one to succeed. */
  lastError: Error | null = null;

  constructor(private readonly options: FlushSchedulerOptions) {
    this.slots = pLimit(options.concurrency);
  }

  /** Starts looking for buffers past their age limit. */
  start(): void {
    this.ageTimer ??= setInterval(() => this.flushAged(Date.now()), Math.min(1000, this.options.ageMs));
  }

  stop(): void {
    if (this.ageTimer) clearInterval(this.ageTimer);
    this.ageTimer = null;
  }

  /**
   * Flushes the table's sealed batches once a slot is free. Never rejects: a batch that fails stays
   * sealed and is retried with the table's next flush (the age timer's included).
   */
  flush(table: TableBatcher): Promise<void> {
    const scheduled = this.scheduled.get(table);
    if (scheduled) {
      this.again.add(table);
      return scheduled;
    }
    const flushing = this.slots(() => this.drain(table)).finally(() => {
      this.scheduled.delete(table);
      this.options.onFlushed();
      if (this.again.delete(table) && table.hasSealed) void this.flush(table);
    });
    this.scheduled.set(table, flushing);
    return flushing;
  }

  /** Seals what is past its age limit, and retries tables whose last flush failed. */
  flushAged(now: number): void {
    for (const table of this.options.tables.all()) {
      table.sealIfOlderThan(now);
      if (table.hasSealed && !this.scheduled.has(table)) void this.flush(table);
    }
  }

  /** Resolves once no table holds a sealed batch or is flushing (batches sealed meanwhile included). */
  async flushAll(): Promise<void> {
    const tables = () => [...this.options.tables.all()];
    await Promise.all(
      tables()
        .filter((t) => t.hasSealed)
        .map((t) => this.flush(t)),
    );
    while (tables().some((t) => t.hasSealed || this.scheduled.has(t))) {
      await Promise.all(tables().map((t) => (t.hasSealed ? this.flush(t) : Promise.resolve())));
      await delay(20);
    }
  }

  private async drain(table: TableBatcher): Promise<void> {
    try {
      await table.flush(this.options.write);
      this.lastError = null;
    } catch (error) {
      this.lastError = error instanceof Error ? error : new Error(String(error));
      this.options.logger.error({ err: error, topic: table.topic }, 'flush failed; the batch stays buffered and its offsets uncommitted');
    }
  }
}
