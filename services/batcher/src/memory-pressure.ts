import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '@pgshift/runtime';
import type { Gauge } from 'prom-client';
import type { TableBatcher } from './table-batcher.js';

export interface MemoryPressureOptions {
  budgetBytes: number;
  tables: { all(): Iterable<Pick<TableBatcher, 'bufferedBytes' | 'seal'>>; readonly bufferedBytes: number };
  /** Writes every sealed batch; resolves when none is left. */
  flushAll: () => Promise<void>;
  /** 1 while consumption waits for memory. */
  paused: Gauge;
  logger: Logger;
  /** How often the buffered size is looked at (and the consumer heartbeats) while waiting. */
  pollMs?: number;
}

/**
 * Back-pressure on consumption: over the memory budget, consumption waits while the tables are sealed
 * and flushed, and goes on once buffered data is back under three quarters of the budget — not
 * once every flush is done: a table's batches are written one after another, and consumption can go on
 * while the last of them are.
 */
export class MemoryPressure {
  constructor(private readonly options: MemoryPressureOptions) {}

  get isOverBudget(): boolean {
    return this.options.tables.bufferedBytes > this.options.budgetBytes;
  }

  /** Over the budget: relieve, heartbeating the consumer meanwhile (its session must outlive the wait). */
  async relieveIfOverBudget(heartbeat: () => Promise<void>): Promise<void> {
    if (this.isOverBudget) await this.relieve(heartbeat);
  }

  private async relieve(heartbeat: () => Promise<void>): Promise<void> {
    const { tables, budgetBytes, paused, logger, pollMs = 200 } = this.options;
    paused.set(1);
    logger.info({ bufferedBytes: tables.bufferedBytes, budget: budgetBytes }, 'memory budget reached: flushing before consuming more');
    // Largest first, until what stays open is at most half the budget. A sealed batch counts until it is
    // written, so in effect every table is sealed (as before this class existed; see the test).
    const largest = [...tables.all()].sort((a, b) => b.bufferedBytes - a.bufferedBytes);
    for (const table of largest) {
      if (tables.bufferedBytes <= budgetBytes / 2) break;
      table.seal();
    }
    const resumeBelow = budgetBytes * 0.75;
    let done = false;
    const flushing = this.options.flushAll().finally(() => (done = true));
    while (!done && tables.bufferedBytes > resumeBelow) {
      await Promise.race([flushing, delay(pollMs)]);
      await heartbeat();
    }
    paused.set(0);
  }
}
