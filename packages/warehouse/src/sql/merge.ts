import { LEGACY_STAGING_META_COLUMNS, META, STAGING_META_COLUMNS, type StagingMetaColumn } from '@pgshift/contracts';
import { type MappedColumn, primaryKeyOf } from '../columns.js';
import type { Dialect } from '../dialect.js';
import { InvalidIdentifier, StatementLimitExceeded } from '../errors.js';
import type { MergePlan } from '../merge-plan.js';
import { parseSourceType } from '../typing/source-type.js';
import { mayBeToasted } from '../typing/type-class.js';
import { foldIdentifier, quoteIdentifier, quoteQualified } from './identifiers.js';
import { keepUnchangedFromOldKeyStatement, movedRowsStatements, oldKeyStagingType } from './key-change.js';
import {
  advanceLedgerStatements,
  advanceTruncationStatements,
  filterStagedByLedgerStatement,
  filterStagedByTruncationStatement,
  forgetRecreatedTopicStatement,
  ledgerCoversCondition,
  ledgerStreamOf,
  lockLedgerStatement,
} from './ledger.js';
import {
  createTombstoneTableStatement,
  DEFAULT_TOMBSTONE_RETENTION_MS,
  dropStaleAgainstTargetStatement,
  dropStaleAgainstTombstonesStatement,
  pruneTombstonesStatement,
  recordTombstonesStatements,
  tombstoneTableName,
} from './source-order.js';
import {
  createSubstitutesTableStatement,
  fromStaging,
  recordSubstitutesStatement,
  stagingTypeOf,
  substitutedColumns,
  toStaging,
  unrepresentableGuardStatement,
} from './substitutes.js';

/** Why a statement is in the list: adapters map results and failures by it (e.g. count-guard). */
export type MergeStatementKind =
  | 'lock-ledger'
  | 'ledger-forget-recreated'
  | 'create-staging'
  | 'copy'
  | 'count-guard'
  | 'ledger-filter'
  | 'truncation-filter'
  | 'create-tombstones'
  | 'stale-filter'
  | 'tombstone-filter'
  | 'create-moved-rows'
  | 'keep-unchanged-from-moved-rows'
  | 'keep-unchanged-from-old-key'
  | 'moved-rows-remove'
  | 'moved-rows-insert'
  | 'moved-rows-forget'
  | 'moved-rows-prune'
  | 'keep-unchanged'
  | 'unrepresentable-guard'
  | 'create-substitutes'
  | 'record-substitutes'
  | 'remove-target-rows'
  | 'write-target-rows'
  | 'tombstone-remove'
  | 'tombstone-insert'
  | 'tombstone-prune'
  | 'truncate-target'
  | 'truncation-remove'
  | 'truncation-insert'
  | 'ledger-update'
  | 'ledger-insert'
  | 'drop-staging';

export interface MergeStatement {
  kind: MergeStatementKind;
  sql: string;
}

/** The temporary table a batch is staged in; it lives for the batch's session only. */
export const STAGING_TABLE = '_pgshift_stage';

/** BatchExecuteStatement runs 1–40 statements, each at most 100 KB. */
export const MAX_STATEMENTS = 40;
export const MAX_STATEMENT_BYTES = 100 * 1024;

