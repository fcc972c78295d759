import type { Admin } from 'kafkajs';
import type { Finding } from './finding.js';

/** One consumer group's position on its topics. */
export interface GroupLag {
  group: string;
  /** What the group consumes, for the report (`change topics`, `pgshift.batches`). */
  role: string;
  /** Kafka's group state: Stable, Empty, Dead, PreparingRebalance … */
  state: string;
  members: number;
  topics: number;
  partitions: number;
  /** Records between the group's committed offset and the end, summed over partitions (a partition never committed counts whole). */
  lag: bigint;
  /** Partitions holding records where the group has never committed. */
  uncommitted: number;
}

const finding = (severity: Finding['severity'], message: string, fix: string | undefined, group: string): Finding => ({
  area: 'pipeline',
  check: 'consumer-lag',
  severity,
  message,
  ...(fix ? { fix } : {}),
  subjects: [group],
});

/**
 * A group with no member consumes nothing: a warning (the service is down), whatever its lag. A
 * running group's lag is reported as measured: it moves by the second, and Connect's transaction
 * markers (exactly-once delivery) count as one record each at the end of a change topic.
 */
export function lagFinding(lag: GroupLag, service: string): Finding {
  const where = `${lag.partitions} partitions of ${lag.topics} ${lag.role}`;
  if (lag.topics === 0) return finding('info', `consumer group ${lag.group}: no ${lag.role} in Kafka yet, nothing to consume`, undefined, lag.group);
  if (lag.members === 0) {
    return finding(
      'warn',
      `consumer group ${lag.group} has no member (${lag.state}): no ${service} is running; ${lag.lag} records wait on ${where}`,
      `start the ${service} (PGSHIFT_CONSUMER_GROUP=${lag.group})`,
      lag.group,
    );
  }
  const never = lag.uncommitted > 0 ? `, ${lag.uncommitted} partitions never committed` : '';
  return finding(
    'ok',
    `consumer group ${lag.group} (${lag.members} ${lag.members === 1 ? 'member' : 'members'}, ${lag.state}) is ${lag.lag} records behind on ${where}${never}`,
    undefined,
    lag.group,
  );
}

/** Measures a group's lag on the topics matching `topics` (kafkajs admin: committed offsets against each partition's end). */
export async function measureLag(admin: Admin, group: string, role: string, topics: (topic: string) => boolean): Promise<GroupLag> {
  const names = (await admin.listTopics()).filter(topics).sort();
  const [description] = (await admin.describeGroups([group])).groups;
  const result: GroupLag = {
    group,
    role,
    state: description?.state ?? 'Dead',
    members: description?.members.length ?? 0,
    topics: names.length,
    partitions: 0,
    lag: 0n,
    uncommitted: 0,
  };
  if (names.length === 0) return result;
  const committed = new Map<string, bigint>();
  for (const { topic, partitions } of await admin.fetchOffsets({ groupId: group, topics: names })) {
    for (const p of partitions) committed.set(`${topic}:${p.partition}`, BigInt(p.offset));
  }
  for (const topic of names) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      result.partitions++;
      const high = BigInt(p.high);
      const low = BigInt(p.low);
      const at = committed.get(`${topic}:${p.partition}`) ?? -1n;
      if (at < 0n) {
        if (high > low) result.uncommitted++;
        result.lag += high - low;
      } else if (high > at) result.lag += high - at;
    }
  }
  return result;
}
