import type { Logger } from '@pgshift/runtime';

/** A connected consumer of a set of change topics, as the subscription sees it. */
export interface ChangeConsumer {
  /** Joins the group and consumes (resolves once running). */
  run(): Promise<void>;
  /** Stops fetching (what is fetched is still handed over). */
  pause(): void;
  disconnect(): Promise<void>;
}

export interface TopicSubscriptionDeps {
  /** Change topics to consume. */
  pattern: RegExp;
  /** How often the topic list is looked at again. */
  refreshMs: number;
  listTopics: () => Promise<string[]>;
  /** Connects a consumer subscribed to `topics` (sorted; none: connected only, it is never run). */
  connectConsumer: (topics: string[]) => Promise<ChangeConsumer>;
  /** Writes out everything buffered (sealed, announced, committed), once the consumer is paused. */
  drain: () => Promise<void>;
  logger: Logger;
}

/**
 * The batcher's subscription to the change topics matching a pattern. New tables appear as new topics:
 * the list is looked at every `refreshMs`, and when it has grown the consumer is paused, everything is
 * drained, and it leaves before a new one subscribes to the larger set. One refresh at a time: one
 * that resubscribes can take longer than the interval, and two overlapping ones would put two
 * consumers of this process in the group.
 */
export class TopicSubscription {
  private consumer: ChangeConsumer | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  /** Refreshes and resubscriptions run one after another: two at once would put two consumers in the group. */
  private serial: Promise<void> = Promise.resolve();
  private stopping = false;
  private joinedGroup = false;
  /** The topics consumed, sorted. */
  topics: readonly string[] = [];

  constructor(private readonly deps: TopicSubscriptionDeps) {}

  /** In the consumer group (or, with no topic to consume, with nothing to join). */
  get joined(): boolean {
    return this.joinedGroup;
  }

  /** The consumer joined its group. */
  markJoined(): void {
    this.joinedGroup = true;
  }

  async start(): Promise<void> {
    await this.subscribe();
    this.scheduleRefresh();
  }

  /** Stops refreshing, pauses the consumer, drains, and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    const consumer = this.consumer;
    consumer?.pause();
    await this.deps.drain();
    await consumer?.disconnect();
  }

  private async subscribe(): Promise<void> {
    const { pattern, logger } = this.deps;
    const topics = (await this.deps.listTopics()).filter((t) => pattern.test(t)).sort();
    this.topics = topics;
    const consumer = await this.deps.connectConsumer(topics);
    this.consumer = consumer;
    if (topics.length === 0) {
      logger.warn({ pattern: String(pattern) }, 'no change topic matches the pattern yet; checking again later');
      this.joinedGroup = true;
      return;
    }
    await consumer.run();
  }

  /**
   * Replaces a consumer kafkajs gave up on: drains what is buffered, leaves, and subscribes anew; tried
   * again (after `refreshMs`) for as long as subscribing fails, until the batcher stops.
   */
  resubscribe(): Promise<void> {
    return this.inTurn(async () => {
      while (!this.stopping) {
        try {
          await this.replaceConsumer();
          return;
        } catch (error) {
          this.deps.logger.error({ err: error }, 'subscribing again failed; trying again');
          await new Promise((resolve) => setTimeout(resolve, this.deps.refreshMs));
        }
      }
    });
  }

  private inTurn(work: () => Promise<void>): Promise<void> {
    const turn = this.serial.then(work);
    this.serial = turn.catch(() => undefined);
    return turn;
  }

  private async replaceConsumer(): Promise<void> {
    const consumer = this.consumer;
    consumer?.pause();
    await this.deps.drain();
    await consumer?.disconnect().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'the old consumer did not disconnect cleanly'));
    this.joinedGroup = false;
    await this.subscribe();
  }

  /** The next refresh is timed from the end of the last one, so that two never overlap. */
  private scheduleRefresh(): void {
    if (this.stopping) return;
    this.refreshTimer = setTimeout(() => {
      void this.inTurn(() => this.refresh()).finally(() => this.scheduleRefresh());
    }, this.deps.refreshMs);
  }

  /** Resubscribes (after draining) when the matching set has grown. */
  private async refresh(): Promise<void> {
    if (this.stopping) return;
    const { pattern, logger } = this.deps;
    try {
      const topics = (await this.deps.listTopics()).filter((t) => pattern.test(t));
      const added = topics.filter((t) => !this.topics.includes(t));
      if (added.length === 0) return;
      logger.info({ added }, 'new change topics: resubscribing');
      await this.replaceConsumer();
    } catch (error) {
      logger.error({ err: error }, 'topic refresh failed');
    }
  }
}
