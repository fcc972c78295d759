import type { Dialect } from './dialect.js';
import type { MergePlan, TargetTable } from './merge-plan.js';
import type { DdlStep } from './schema-evolution.js';
import type { LedgerStream } from './sql/ledger.js';
import type { TextQueries } from './text-queries.js';

export type { DeleteMode, MergeOptions, MergePlan, OversizePolicy, TargetTable, UnrepresentablePolicy } from './merge-plan.js';

/** A column as the warehouse reports it; `type` in the dialect's normalised spelling (Dialect.normaliseType). */
export interface TargetColumn {
  name: string;
  type: string;
  nullable: boolean;
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
  /** Cells that landed as their substitute (typing/substitutes.ts), each recorded in the target's record table. */
  cellsSubstituted?: number;
}

/** A warehouse: what the loader applies batches with, and (TextQueries) what the CLI reads it with. */
export interface WarehouseAdapter extends TextQueries {
  readonly dialect: Dialect;
  /** The target's columns, or null when the table does not exist. */
  describeTable(target: TargetTable): Promise<TargetColumn[] | null>;
  /**
   * Each step in order: a statement on its own, outside a transaction (Redshift's ALTER COLUMN TYPE must
   * be), or a list of statements as one transaction (a retype by copy, a column added with its default).
   */
  executeDdl(steps: readonly DdlStep[]): Promise<void>;
  /** One transaction: stage, count check, ledger filter, merge, ledger advance. */
  applyBatch(plan: MergePlan): Promise<ApplyResult>;
  /** The source LSN of the newest change in the target (`max(_pgshift_lsn)`); null when it has no row. */
  latestChangeLsn(target: TargetTable): Promise<bigint | null>;
  /**
   * Partition → last applied offset, for one stream (a change topic into one target). With `changesFrom`
   * (a batch's smallest transaction position, txLsnRangeOf), without the offsets a deleted and re-created
   * topic of the same name left: they cover nothing of that batch (see forgetRecreatedTopicStatement).
   */
  readLedger(stream: LedgerStream, changesFrom?: bigint | null): Promise<Map<number, bigint>>;
  /**
   * Forgets what was applied to a target (a deliberate reload): its ledger rows and its truncation
   * watermark, and with `emptyTarget` the target's rows too, in one transaction. Returns the ledger
   * rows removed.
   */
  clearLedger(target: TargetTable, options?: { emptyTarget?: boolean }): Promise<number>;
  close(): Promise<void>;
}
