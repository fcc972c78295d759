import type { Logger } from '@pgshift/runtime';
import type { Consumer } from 'kafkajs';

/**
 * Commits consumed offsets once the batches holding them are announced. Commits only partitions this
 * instance is assigned, and never moves a partition backwards: after a rebalance kafkajs re-delivers
 * from the committed offset, so a later batch can end below an earlier, already committed one.
 */
export class OffsetCommitter {
  private readonly committed = new Map<string, bigint>();
  private readonly pending = new Map<string, { topic: string; partition: number; offset: bigint }>();
  private assigned = new Set<string>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly consumer: Consumer,
    private readonly logger: Logger,
  ) {}

  /** After a (re)join: the partitions this instance now owns. */
  assign(assignment: Record<string, number[]>): void {
    this.assigned = new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => key(topic, p))));
  }

  isAssigned(topic: string, partition: number): boolean {
    return this.assigned.has(key(topic, partition));
  }

  /** Everything up to and including `lastOffset` is safe: commit `lastOffset + 1`. */
  async commit(topic: string, ranges: readonly { partition: number; last: number }[]): Promise<void> {
    for (const { partition, last } of ranges) {
      const k = key(topic, partition);
      const next = BigInt(last) + 1n;
      if ((this.committed.get(k) ?? -1n) >= next) continue;
      if (!this.assigned.has(k)) continue;
      const queued = this.pending.get(k);
      if (!queued || queued.offset < next) this.pending.set(k, { topic, partition, offset: next });
    }
    // One commit request at a time, carrying everything pending.
    this.chain = this.chain.then(() => this.flushPending());
    return this.chain;
  }

  private async flushPending(): Promise<void> {
    if (this.pending.size === 0) return;
    const offsets = [...this.pending.values()];
    this.pending.clear();
    try {
      await this.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
      for (const o of offsets) this.committed.set(key(o.topic, o.partition), o.offset);
    } catch (error) {
      // Typically a rebalance: the new owner re-consumes from the last commit, and the loader's ledger
      // drops what this instance already announced. Nothing is lost.
      this.logger.warn({ err: error, offsets: offsets.map((o) => `${o.topic}/${o.partition}@${o.offset}`) }, 'offset commit failed');
    }
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
