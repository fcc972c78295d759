/**
 * A replay of one table's change topic: the batchers that own its partitions go back to the given
 * offsets and read again from there (what an operator does in Kafka UI, for one table, while the others
 * keep streaming). The loader's ledger drops every change it has applied already, so a replay is
 * harmless; it redoes what a reset ledger, a repaired dead letter or an emptied table needs.
 */
export interface ReplayRequest {
  /** New for every request: a batcher replays a partition once per id (it keeps the id it did in its commit metadata). */
  id: string;
  /** The change topic. */
  topic: string;
  /** Where each partition starts again (resolved from `from` by the control service when it was asked). */
  offsets: { partition: number; offset: string }[];
  /** What the operator asked for, as given (`earliest`, an ISO time, an offset, `0:120,2:7`). */
  from: string;
}

/** Where a replay starts, as an operator says it. */
export type ReplayFrom =
  | { kind: 'earliest' }
  | { kind: 'time'; at: Date }
  /** The same offset on every partition. */
  | { kind: 'offset'; offset: bigint }
  | { kind: 'offsets'; byPartition: Map<number, bigint> };

export class ReplayFromError extends Error {
  override name = 'ReplayFromError';
}

// No leading zeros: "06:00" is a time of day someone forgot the date of, not partition 6 at offset 0.
const NUMBER = String.raw`(?:0|[1-9]\d*)`;
const PARTITION_OFFSETS = new RegExp(`^${NUMBER}:${NUMBER}(?:,${NUMBER}:${NUMBER})*$`);

/** `earliest`, an ISO time (`2026-12-02T06:00:00Z`), an offset (`1200`), or offsets per partition (`0:120,2:7`). */
export function parseReplayFrom(text: string): ReplayFrom {
  const value = text.trim();
  if (value === 'earliest' || value === 'beginning') return { kind: 'earliest' };
  if (/^(?:0|[1-9]\d*)$/.test(value)) return { kind: 'offset', offset: BigInt(value) };
  if (PARTITION_OFFSETS.test(value)) {
    const byPartition = new Map<number, bigint>();
    for (const pair of value.split(',')) {
      const [partition, offset] = pair.split(':') as [string, string];
      if (byPartition.has(Number(partition))) throw new ReplayFromError(`partition ${partition} is given twice in ${JSON.stringify(text)}`);
      byPartition.set(Number(partition), BigInt(offset));
    }
    return { kind: 'offsets', byPartition };
  }
  // A time needs a date and a zone: "06:00" alone would silently mean the machine's day and zone.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const at = new Date(value);
    if (!Number.isNaN(at.getTime())) return { kind: 'time', at };
  }
  throw new ReplayFromError(
    `expected earliest, an ISO time with its zone (2026-12-02T06:00:00Z), an offset (1200) or offsets per partition (0:120,2:7); got ${JSON.stringify(text)}`,
  );
}

/** One partition of the topic as the control service sees it when the replay is asked. */
export interface PartitionExtent {
  partition: number;
  /** The first offset still in the topic (retention removes older ones). */
  low: bigint;
  /** The offset the next message will have. */
  high: bigint;
  /** For `from` a time: the first offset at or after it (null: none yet, the partition's end). */
  atTime?: bigint | null;
}

/**
 * Each partition's start, clamped into what the topic holds: an offset before `low` starts at `low`,
 * one past `high` at `high` (nothing to replay there). A partition `offsets` does not name is not replayed.
 */
export function replayOffsets(from: ReplayFrom, partitions: readonly PartitionExtent[]): ReplayRequest['offsets'] {
  const clamp = (offset: bigint, p: PartitionExtent) => (offset < p.low ? p.low : offset > p.high ? p.high : offset);
  const chosen: ReplayRequest['offsets'] = [];
  for (const p of [...partitions].sort((a, b) => a.partition - b.partition)) {
    let offset: bigint;
    switch (from.kind) {
      case 'earliest':
        offset = p.low;
        break;
      case 'offset':
        offset = from.offset;
        break;
      case 'time':
        offset = p.atTime ?? p.high;
        break;
      case 'offsets': {
        const named = from.byPartition.get(p.partition);
        if (named === undefined) continue;
        offset = named;
        break;
      }
    }
    chosen.push({ partition: p.partition, offset: String(clamp(offset, p)) });
  }
  if (from.kind === 'offsets') {
    const known = new Set(partitions.map((p) => p.partition));
    const unknown = [...from.byPartition.keys()].filter((p) => !known.has(p));
    if (unknown.length > 0) throw new ReplayFromError(`the topic has no partition ${unknown.join(', ')}`);
  }
  return chosen;
}

/**
 * The commit metadata a batcher leaves on a partition's offsets once it has replayed it for a request:
 * every later commit carries it, so that a restart or a rebalance does not replay the partition again.
 */
export function replayCommitMetadata(id: string): string {
  return `pgshift-replay:${id}`;
}

export function decodeReplayRequest(raw: unknown): ReplayRequest | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Partial<ReplayRequest>;
  if (typeof r.id !== 'string' || typeof r.topic !== 'string' || typeof r.from !== 'string' || !Array.isArray(r.offsets)) return undefined;
  const offsets = r.offsets.filter(
    (o): o is { partition: number; offset: string } => Number.isInteger(o?.partition) && typeof o?.offset === 'string' && /^\d+$/.test(o.offset),
  );
  return { id: r.id, topic: r.topic, from: r.from, offsets };
}