/**
 * The statements of one batch, in order, for ONE transaction (nothing here commits implicitly: no
 * TRUNCATE, no ALTER COLUMN TYPE). Redshift SQL is the reference: no MERGE, no ON CONFLICT, no aliases
 * on the table a DELETE or UPDATE changes.
 *
 * Every batch:
 *   lock-ledger         LOCK the target's ledger table, first (before anything takes a snapshot): loaders
 *                       of one target queue, and each sees what the one before it committed (see LEDGER)
 *   ledger-forget-recreated  (batches that carry their transaction positions) remove the ledger rows that a
 *                       deleted and re-created topic of the same name left (forgetRecreatedTopicStatement)
 * Rows batch:
 *   create-staging      CREATE TEMP TABLE with the batch's columns and the staging metadata columns
 *   copy                COPY the batch's files into it
 *   count-guard         (Redshift) fail the transaction unless COUNT(*) = the batch's rowCount
 *   ledger-filter       drop staged rows at or below the ledger's offset for their partition
 *   truncation-filter   drop staged rows below the topic's truncation watermark (changes a truncate
 *                       already applied has erased; see TRUNCATIONS)
 *   create-tombstones   (tables with a key, hard mode) the target's tombstone table, if missing
 *   stale-filter        (tables with a key) drop staged rows older, by source position, than the target's
 *                       row of their key (see source-order.ts)
 *   tombstone-filter    (tables with a key, hard mode) drop staged rows older than their key's latest delete
 *   create-moved-rows, keep-unchanged-from-moved-rows  (one-column key, hard mode, a batch with key changes) the moved-rows table if
 *                       missing; a primary-key change's unchanged TOAST values from its old key's moved row,
 *                       kept there by the old key's delete when that was applied first (see movedRowsStatements)
 *   keep-unchanged-from-old-key  (one-column key) a primary-key change's unchanged TOAST values from the
 *                       old key's target row (see key-change.ts)
 *   keep-unchanged      (tables with a key) put the target's value into unchanged TOAST columns (and, for
 *                       a delete, into the columns its last known image lacks: the batcher marks them); for
 *                       batches of older batchers, soft-delete mode takes every column of a delete
 *   moved-rows-remove/insert/forget/prune  (one-column key, hard mode) a moved key's delete keeps its values
 *                       in the moved rows; the staged creates' old keys' moved rows are forgotten; old ones pruned
 *   unrepresentable-guard  (columns with a substitution rule, policy stop) fail the transaction when a
 *                       written row holds a value its column cannot hold (typing/substitutes.ts)
 *   create-substitutes/record-substitutes  (such columns, policy substitute) the target's record table, if
 *                       missing, and a record per cell that lands as its substitute (sql/substitutes.ts)
 *   remove-target-rows  (tables with a key) DELETE the target rows of every staged key
 *   write-target-rows   INSERT the latest change per key by source position (all staged rows for tables
 *                       without a key); hard mode leaves deletes out, soft mode writes them marked deleted
 *   tombstone-remove/insert/prune  (tables with a key, hard mode) the staged keys' tombstones replaced by
 *                       their latest deletes; tombstones past the retention forgotten
 *   ledger-update/insert  ledger := max(ledger, batch's last offset) for each partition of the batch (and its
 *                       last_tx_lsn := max(last_tx_lsn, the batch's newest position))
 *   drop-staging
 * Truncate batch (at LSN T):
 *   truncate-target     unless the ledger already covers the batch, DELETE the target rows whose last
 *                       change is below T (soft mode: mark them deleted); rows changed after the truncate
 *                       but applied before it stay
 *   truncation-remove/insert  watermark := max(watermark, T)
 *   ledger-update/insert
 * A truncate batch without an LSN (lsnRange null) deletes every row and records no watermark.
 */
export function mergeStatements(dialect: Dialect, plan: MergePlan): MergeStatement[] {
  const { batch } = plan;
  const body = batch.kind === 'truncate' ? truncateStatements(dialect, plan) : rowStatements(dialect, plan);
  const stream = ledgerStreamOf(plan);
  const positions = txLsnRangeOf(batch);
  const ledger = advanceLedgerStatements(dialect, stream, batch.batchId, batch.offsets, positions?.max ?? null);
  const kinds: MergeStatementKind[] = ['ledger-update', 'ledger-insert'];
  const statements: MergeStatement[] = [{ kind: 'lock-ledger', sql: lockLedgerStatement(dialect, plan.target) }];
  const forget = positions === null ? null : forgetRecreatedTopicStatement(dialect, stream, batch.offsets, positions.min);
  if (forget !== null) statements.push({ kind: 'ledger-forget-recreated', sql: forget });
  statements.push(...body, ...ledger.map((sql, i) => ({ kind: kinds[i]!, sql })));
  if (batch.kind === 'rows') statements.push({ kind: 'drop-staging', sql: `DROP TABLE ${quoteIdentifier(STAGING_TABLE, dialect.identifiers)}` });
  checkLimits(statements);
  return statements;
}

