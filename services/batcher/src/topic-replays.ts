import { type ReplayRequest, replayCommitMetadata } from '@pgshift/contracts';
import type { Logger } from '@pgshift/runtime';
import type { Counter } from 'prom-client';

/** What a replay needs of the batcher's consumer, its buffers and its commits. */
export interface ReplayPort {
  /** The partitions of `topic` this instance owns now. */
  assignedPartitions(topic: string): number[];
  committedOf(topic: string, partition: number): { offset: bigint | null; metadata: string | null };
  /**
   * Stops taking the topic's messages and writes out (seals, announces, commits) everything of it that
   * is buffered; false when something could not be written (the replay is tried again later).
   */
  quiesce(topic: string): Promise<boolean>;
  /** Where the consumer reads the partition from next. */
  seek(topic: string, partition: number, offset: bigint): void;
  /** Commits the partition at `offset` (backwards) with the replay's metadata. */
  rewind(topic: string, partition: number, offset: bigint, metadata: string): Promise<void>;
  /** Records the metadata for the partition's next commits, without moving it. */
  tag(topic: string, partition: number, metadata: string): void;
  /** Takes the topic's messages again. */
  resume(topic: string): void;
}

/**
 * Replays of change topics asked through the control topic (`pgshift tables replay`). The latest request
 * per topic is kept; a partition this instance owns is replayed once per request: the topic's buffer is
 * written out, the partition is read again from the requested offset (never forward of what is
 * committed: a replay must not skip), and its commit carries the request's id from then on, so that a
 * restart or a rebalance to another instance does not replay it again. Looked at when a request arrives
 * and after every join; one replay at a time.
 */
export class TopicReplays {
  private readonly latest = new Map<string, ReplayRequest>();
  private turn: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly deps: {
      port: ReplayPort;
      logger: Logger;
      replays: Counter<'topic'>;
      /** After a replay that could not finish (ms). */
      retryMs?: number;
    },
  ) {}

  /** A table's control record, as the control topic delivers it. */
  requested(replay: ReplayRequest | undefined): void {
    if (!replay || this.latest.get(replay.topic)?.id === replay.id) return;
    this.latest.set(replay.topic, replay);
    void this.runDue();
  }

  /** After a join, once the committed offsets (and their metadata) are read. */
  joined(): void {
    void this.runDue();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  /** Resolves once the replays due now are done (or deferred). */
  runDue(): Promise<void> {
    this.turn = this.turn.then(() => this.replayDue()).catch((error: unknown) => this.deps.logger.error({ err: error }, 'replay failed'));
    return this.turn;
  }

  private async replayDue(): Promise<void> {
    let deferred = false;
    for (const replay of this.latest.values()) {
      if (this.stopped) return;
      if (!(await this.replay(replay))) deferred = true;
    }
    if (deferred && !this.stopped && !this.retryTimer) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        void this.runDue();
      }, this.deps.retryMs ?? 10_000);
    }
  }

  /** False when the replay could not be done now. */
  private async replay(replay: ReplayRequest): Promise<boolean> {
    const { port, logger } = this.deps;
    const tag = replayCommitMetadata(replay.id);
    const requested = new Map(replay.offsets.map((o) => [o.partition, BigInt(o.offset)]));
    const due = () => port.assignedPartitions(replay.topic).filter((p) => requested.has(p) && port.committedOf(replay.topic, p).metadata !== tag);
    if (due().length === 0) return true;
    const { topic } = replay;
    try {
      if (!(await port.quiesce(topic))) {
        logger.warn({ topic, replay: replay.id }, 'replay deferred: the topic buffer could not be written out');
        return false;
      }
      for (const partition of due()) {
        const wanted = requested.get(partition) as bigint;
        const committed = port.committedOf(topic, partition).offset;
        if (committed === null) {
          // Nothing committed: the partition is being read from its beginning already.
          port.tag(topic, partition, tag);
          continue;
        }
        const from = wanted < committed ? wanted : committed;
        port.seek(topic, partition, from);
        await port.rewind(topic, partition, from, tag);
        this.deps.replays.inc({ topic });
        logger.info({ topic, partition, from: String(from), committed: String(committed), replay: replay.id, asked: replay.from }, 'replaying the partition');
      }
      return true;
    } catch (error) {
      logger.warn({ err: error, topic, replay: replay.id }, 'replay not finished; trying again');
      return false;
    } finally {
      port.resume(topic);
    }
  }
}
