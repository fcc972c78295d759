import type { CellValue, ColumnSpec } from '@pgshift/contracts';

/** Debezium's op: create, update, delete, snapshot read, truncate. */
export type Op = 'c' | 'u' | 'd' | 'r' | 't';

/** One decoded row change, every value in its exact text form. */
export interface ChangeEvent {
  op: Op;
  /** From source.schema / source.table. */
  schema: string;
  table: string;
  /** source.lsn */
  lsn: bigint;
  /** The transaction's place in the stream (source.sequence[0], else lsn): see SourcePosition. */
  txLsn: bigint;
  txId: bigint | null;
  /** Source commit time in µs: source.ts_us when present, else source.ts_ms × 1000. */
  sourceTsUs: bigint;
  /** True for snapshot reads (source.snapshot true/first/last/incremental …). */
  snapshot: boolean;
  /** The row's columns; the same array instance for every event of one value (and key) schema. */
  columns: readonly ColumnSpec[];
  /** schemaFingerprint(columns) */
  fingerprint: string;
  /** Aligned with columns: `after` for c/u/r, `before` for d, null for t. */
  values: CellValue[] | null;
  /** Identity of the primary-key values within the table (the text of a one-column key, else a JSON array of texts); null without a key or for t. */
  key: string | null;
  /**
   * A create that changed the primary key (Debezium's `__debezium.oldkey` header): the old key's identity,
   * in the form of `key`; null otherwise, or when the header cannot be read.
   */
  oldKey: string | null;
  /**
   * The delete of the old key of a primary-key change (Debezium's `__debezium.newkey` header): the new
   * key's identity, in the form of `key`; null otherwise, or when the header cannot be read.
   */
  newKey: string | null;
}

/** Why a message is not a change event pgshift can use; `reason` is a stable, machine-readable code. */
export class DecodeError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}