function rowStatements(dialect: Dialect, plan: MergePlan): MergeStatement[] {
  const { batch } = plan;
  if (batch.manifestUrl === null) throw new Error(`batch ${batch.batchId} has rows but no manifest`);
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const stage = q(STAGING_TABLE);
  if (foldIdentifier(plan.target.table, dialect.identifiers) === STAGING_TABLE) {
    throw new InvalidIdentifier(`a target table cannot be named ${STAGING_TABLE}: pgshift stages batches under that name`);
  }
  const target = quoteQualified(plan.target.schema, plan.target.table, dialect.identifiers);
  const t = dialect.metaTypes;
  const stagingMetaTypes: Record<StagingMetaColumn, string> = {
    [META.op]: t.op,
    [META.lsn]: t.bigint,
    [META.sourceTs]: t.timestamp,
    [META.partition]: t.integer,
    [META.offset]: t.bigint,
    [META.unchanged]: t.positions,
    [META.txLsn]: t.bigint,
    [META.oldKey]: oldKeyStagingType(dialect, plan.columns),
    [META.newKey]: oldKeyStagingType(dialect, plan.columns),
  };
  // The staging table always has every metadata column; COPY fills those the batch's files carry (a
  // batch of an older batcher leaves the transaction position and the old key NULL).
  const stagedColumns = [
    ...plan.columns.map((c) => ({ name: c.name, type: stagingTypeOf(dialect, c) })),
    ...STAGING_META_COLUMNS.map((name) => ({ name, type: stagingMetaTypes[name] })),
  ];
  const filesColumns = [...plan.columns.map((c) => c.name), ...stagingColumnsOf(batch)];
  const keys = primaryKeyOf(plan.columns);
  const soft = plan.options.deleteMode === 'soft';
  const legacyDeletes = batch.stagingColumns === undefined;

  const statements: MergeStatement[] = [
    { kind: 'create-staging', sql: `CREATE TEMP TABLE ${stage} (${stagedColumns.map((c) => `${q(c.name)} ${c.type}`).join(', ')})` },
    {
      kind: 'copy',
      sql: dialect.copyIntoStaging({
        table: stage,
        columns: filesColumns.map((name) => q(name)),
        manifestUrl: batch.manifestUrl,
        truncateColumns: plan.options.oversizePolicy === 'truncate',
      }),
    },
  ];
  if (dialect.countGuardInSql) {
    // Redshift has no RAISE outside procedures: a division by zero fails the transaction instead.
    statements.push({
      kind: 'count-guard',
      sql: `SELECT 1 / (CASE WHEN COUNT(*) = ${batch.rowCount} THEN 1 ELSE 0 END) AS ${q('staged_row_count_matches')} FROM ${stage}`,
    });
  }
  statements.push({ kind: 'ledger-filter', sql: filterStagedByLedgerStatement(dialect, stage, ledgerStreamOf(plan), q(META.partition), q(META.offset)) });
  statements.push({ kind: 'truncation-filter', sql: filterStagedByTruncationStatement(dialect, stage, ledgerStreamOf(plan), q(META.lsn)) });

  const tombstones = tombstoneTableName(dialect, plan.target);
  if (keys.length > 0) {
    if (!soft) statements.push({ kind: 'create-tombstones', sql: createTombstoneTableStatement(dialect, plan.target, keys) });
    statements.push({ kind: 'stale-filter', sql: dropStaleAgainstTargetStatement(dialect, stage, target, keys) });
    if (!soft) statements.push({ kind: 'tombstone-filter', sql: dropStaleAgainstTombstonesStatement(dialect, stage, tombstones, keys) });
    // Only batches that hold one side of a primary-key change touch the moved rows (six statements fewer for all others).
    const moved =
      soft || legacyDeletes || (batch.keyChanges ?? 0) === 0 ? null : movedRowsStatements(dialect, plan.target, plan.columns, stage, mayBeUnchanged);
    if (moved !== null) {
      statements.push({ kind: 'create-moved-rows', sql: moved.create }, { kind: 'keep-unchanged-from-moved-rows', sql: moved.fill });
    }
    const fromOldKey = legacyDeletes ? null : keepUnchangedFromOldKeyStatement(dialect, plan.columns, stage, target, mayBeUnchanged);
    if (fromOldKey !== null) statements.push({ kind: 'keep-unchanged-from-old-key', sql: fromOldKey });
    const keepUnchanged = keepUnchangedStatement(dialect, plan.columns, stage, target, soft, legacyDeletes, moved !== null);
    if (keepUnchanged !== null) statements.push({ kind: 'keep-unchanged', sql: keepUnchanged });
    if (moved !== null) {
      statements.push(
        { kind: 'moved-rows-remove', sql: moved.record[0] },
        { kind: 'moved-rows-insert', sql: moved.record[1] },
        { kind: 'moved-rows-forget', sql: moved.forget },
      );
      if (batch.sourceTimeRange) {
        const retention = plan.options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS;
        statements.push({ kind: 'moved-rows-prune', sql: moved.prune(batch.sourceTimeRange.maxMs, retention) });
      }
    }
  }
  const substituted = substitutedColumns(dialect, plan.columns);
  if (substituted.length > 0) {
    if (plan.options.unrepresentablePolicy === 'stop') {
      statements.push({ kind: 'unrepresentable-guard', sql: unrepresentableGuardStatement(dialect, stage, substituted, soft) });
    } else {
      statements.push(
        { kind: 'create-substitutes', sql: createSubstitutesTableStatement(dialect, plan.target) },
        { kind: 'record-substitutes', sql: recordSubstitutesStatement(dialect, plan.target, stage, substituted, keys, batch.batchId, soft) },
      );
    }
  }
  if (keys.length > 0) {
    const keyMatch = keys.map((k) => `${target}.${q(k.name)} = ${stage}.${q(k.name)}`).join(' AND ');
    statements.push({ kind: 'remove-target-rows', sql: `DELETE FROM ${target} USING ${stage} WHERE ${keyMatch}` });
  }
  statements.push({ kind: 'write-target-rows', sql: insertStatement(dialect, plan.columns, stage, target, keys, soft) });
  if (keys.length > 0 && !soft) {
    const [remove, insert] = recordTombstonesStatements(dialect, stage, tombstones, keys, latestStagedRowsQuery(dialect, plan.columns, stage, keys));
    statements.push({ kind: 'tombstone-remove', sql: remove! }, { kind: 'tombstone-insert', sql: insert! });
    if (batch.sourceTimeRange) {
      const retention = plan.options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS;
      statements.push({ kind: 'tombstone-prune', sql: pruneTombstonesStatement(dialect, tombstones, batch.sourceTimeRange.maxMs, retention) });
    }
  }
  return statements;
}

