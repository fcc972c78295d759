import { type CellValue, type ColumnSpec, encodeUnchanged, type OpCounts, type PartitionRange, STAGING_META_COLUMNS, UNCHANGED } from '@pgshift/contracts';
import { createFieldNotes, decodeRecord, type EncodedRecord, encodeRow, keptFieldNotes, RecordArena, recordText, resetFieldNotes } from '@pgshift/csv';
import { compareSourcePositions, microTimestampText, type SourcePosition } from '@pgshift/debezium';

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
  /** The change's source position (see SourcePosition): a key's older image never replaces a newer one. */
  txLsn: bigint;
  lsn: bigint;
  /** One side of a primary-key change with values still to carry: it stages `_pgshift_old_key` or `_pgshift_new_key`. */
  keyChange: boolean;
}

export interface IncomingChange {
  op: 'c' | 'u' | 'd' | 'r';
  /** Identity of the primary-key values; null for tables without a primary key. */
  key: string | null;
  values: CellValue[];
  lsn: bigint;
  /** The transaction's place in the stream (SourcePosition.txLsn); the LSN when unknown. */
  txLsn?: bigint;
  sourceTsUs: bigint;
  /** A create that changed the primary key: the old key's identity (Debezium's `__debezium.oldkey`). */
  oldKey?: string | null;
  /** A delete that changed the primary key: the new key's identity (Debezium's `__debezium.newkey`). */
  newKey?: string | null;
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
  private txLsns: Range<bigint> | null = null;
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
   *
   * A key's images are ordered by source position, not by consumption: a change older than the key's
   * buffered one (a re-driven dead letter, a key that moved partitions) only has its offset covered. At
   * an equal position the later message wins (a duplicate), except that a snapshot read never replaces a
   * streamed change.
   */
  add(change: IncomingChange, partition: number, offset: number): void {
    let { op, values } = change;
    const position: SourcePosition = { txLsn: change.txLsn ?? change.lsn, lsn: change.lsn };
    const previous = change.key === null ? undefined : this.byKey.get(change.key);
    if (previous && isStale(op, position, previous)) {
      this.count(partition, offset, change);
      return;
    }
    let oldKey: string | null = null;
    if (op === 'd' && change.key !== null) {
      values = this.lastKnownImage(values, previous);
    } else if (values.includes(UNCHANGED)) {
      // A primary-key change: the old key's row (deleted in the same transaction) had the values, unless
      // what the buffer holds for the old key came later (the old key inserted again).
      const moved = change.oldKey == null ? undefined : this.byKey.get(change.oldKey);
      if (moved && compareSourcePositions(moved, position) <= 0) values = this.fillUnchanged(values, moved);
      if (previous && previous.op !== 'd' && values.includes(UNCHANGED)) values = this.fillUnchanged(values, previous);
      // Still unknown: the loader takes them from the old key's target row.
      if (change.oldKey != null && values.includes(UNCHANGED)) oldKey = change.oldKey;
    }
    // The row existed before this batch only if its first change here was not an insert; keep that
    // knowledge so that "inserted then updated" still counts as an insert.
    if (previous && previous.op === 'c' && op === 'u') op = 'c';
    const row: BufferedRow = {
      op,
      partition,
      offset,
      unchanged: null,
      notes: null,
      chunk: NO_CHUNK,
      start: 0,
      end: 0,
      txLsn: position.txLsn,
      lsn: position.lsn,
      keyChange: false,
    };
    const newKey = op === 'd' ? (change.newKey ?? null) : null;
    row.keyChange = oldKey !== null || newKey !== null;
    this.encode(row, values, change.sourceTsUs, oldKey, newKey);

    this.count(partition, offset, change);
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

  /** The transaction positions (SourcePosition.txLsn) of the changes added (replaced ones included); null when none was. */
  txLsnRange(): Range<bigint> | null {
    return this.txLsns;
  }

  /** The source commit times (µs) of the changes added; null when none was. */
  sourceTimeRange(): Range<bigint> | null {
    return this.sourceTimes;
  }

  /** The rows that are one side of a primary-key change with values still to carry (BatchReady.keyChanges). */
  keyChanges(): number {
    let count = 0;
    for (const row of this.rows()) if (row.keyChange) count++;
    return count;
  }

  rowsByOp(): OpCounts {
    const counts: OpCounts = { c: 0, u: 0, d: 0, r: 0 };
    for (const row of this.rows()) counts[row.op]++;
    return counts;
  }

  private count(partition: number, offset: number, change: IncomingChange): void {
    this.track(partition, offset);
    this.eventCount++;
    this.lsns = widen(this.lsns, change.lsn);
    this.txLsns = widen(this.txLsns, change.txLsn ?? change.lsn);
    this.sourceTimes = widen(this.sourceTimes, change.sourceTsUs);
  }

  /**
   * A delete's row: the last known image of the key, so that soft-delete mode keeps it. The key's
   * earlier image in this batch is the row as it was just before the delete; without one, every column
   * but the key is marked unchanged (the loader keeps the target's value). The delete's own `before` is
   * not used for them: under REPLICA IDENTITY DEFAULT it holds the key only, and Debezium fills the other
   * columns with NULL or the column's default, which cannot be told from real values.
   */
  private lastKnownImage(before: readonly CellValue[], earlier: BufferedRow | undefined): CellValue[] {
    const earlierValues = earlier ? this.valuesOf(earlier) : null;
    return before.map((value, i) => {
      if (this.columns[i]!.primaryKey) return value;
      return earlierValues ? earlierValues[i]! : UNCHANGED;
    });
  }

  /** The staging record: values (unchanged ones as NULL), then the staging metadata columns in STAGING_META_COLUMNS order. */
  private encode(row: BufferedRow, values: readonly CellValue[], sourceTsUs: bigint, oldKey: string | null, newKey: string | null): void {
    const fields: CellValue[] = new Array(this.recordColumns.length);
    let unchanged: number[] | null = null;
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      if (value === UNCHANGED) {
        unchanged ??= [];
        unchanged.push(i);
        fields[i] = null;
      } else {
        fields[i] = value;
      }
    }
    let at = values.length;
    fields[at++] = row.op;
    fields[at++] = String(row.lsn);
    fields[at++] = microTimestampText(sourceTsUs);
    fields[at++] = String(row.partition);
    fields[at++] = String(row.offset);
    fields[at++] = unchanged === null ? null : encodeUnchanged(unchanged);
    fields[at++] = String(row.txLsn);
    fields[at++] = oldKey;
    fields[at] = newKey;
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

/** Whether a change at `position` must not replace the key's buffered row. */
function isStale(op: IncomingChange['op'], position: SourcePosition, buffered: BufferedRow): boolean {
  const order = compareSourcePositions(position, buffered);
  return order < 0 || (order === 0 && op === 'r' && buffered.op !== 'r');
}

function widen(range: Range<bigint> | null, value: bigint): Range<bigint> {
  if (range === null) return { min: value, max: value };
  if (value < range.min) range.min = value;
  if (value > range.max) range.max = value;
  return range;
}
