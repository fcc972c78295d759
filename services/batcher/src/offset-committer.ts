import type { Logger } from '@pgshift/runtime';
import type { Consumer } from 'kafkajs';

/** A partition's committed offset and its commit metadata, as the group coordinator holds them. */
export interface CommittedOffset {
  topic: string;
  partition: number;
  /** -1: nothing committed yet (the consumer starts from the beginning). */
  offset: bigint;
  metadata: string | null;
}

/**
 * Commits consumed offsets once the batches holding them are announced. Commits only partitions this
 * instance is assigned, and never moves a partition backwards (after a rebalance kafkajs re-delivers
 * from the committed offset, so a later batch can end below an earlier, already committed one), except
 * when a replay rewinds it. Every commit of a partition carries the partition's metadata (the replay it
 * has done), so that what a replay left is not lost with the next commit.
 */
export class OffsetCommitter {
  private readonly committed = new Map<string, bigint>();
  private readonly metadata = new Map<string, string>();
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

  /**
   * What the coordinator holds for the assigned partitions, read after a join. Commits wait for it
   * (through the chain), so that none is sent without the metadata it must carry.
   */
  loadCommitted(read: () => Promise<CommittedOffset[]>): Promise<void> {
    this.chain = this.chain
      .then(async () => {
        for (const c of await read()) {
          const k = key(c.topic, c.partition);
          if (c.offset >= 0n && (this.committed.get(k) ?? -1n) < c.offset) this.committed.set(k, c.offset);
          if (c.metadata) this.metadata.set(k, c.metadata);
        }
      })
      .catch((error: unknown) => {
        // Without it a replay done before may be done again: harmless (the ledger), never a loss.
        this.logger.warn({ err: error }, 'committed offsets not read after the join; commits go on without their metadata');
      });
    return this.chain;
  }

  /** The offset this instance knows to be committed (null: none yet), and the partition's metadata. */
  committedOf(topic: string, partition: number): { offset: bigint | null; metadata: string | null } {
    const k = key(topic, partition);
    return { offset: this.committed.get(k) ?? null, metadata: this.metadata.get(k) ?? null };
  }

  /**
   * Moves an assigned partition's commit to `offset` (backwards, for a replay) with new metadata, after
   * every commit already asked for. Rejects when the commit fails (the replay is tried again).
   */
  async rewind(topic: string, partition: number, offset: bigint, metadata: string): Promise<void> {
    const k = key(topic, partition);
    const turn = this.chain.then(async () => {
      if (!this.assigned.has(k)) throw new Error(`${topic}/${partition} is not assigned to this instance any more`);
      await this.consumer.commitOffsets([{ topic, partition, offset: String(offset), metadata }]);
      this.committed.set(k, offset);
      this.metadata.set(k, metadata);
    });
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  /** Remembers metadata for a partition's next commits without committing now (a replay that had nothing to rewind). */
  tag(topic: string, partition: number, metadata: string): void {
    this.metadata.set(key(topic, partition), metadata);
  }

  /** The partitions of `topic` this instance owns. */
  assignedPartitions(topic: string): number[] {
    const prefix = key(topic, 0).slice(0, -1);
    return [...this.assigned].filter((k) => k.startsWith(prefix)).map((k) => Number(k.slice(prefix.length)));
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
      await this.consumer.commitOffsets(
        offsets.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          offset: String(o.offset),
          metadata: this.metadata.get(key(o.topic, o.partition)) ?? null,
        })),
      );
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