/** The metadata columns the batch's files carry, in their order. */
function stagingColumnsOf(batch: MergePlan['batch']): readonly string[] {
  return batch.stagingColumns ?? LEGACY_STAGING_META_COLUMNS;
}

/**
 * Columns whose value can be an unchanged TOAST placeholder: every variable-length type
 * (typing/type-class.ts). Fixed-width types are never TOASTed, so they are left out of the UPDATE (it
 * stays small for wide tables).
 */
export function mayBeUnchanged(column: MappedColumn): boolean {
  return !column.primaryKey && mayBeToasted(parseSourceType(column.source.sourceType));
}

/**
 * Unchanged values from the target row of the same key. The batcher marks them: unchanged TOAST values,
 * and a delete's columns that its last known image lacks (any column). Hard mode skips deletes (they
 * are not written) and, for one-column keys, rows whose old key the previous statement served. Batches
 * of older batchers (`legacyDeletes`) did not mark deletes: soft mode takes every column of a delete.
 */
function keepUnchangedStatement(
  dialect: Dialect,
  columns: readonly MappedColumn[],
  stage: string,
  target: string,
  soft: boolean,
  legacyDeletes: boolean,
  keepsMovedRows: boolean,
): string | null {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const current = q('_pgshift_current');
  const unchanged = `${stage}.${q(META.unchanged)}`;
  const deleted = `${stage}.${q(META.op)} = 'd'`;
  const legacySoft = soft && legacyDeletes;
  const assignments: string[] = [];
  columns.forEach((column, position) => {
    if (column.primaryKey) return;
    const toast = mayBeUnchanged(column);
    // New batches mark any column of a delete; only soft mode writes deletes.
    const marked = toast || (soft && !legacyDeletes);
    if (!marked && !legacySoft) return;
    const conditions = [...(legacySoft ? [deleted] : []), ...(marked ? [`${unchanged} LIKE '%|${position}|%'`] : [])];
    const currentValue = toStaging(dialect, column, `${current}.${q(column.name)}`);
    assignments.push(`${q(column.name)} = CASE WHEN ${conditions.join(' OR ')} THEN ${currentValue} ELSE ${stage}.${q(column.name)} END`);
  });
  if (assignments.length === 0) return null;
  const keys = columns.filter((c) => c.primaryKey);
  const keyMatch = keys.map((k) => `${stage}.${q(k.name)} = ${current}.${q(k.name)}`);
  const needed = legacySoft ? [`(${unchanged} IS NOT NULL OR ${deleted})`] : [`${unchanged} IS NOT NULL`];
  // Hard mode writes no delete, except into the moved rows: a moved key's delete needs its values.
  if (!soft) needed.push(keepsMovedRows ? `(${stage}.${q(META.op)} <> 'd' OR ${stage}.${q(META.newKey)} IS NOT NULL)` : `${stage}.${q(META.op)} <> 'd'`);
  // A moved row's values come from its old key's row, not from an earlier row of the new key.
  if (!legacyDeletes && keys.length === 1) needed.push(`${stage}.${q(META.oldKey)} IS NULL`);
  return `UPDATE ${stage} SET ${assignments.join(', ')} FROM ${target} AS ${current} WHERE ${[...keyMatch, ...needed].join(' AND ')}`;
}

