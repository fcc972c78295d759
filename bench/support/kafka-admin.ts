import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';

/** Partition → the offset after its last message. */
export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, number>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
}

export function total(offsets: ReadonlyMap<number, number>): number {
  let sum = 0;
  for (const offset of offsets.values()) sum += offset;
  return sum;
}

/** Polls the group's committed offsets until every partition's equals its end offset; resolves at that moment (performance.now()). */
export async function waitForCommitted(
  admin: Admin,
  groupId: string,
  topic: string,
  end: ReadonlyMap<number, number>,
  { intervalMs = 100, timeoutMs = 600_000, stop }: { intervalMs?: number; timeoutMs?: number; stop?: () => boolean } = {},
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    // Checked before fetching: a child that commits and then exits is seen committed first.
    const stopped = stop?.() ?? false;
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const done = [...end].every(([partition, offset]) => Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1) === offset);
    if (done) return performance.now();
    if (stopped) throw new Error(`group ${groupId} stopped before committing ${topic} to its end`);
    if (performance.now() > deadline) throw new Error(`group ${groupId} did not commit ${topic} to its end within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

export async function topicExists(admin: Admin, topic: string): Promise<boolean> {
  return (await admin.listTopics()).includes(topic);
}

/** Best-effort cleanup: what cannot be deleted is reported, not thrown. */
export async function deleteTopics(admin: Admin, topics: string[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  if (present.length === 0) return [];
  try {
    await admin.deleteTopics({ topics: present, timeout: 30_000 });
    return [];
  } catch (error) {
    return [`topics ${present.join(', ')}: ${(error as Error).message}`];
  }
}

export async function deleteGroups(admin: Admin, groups: string[]): Promise<string[]> {
  try {
    await admin.deleteGroups(groups);
    return [];
  } catch (error) {
    // Groups that never committed do not exist: not a problem.
    const failed = ((error as { groups?: { groupId: string; error?: { type?: string } }[] }).groups ?? []).filter(
      (g) => g.error && g.error.type !== 'GROUP_ID_NOT_FOUND',
    );
    return failed.length === 0 && (error as { groups?: unknown }).groups ? [] : [`groups ${groups.join(', ')}: ${(error as Error).message}`];
  }
}
