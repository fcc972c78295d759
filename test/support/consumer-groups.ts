import { kafka } from './kafka.js';
import { waitFor } from './wait.js';

/** `topic:partition` → offset. */
export type Positions = Map<string, bigint>;

const key = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * Moves a consumer group back to the earliest offset of each topic, as Kafka UI's "reset offsets"
 * does. Kafka refuses while the group has a member: a member stopped a moment ago may still be
 * leaving, and one that was killed stays until its session times out, so this waits for the group
 * to be empty first.
 */
export async function resetToEarliest(groupId: string, topics: readonly string[], { timeoutMs = 90_000 } = {}): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      `consumer group ${groupId} to have no member`,
      async () => {
        const { groups } = await admin.describeGroups([groupId]);
        return groups.every((g) => g.members.length === 0);
      },
      { timeoutMs, intervalMs: 500 },
    );
    for (const topic of topics) await admin.resetOffsets({ groupId, topic, earliest: true });
  } finally {
    await admin.disconnect();
  }
}

/** The group's committed offset of every partition of the topics (-1: none). */
export async function committedOffsets(groupId: string, topics: readonly string[]): Promise<Positions> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
    return new Map(committed.flatMap(({ topic, partitions }) => partitions.map((p) => [key(topic, p.partition), BigInt(p.offset)] as const)));
  } finally {
    await admin.disconnect();
  }
}

/** Where each partition of the topics ends (the high watermark), and whether it holds anything at all. */
export async function topicEnds(topics: readonly string[]): Promise<Map<string, { end: bigint; empty: boolean }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, { end: bigint; empty: boolean }>();
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) ends.set(key(topic, p.partition), { end: BigInt(p.high), empty: p.high === p.low });
    }
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/**
 * True when the group has committed the end of every non-empty partition of the topics. With
 * `transactional`, the last offset of a partition may be a transaction marker (Connect publishes with
 * exactly-once delivery): consumers commit past the last record they see, which is one short of the end.
 */
export async function consumedToEnd(groupId: string, topics: readonly string[], { transactional = false } = {}): Promise<boolean> {
  const [committed, ends] = await Promise.all([committedOffsets(groupId, topics), topicEnds(topics)]);
  for (const [partition, { end, empty }] of ends) {
    if (empty) continue;
    const at = committed.get(partition) ?? -1n;
    if (at !== end && !(transactional && at === end - 1n)) return false;
  }
  return true;
}

/**
 * True when the group's committed offsets are at or beyond `positions`. Partitions without a position
 * (a negative offset: nothing committed there) are not waited for.
 */
export async function reached(groupId: string, positions: Positions): Promise<boolean> {
  const wanted = [...positions].filter(([, offset]) => offset >= 0n);
  const topics = [...new Set(wanted.map(([k]) => k.slice(0, k.lastIndexOf(':'))))];
  const committed = await committedOffsets(groupId, topics);
  return wanted.every(([partition, offset]) => (committed.get(partition) ?? -1n) >= offset);
}