function insertStatement(
  dialect: Dialect,
  columns: readonly MappedColumn[],
  stage: string,
  target: string,
  keys: readonly MappedColumn[],
  soft: boolean,
): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const isDelete = `${q(META.op)} = 'd'`;
  const into: string[] = [...columns.map((c) => q(c.name)), q(META.lsn), q(META.txLsn), q(META.sourceTs), q(META.loadedAt)];
  const values: string[] = [...columns.map((c) => fromStaging(dialect, c, q(c.name))), q(META.lsn), q(META.txLsn), q(META.sourceTs), dialect.loadedAt];
  if (soft) {
    into.push(q(META.deleted), q(META.deletedAt));
    values.push(`CASE WHEN ${isDelete} THEN TRUE ELSE FALSE END`, `CASE WHEN ${isDelete} THEN COALESCE(${q(META.sourceTs)}, ${dialect.loadedAt}) END`);
  }
  if (keys.length === 0) {
    // Append-only: every change is a row of its own, deletes included.
    into.push(q(META.op), q(META.partition), q(META.offset));
    values.push(q(META.op), q(META.partition), q(META.offset));
    return `INSERT INTO ${target} (${into.join(', ')}) SELECT ${values.join(', ')} FROM ${stage}`;
  }
  const latest = q('_pgshift_latest');
  const where = soft ? '' : ` WHERE ${q(META.op)} <> 'd'`;
  return `INSERT INTO ${target} (${into.join(', ')}) SELECT ${values.join(', ')} FROM (${latestStagedRowsQuery(dialect, columns, stage, keys)}) AS ${latest}${where}`;
}

/**
 * The latest staged row per key, by source position (then offset, for a duplicate). The batcher already
 * keeps one row per key; ranking again makes a duplicate or a batch of an older batcher harmless.
 */
function latestStagedRowsQuery(dialect: Dialect, columns: readonly MappedColumn[], stage: string, keys: readonly MappedColumn[]): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const rank = q('_pgshift_rank');
  const ranked = q('_pgshift_ranked');
  const stagedNames = [...columns.map((c) => q(c.name)), q(META.op), q(META.lsn), q(META.txLsn), q(META.sourceTs)];
  const order = [`COALESCE(${q(META.txLsn)}, ${q(META.lsn)}) DESC`, `${q(META.lsn)} DESC`, `${q(META.offset)} DESC`];
  return (
    `SELECT ${stagedNames.join(', ')} FROM (SELECT ${stagedNames.join(', ')}, ` +
    `ROW_NUMBER() OVER (PARTITION BY ${keys.map((k) => q(k.name)).join(', ')} ORDER BY ${order.join(', ')}) AS ${rank} FROM ${stage}) AS ${ranked} WHERE ${rank} = 1`
  );
}

