import type { ColumnSpec, TableRef } from '@pgshift/contracts';
import { CoalescingBuffer, type IncomingChange } from './coalescing-buffer.js';
import type { FlushLimits } from './config.js';
import { batchIdFor, type SealedBatch } from './sealed-batch.js';

/** Flush limits for a source table (`schema`, `table` as the events name it). */
export type LimitsFor = (table: Pick<TableRef, 'schema' | 'table'>) => FlushLimits;

/**
 * One change topic's batching: the open buffer, and the sealed batches waiting to be written, in order.
 * A buffer is sealed when it reaches its row, byte or age limit, when the table's column list changes
 * (rows before the change go out with the old columns), when the events' source table changes, on a
 * truncate, and on shutdown.
 *
 * The source table comes from the events, not from the topic: Debezium replaces every character outside
 * [a-zA-Z0-9._-] in a topic name with `_`, so "order items" is published on `….order_items`, and two
 * tables ("order items", "order_items") can share one topic. A batch holds the rows of one table.
 */
export class TableBatcher {
  private open: CoalescingBuffer | null = null;
  private readonly sealed: SealedBatch[] = [];
  private flushing: Promise<void> | null = null;
  /** The limits of `table`; until an event names it, those of the name the topic suggests. */
  limits: FlushLimits;

  constructor(
    readonly topic: string,
    private readonly limitsFor: LimitsFor,
    private readonly onSealed: (table: TableBatcher) => void,
  ) {
    const [, schema = '', name = ''] = topic.split('.');
    this.limits = limitsFor({ schema, table: name });
  }

  /** The source table of the latest decodable event. */
  table: TableRef | null = null;

  add(table: TableRef, columns: readonly ColumnSpec[], fingerprint: string, change: IncomingChange, partition: number, offset: number): void {
    this.switchTo(table);
    const buffer = this.bufferFor(columns, fingerprint);
    buffer.add(change, partition, offset);
    if (buffer.rowCount >= this.limits.rows || buffer.bytes >= this.limits.bytes) this.seal();
  }

  /** A truncate cuts the batch: earlier rows go out first, then the truncate on its own. */
  truncate(table: TableRef, lsn: bigint, txLsn: bigint, sourceTsUs: bigint, partition: number, offset: number): void {
    this.switchTo(table);
    this.seal();
    const marker = new CoalescingBuffer(this.open?.columns ?? [], '');
    marker.skip(partition, offset);
    this.enqueue({ kind: 'truncate', id: batchIdFor(this.topic, marker), table, buffer: marker, sealedAt: Date.now(), lsn, txLsn, sourceTsUs });
  }

  /** A message that produced no row (tombstone, dead letter): its offset rides with the open buffer. */
  skip(partition: number, offset: number): void {
    this.open ??= new CoalescingBuffer([], '');
    this.open.skip(partition, offset);
  }

  /** Seals the open buffer if its age limit has passed. */
  sealIfOlderThan(now: number): void {
    if (this.open && !this.open.isEmpty && now - this.open.createdAt >= this.limits.ageMs) this.seal();
  }

  seal(): void {
    const buffer = this.open;
    if (!buffer || buffer.isEmpty) return;
    this.open = null;
    const table = this.table ?? { topic: this.topic, schema: '', table: '' };
    this.enqueue({ kind: 'rows', id: batchIdFor(this.topic, buffer), table, buffer, sealedAt: Date.now() });
  }

  /** Forget everything not yet sealed: after a rebalance kafkajs re-delivers it from the last commit. */
  discardOpen(): void {
    this.open = null;
  }

  get bufferedBytes(): number {
    return (this.open?.bytes ?? 0) + this.sealed.reduce((sum, b) => sum + b.buffer.bytes, 0);
  }

  get bufferedRows(): number {
    return (this.open?.rowCount ?? 0) + this.sealed.reduce((sum, b) => sum + b.buffer.rowCount, 0);
  }

  get hasSealed(): boolean {
    return this.sealed.length > 0;
  }

  get isFlushing(): boolean {
    return this.flushing !== null;
  }

  /**
   * Writes the sealed batches one after another (a table's batches must be announced in order), with
   * `write` doing the work for one. Returns the running flush when one is already under way.
   */
  flush(write: (batch: SealedBatch) => Promise<void>): Promise<void> {
    if (this.flushing) return this.flushing;
    const drain = async () => {
      while (this.sealed.length > 0) {
        await write(this.sealed[0]!);
        this.sealed.shift();
      }
    };
    // Cleared in a callback, never inside `drain`: with nothing sealed, drain's own `finally` would run
    // before this assignment, leaving a settled promise behind that marks the table as flushing forever.
    const flushing = drain().finally(() => {
      if (this.flushing === flushing) this.flushing = null;
    });
    this.flushing = flushing;
    return flushing;
  }

  /** Events of another source table than the open buffer's: the buffer goes out under its own table first. */
  private switchTo(table: TableRef): void {
    const current = this.table;
    if (current && current.schema === table.schema && current.table === table.table) return;
    if (current) this.seal();
    this.table = table;
    this.limits = this.limitsFor(table);
  }

  private bufferFor(columns: readonly ColumnSpec[], fingerprint: string): CoalescingBuffer {
    const open = this.open;
    if (open && open.fingerprint === fingerprint) return open;
    const next = new CoalescingBuffer(columns, fingerprint);
    if (open && open.rowCount === 0) next.absorbOffsets(open);
    else if (open) this.seal();
    this.open = next;
    return next;
  }

  private enqueue(batch: SealedBatch): void {
    this.sealed.push(batch);
    this.onSealed(this);
  }
}
