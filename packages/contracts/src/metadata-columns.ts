/**
 * Columns pgshift adds. Batch files carry the staging ones after the table's own columns; target
 * tables carry the target ones. Names start with `_pgshift_` so they never collide with source columns.
 */
export const META = {
  /** Debezium op of the row's last change in the batch: c, u, d, r. */
  op: '_pgshift_op',
  /** Source LSN of that change (a PostgreSQL LSN as a 64-bit integer). */
  lsn: '_pgshift_lsn',
  /** Source commit time of that change. */
  sourceTs: '_pgshift_source_ts',
  /** Kafka partition and offset of that change on the change topic: the ledger's unit. */
  partition: '_pgshift_partition',
  offset: '_pgshift_offset',
  /**
   * Columns whose value did not come with the change (unchanged TOAST): `|3|7|` lists their positions
   * in the batch's column list; NULL when every value is present. The loader keeps the target's value.
   */
  unchanged: '_pgshift_unchanged',
  /** Target only: when the loader committed the row. */
  loadedAt: '_pgshift_loaded_at',
  /** Target only, soft-delete mode: the row was deleted at the source. */
  deleted: '_pgshift_deleted',
  deletedAt: '_pgshift_deleted_at',
} as const;

/** The staging columns a batch file carries after the table's columns, in this order. */
export const STAGING_META_COLUMNS = [
  META.op,
  META.lsn,
  META.sourceTs,
  META.partition,
  META.offset,
  META.unchanged,
] as const;

/** `|3|7|` for the given column positions; null when there are none. */
export function encodeUnchanged(positions: readonly number[]): string | null {
  return positions.length === 0 ? null : `|${positions.join('|')}|`;
}