function truncateStatements(dialect: Dialect, plan: MergePlan): MergeStatement[] {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const target = quoteQualified(plan.target.schema, plan.target.table, dialect.identifiers);
  const { batch } = plan;
  const covered = batch.offsets.length > 0 ? ledgerCoversCondition(dialect, ledgerStreamOf(plan), batch.offsets) : 'FALSE';
  const lsn = truncateLsn(batch);
  const beforeTruncate = lsn === null ? [] : [`${q(META.lsn)} < ${lsn}`];
  const watermark: MergeStatement[] =
    lsn === null
      ? []
      : advanceTruncationStatements(dialect, ledgerStreamOf(plan), batch.batchId, lsn).map((sql, i) => ({
          kind: i === 0 ? 'truncation-remove' : 'truncation-insert',
          sql,
        }));
  // A truncate that reaches a table not created yet (no row batch before it) has nothing to delete, but
  // its watermark and ledger still move: changes from before it must never be written afterwards.
  if (plan.targetExists === false) return watermark;
  if (plan.options.deleteMode === 'hard') {
    // Never TRUNCATE: it commits the transaction implicitly on Redshift.
    return [{ kind: 'truncate-target', sql: `DELETE FROM ${target} WHERE ${[...beforeTruncate, `NOT (${covered})`].join(' AND ')}` }, ...watermark];
  }
  const deletedAt = batch.sourceTimeRange ? dialect.timestampLiteral(batch.sourceTimeRange.maxMs) : dialect.loadedAt;
  // The truncate becomes the marked rows' last change.
  const lastChange = lsn === null ? '' : `, ${q(META.lsn)} = ${lsn}`;
  return [
    {
      kind: 'truncate-target',
      sql:
        `UPDATE ${target} SET ${q(META.deleted)} = TRUE, ${q(META.deletedAt)} = ${deletedAt}, ${q(META.loadedAt)} = ${dialect.loadedAt}${lastChange} ` +
        `WHERE ${[`(${q(META.deleted)} IS NULL OR ${q(META.deleted)} = FALSE)`, ...beforeTruncate, `NOT (${covered})`].join(' AND ')}`,
    },
    ...watermark,
  ];
}

/** The batch's transaction positions (BatchReady.txLsnRange) as numbers; null for batches of older batchers. */
export function txLsnRangeOf(batch: Pick<MergePlan['batch'], 'batchId' | 'txLsnRange'>): { min: bigint; max: bigint } | null {
  const range = batch.txLsnRange;
  if (range == null) return null;
  if (!/^\d+$/.test(range.min) || !/^\d+$/.test(range.max))
    throw new Error(`batch ${batch.batchId} has an invalid transaction position: ${JSON.stringify(range)}`);
  return { min: BigInt(range.min), max: BigInt(range.max) };
}

/** The truncate's LSN: the batch holds the truncate only, so min = max; max is the latest if it ever held more. */
function truncateLsn(batch: MergePlan['batch']): bigint | null {
  if (batch.lsnRange === null) return null;
  if (!/^\d+$/.test(batch.lsnRange.max)) throw new Error(`batch ${batch.batchId} has an invalid LSN: ${JSON.stringify(batch.lsnRange.max)}`);
  return BigInt(batch.lsnRange.max);
}

function checkLimits(statements: readonly MergeStatement[]): void {
  if (statements.length > MAX_STATEMENTS) throw new StatementLimitExceeded(`a batch needs ${statements.length} statements; the limit is ${MAX_STATEMENTS}`);
  for (const statement of statements) {
    const bytes = Buffer.byteLength(statement.sql, 'utf8');
    if (bytes > MAX_STATEMENT_BYTES) {
      throw new StatementLimitExceeded(`the ${statement.kind} statement is ${bytes} bytes; the limit is ${MAX_STATEMENT_BYTES}`);
    }
  }
}
