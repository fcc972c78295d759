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
  /**
   * The transaction's place in the source stream: Debezium's `source.sequence[0]`, the LSN of the commit
   * before the change's transaction (the change's own LSN when Debezium gives none). A change's source
   * position is (tx lsn, lsn): transactions in commit order, then changes in WAL order within one. Target
   * rows carry it with `_pgshift_lsn` so that an older image can never replace a newer one.
   */
  txLsn: '_pgshift_tx_lsn',
  /**
   * Staging only: for a create that changed the primary key (Debezium's `__debezium.oldkey`), the old
   * key's identity (the key's text for one key column, a JSON array of texts for several); the loader
   * takes unchanged TOAST values from the old key's row. NULL otherwise.
   */
  oldKey: '_pgshift_old_key',
  /**
   * Staging only: for the delete of a primary-key change's old key (Debezium's `__debezium.newkey`), the
   * new key's identity, in the form of `_pgshift_old_key`. The loader keeps the deleted row's values that
   * may come back unchanged until the new key's create has taken them (sql/key-change.ts). NULL otherwise.
   */
  newKey: '_pgshift_new_key',
  /** Target only: when the loader committed the row. */
  loadedAt: '_pgshift_loaded_at',
  /** Target only, soft-delete mode: the row was deleted at the source. */
  deleted: '_pgshift_deleted',
  deletedAt: '_pgshift_deleted_at',
} as const;

/**
 * The staging columns batch files carried before batch events listed them (`stagingColumns` absent):
 * no transaction position, no old key, and deletes holding the key only.
 */
export const LEGACY_STAGING_META_COLUMNS = [META.op, META.lsn, META.sourceTs, META.partition, META.offset, META.unchanged] as const;

/** The staging columns a batch file carries after the table's columns, in this order (a batch event lists them). */
export const STAGING_META_COLUMNS = [...LEGACY_STAGING_META_COLUMNS, META.txLsn, META.oldKey, META.newKey] as const;

export type StagingMetaColumn = (typeof STAGING_META_COLUMNS)[number];

/** `|3|7|` for the given column positions; null when there are none. */
export function encodeUnchanged(positions: readonly number[]): string | null {
  return positions.length === 0 ? null : `|${positions.join('|')}|`;
}
