import {
  STAGING_META_COLUMNS,
  UNCHANGED,
  encodeUnchanged,
  type CellValue,
  type ColumnSpec,
  type OpCounts,
  type PartitionRange,
} from '@pgshift/contracts';
import { RecordArena, createFieldNotes, decodeRecord, encodeRow, keptFieldNotes, recordText, resetFieldNotes, type EncodedRecord } from '@pgshift/csv';
import { microTimestampText } from '@pgshift/debezium';

/**
 * The last change of one key (or, without a primary key, one change), already encoded as the CSV record
 * the loader stages: the table's values, then the staging metadata columns.
 */
export interface BufferedRow extends EncodedRecord {
  op: 'c' | 'u' | 'd' | 'r';
  partition: number;
  offset: number;
  /** Columns holding an unchanged TOAST value (written as NULL and listed in the metadata); null for none. */
  unchanged: number[] | null;
}

export interface IncomingChange {
  op: 'c' | 'u' | 'd' | 'r';
  /** Identity of the primary-key values; null for tables without a primary key. */
  key: string | null;
  values: CellValue[];
  lsn: bigint;
  sourceTsUs: bigint;
}

export interface Range<T> {
  min: T;
  max: T;
}

/** JS heap per buffered row besides its record (row object, map entry, key): for the byte budget. */
const ROW_OVERHEAD_BYTES = 160;
const NO_CHUNK = Buffer.alloc(0);

/**
 * The changes of one table with one column list, coalesced per primary key: a batch holds at most one
 * row per key, the latest row image or a delete. Unchanged TOAST values are filled from an earlier
 * event of the same key when the buffer has one. Tables without a primary key keep every change, in
 * consumption order.
 *
 * Rows are encoded when they arrive and kept as bytes in a RecordArena, off the JS heap: a backlog of
 * buffered rows then costs the garbage collector almost nothing.
 */
export class CoalescingBuffer {
  private readonly byKey = new Map<string, BufferedRow>();
  private readonly appended: BufferedRow[] = [];
  private readonly ranges = new Map<number, PartitionRange>();
  private readonly arena = new RecordArena();
  private readonly recordColumns: readonly string[];
  private readonly notes = createFieldNotes();
  private eventCount = 0;
  private lsns: Range<bigint> | null = null;
  private sourceTimes: Range<bigint> | null = null;
  readonly createdAt = Date.now();

  constructor(
    readonly columns: readonly ColumnSpec[],
    readonly fingerprint: string,
  ) {
    this.recordColumns = [...columns.map((c) => c.name), ...STAGING_META_COLUMNS];
  }

  /**
   * Adds a change. Throws SentinelCollisionError, leaving the buffer as it was, when a value would be
   * read back as NULL: the caller dead-letters that message.
   */
  add(change: IncomingChange, partition: number, offset: number): void {
    let { op, values } = change;
    const previous = change.key === null ? undefined : this.byKey.get(change.key);
    if (previous) {
      if (op !== 'd' && previous.op !== 'd' && values.includes(UNCHANGED)) values = this.fillUnchanged(values, previous);
      // The row existed before this batch only if its first change here was not an insert; keep that
      // knowledge so that "inserted then updated" still counts as an insert.
      if (previous.op === 'c' && op === 'u') op = 'c';
    }
    const row: BufferedRow = { op, partition, offset, unchanged: null, notes: null, chunk: NO_CHUNK, start: 0, end: 0 };
    this.encode(row, values, change.lsn, change.sourceTsUs);

    this.track(partition, offset);
    this.eventCount++;
    this.lsns = widen(this.lsns, change.lsn);
    this.sourceTimes = widen(this.sourceTimes, change.sourceTsUs);
    if (change.key === null) this.appended.push(row);
    else this.byKey.set(change.key, row);
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

  /** Memory held: the arena's chunks (records replaced by later changes included) and the rows' overhead. */
  get bytes(): number {
    return this.arena.allocatedBytes + this.rowCount * ROW_OVERHEAD_BYTES;
  }

  /** True when the buffer covers offsets, even if no row came of them. */
  get isEmpty(): boolean {
    return this.ranges.size === 0;
  }

  rows(): IterableIterator<BufferedRow> | BufferedRow[] {
    return this.byKey.size > 0 ? this.byKey.values() : this.appended;
  }

  /** The table's values of a buffered row, unchanged TOAST values as UNCHANGED. */
  valuesOf(row: BufferedRow): CellValue[] {
    const values: CellValue[] = decodeRecord(recordText(row)).slice(0, this.columns.length);
    for (const index of row.unchanged ?? []) values[index] = UNCHANGED;
    return values;
  }

  offsetRanges(): PartitionRange[] {
    return [...this.ranges.values()].sort((a, b) => a.partition - b.partition);
  }

  /** The source LSNs of the changes added (replaced ones included); null when none was. */
  lsnRange(): Range<bigint> | null {
    return this.lsns;
  }

  /** The source commit times (µs) of the changes added; null when none was. */
  sourceTimeRange(): Range<bigint> | null {
    return this.sourceTimes;
  }

  rowsByOp(): OpCounts {
    const counts: OpCounts = { c: 0, u: 0, d: 0, r: 0 };
    for (const row of this.rows()) counts[row.op]++;
    return counts;
  }

  /** The staging record: values (unchanged ones as NULL), then op, lsn, source time, partition, offset, unchanged. */
  private encode(row: BufferedRow, values: readonly CellValue[], lsn: bigint, sourceTsUs: bigint): void {
    const fields: CellValue[] = new Array(this.recordColumns.length);
    let unchanged: number[] | null = null;
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      if (value === UNCHANGED) {
        (unchanged ??= []).push(i);
        fields[i] = null;
      } else {
        fields[i] = value;
      }
    }
    let at = values.length;
    fields[at++] = row.op;
    fields[at++] = String(lsn);
    fields[at++] = microTimestampText(sourceTsUs);
    fields[at++] = String(row.partition);
    fields[at++] = String(row.offset);
    fields[at] = unchanged === null ? null : encodeUnchanged(unchanged);
    resetFieldNotes(this.notes);
    const line = encodeRow(fields, this.recordColumns, this.notes);
    this.arena.append(line, row);
    row.unchanged = unchanged;
    row.notes = keptFieldNotes(this.notes);
  }

  private fillUnchanged(values: readonly CellValue[], earlier: BufferedRow): CellValue[] {
    const earlierValues = this.valuesOf(earlier);
    // One buffer, one column list: the earlier row has a value (maybe NULL, maybe UNCHANGED) for every column.
    return values.map((value, i) => (value === UNCHANGED ? earlierValues[i]! : value));
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

function widen(range: Range<bigint> | null, value: bigint): Range<bigint> {
  if (range === null) return { min: value, max: value };
  if (value < range.min) range.min = value;
  if (value > range.max) range.max = value;
  return range;
}
