import { UNCHANGED, type CellValue, type ColumnSpec, type OpCounts, type PartitionRange } from '@pgshift/contracts';

/** The last change of one key (or, without a primary key, one change) as it will be written. */
export interface BufferedRow {
  op: 'c' | 'u' | 'd' | 'r';
  values: CellValue[];
  lsn: bigint;
  sourceTsUs: bigint;
  partition: number;
  offset: number;
  /** estimateBytes(values), kept so that replacing the row needs no second pass over the old one. */
  bytes: number;
}

export interface IncomingChange {
  op: 'c' | 'u' | 'd' | 'r';
  /** Canonical primary-key identity; null for tables without a primary key. */
  key: string | null;
  values: CellValue[];
  lsn: bigint;
  sourceTsUs: bigint;
}

/**
 * The changes of one table with one column list, coalesced per primary key: a batch holds at most one
 * row per key, the latest row image or a delete. Unchanged TOAST values are filled from an earlier
 * event of the same key when the buffer has one. Tables without a primary key keep every change, in
 * consumption order.
 */
export class CoalescingBuffer {
  private readonly byKey = new Map<string, BufferedRow>();
  private readonly appended: BufferedRow[] = [];
  private readonly ranges = new Map<number, PartitionRange>();
  private eventCount = 0;
  private approxBytes = 0;
  readonly createdAt = Date.now();

  constructor(
    readonly columns: readonly ColumnSpec[],
    readonly fingerprint: string,
  ) {}

  add(change: IncomingChange, partition: number, offset: number): void {
    this.track(partition, offset);
    this.eventCount++;
    const row: BufferedRow = {
      op: change.op,
      values: change.values,
      lsn: change.lsn,
      sourceTsUs: change.sourceTsUs,
      partition,
      offset,
      bytes: 0,
    };
    if (change.key === null) {
      row.bytes = estimateBytes(row.values);
      this.appended.push(row);
      this.approxBytes += row.bytes;
      return;
    }
    const previous = this.byKey.get(change.key);
    if (previous) {
      this.approxBytes -= previous.bytes;
      if (row.op !== 'd' && previous.op !== 'd') fillUnchanged(row.values, previous.values);
      // The row existed before this batch only if its first change here was not an insert; keep that
      // knowledge so that "inserted then updated" still counts as an insert.
      if (previous.op === 'c' && row.op === 'u') row.op = 'c';
    }
    row.bytes = estimateBytes(row.values);
    this.byKey.set(change.key, row);
    this.approxBytes += row.bytes;
  }

  /** A message consumed without producing a row (tombstone, dead letter): its offset is still covered. */
  skip(partition: number, offset: number): void {
    this.track(partition, offset);
  }

  /** Takes over the offsets of a buffer that produced no rows (only skipped messages). */
  absorbOffsets(other: CoalescingBuffer): void {
    for (const range of other.offsetRanges()) {
      this.track(range.partition, range.first);
      this.track(range.partition, range.last);
    }
  }

  get rowCount(): number {
    return this.byKey.size + this.appended.length;
  }

  get events(): number {
    return this.eventCount;
  }

  get bytes(): number {
    return this.approxBytes;
  }

  /** True when the buffer covers offsets, even if no row came of them. */
  get isEmpty(): boolean {
    return this.ranges.size === 0;
  }

  rows(): IterableIterator<BufferedRow> | BufferedRow[] {
    return this.byKey.size > 0 ? this.byKey.values() : this.appended;
  }

  offsetRanges(): PartitionRange[] {
    return [...this.ranges.values()].sort((a, b) => a.partition - b.partition);
  }

  rowsByOp(): OpCounts {
    const counts: OpCounts = { c: 0, u: 0, d: 0, r: 0 };
    for (const row of this.rows()) counts[row.op]++;
    return counts;
  }

  private track(partition: number, offset: number): void {
    const range = this.ranges.get(partition);
    if (range) {
      range.last = Math.max(range.last, offset);
      range.first = Math.min(range.first, offset);
    } else {
      this.ranges.set(partition, { partition, first: offset, last: offset });
    }
  }
}

function fillUnchanged(values: CellValue[], earlier: readonly CellValue[]): void {
  for (let i = 0; i < values.length; i++) {
    if (values[i] === UNCHANGED) values[i] = earlier[i] ?? UNCHANGED;
  }
}

/** Rough heap size of a row: string payload plus per-value overhead. Good enough for budgets. */
export function estimateBytes(values: readonly CellValue[]): number {
  let bytes = 64;
  for (const value of values) bytes += typeof value === 'string' ? value.length * 2 + 16 : 8;
  return bytes;
}
