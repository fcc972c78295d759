import type { BatchReady } from '@pgshift/contracts';
import type { MappedColumn } from './columns.js';
import type { Dialect } from './dialect.js';
import type { LedgerStream } from './sql/ledger.js';

/** Where a batch goes. */
export interface TargetTable {
  schema: string;
  table: string;
}

/** A column as the warehouse reports it; `type` in the dialect's normalised spelling (Dialect.normaliseType). */
export interface TargetColumn {
  name: string;
  type: string;
  nullable: boolean;
}

export type DeleteMode = 'hard' | 'soft';
export type OversizePolicy = 'truncate' | 'stop';

export interface MergeOptions {
  /** `hard`: deleted source rows are deleted. `soft`: they stay, marked `_pgshift_deleted`. */
  deleteMode: DeleteMode;
  /** Strings longer than the target column: cut them (`truncate`) or fail the batch (`stop`). */
  oversizePolicy: OversizePolicy;
}

/** One batch, resolved against its target: everything the merge statements need. */
export interface MergePlan {
  batch: BatchReady;
  target: TargetTable;
  options: MergeOptions;
  /** The batch's columns in the batch's (the CSV's) order, mapped to target names and types (mapColumns). */
  columns: MappedColumn[];
  /** False when the target table does not exist (a truncate before any row); row batches create it first. */
  targetExists?: boolean;
}

export interface ApplyResult {
  batchId: string;
  /** Rows COPY put in the staging table. */
  rowsStaged: number;
  /** Staged rows dropped because the ledger says their offset was already applied. */
  rowsSkipped: number;
  /** Staged rows dropped because they changed the table before a truncate that is already applied. */
  rowsBeforeTruncation?: number;
  /** Target rows removed by key (deleted rows and the old images of updated rows), or by a truncate. */
  targetRowsRemoved?: number;
  /** Rows written to the target (inserted rows and the new images of updated rows; soft deletes too). */
  targetRowsWritten?: number;
  /** Every offset of the batch was at or below the ledger: nothing was changed. */
  alreadyApplied: boolean;
}

export interface WarehouseAdapter {
  readonly dialect: Dialect;
  /** The target's columns, or null when the table does not exist. */
  describeTable(target: TargetTable): Promise<TargetColumn[] | null>;
  /** Each statement on its own, outside a transaction (Redshift's ALTER COLUMN TYPE must be). */
  executeDdl(statements: readonly string[]): Promise<void>;
  /** One transaction: stage, count check, ledger filter, merge, ledger advance. */
  applyBatch(plan: MergePlan): Promise<ApplyResult>;
  /** The source LSN of the newest change in the target (`max(_pgshift_lsn)`); null when it has no row. */
  latestChangeLsn(target: TargetTable): Promise<bigint | null>;
  /** Partition → last applied offset, for one stream (a change topic into one target). */
  readLedger(stream: LedgerStream): Promise<Map<number, bigint>>;
  /**
   * Forgets what was applied to a target (a deliberate reload): its ledger rows and its truncation
   * watermark, in one transaction. Returns the ledger rows removed.
   */
  clearLedger(target: TargetTable): Promise<number>;
  close(): Promise<void>;
}
