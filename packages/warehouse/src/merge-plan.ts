import type { BatchReady } from '@pgshift/contracts';
import type { MappedColumn } from './columns.js';

/**
 * What the statement builders (sql/*) take: a target and a batch resolved against it. Pure data, kept
 * apart from adapter.ts so that the SQL does not depend on the code that executes it.
 */

/** Where a batch goes. */
export interface TargetTable {
  schema: string;
  table: string;
}

export type DeleteMode = 'hard' | 'soft';
export type OversizePolicy = 'truncate' | 'stop';
/** A value its column cannot hold (typing/substitutes.ts): land its substitute and record it, or fail the batch. */
export type UnrepresentablePolicy = 'substitute' | 'stop';

export interface MergeOptions {
  /** `hard`: deleted source rows are deleted. `soft`: they stay, marked `_pgshift_deleted`. */
  deleteMode: DeleteMode;
  /** Strings longer than the target column: cut them (`truncate`) or fail the batch (`stop`). */
  oversizePolicy: OversizePolicy;
  /** Values the target cannot hold (infinity, NaN, numeric overflow on Redshift); `substitute` by default. */
  unrepresentablePolicy?: UnrepresentablePolicy;
  /** Hard mode: how long (source time) a delete's tombstone guards its key against stale images; 7 days by default. */
  tombstoneRetentionMs?: number;
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
