import type { ApplyResult, MergePlan, TargetColumn, TargetTable, WarehouseAdapter } from '../adapter.js';
import type { Dialect } from '../dialect.js';
import { BatchFileMissing, runDdl, StagedRowCountMismatch, UnrepresentableValues } from '../errors.js';
import type { DdlStep } from '../schema-evolution.js';
import { emptyTargetStatement } from '../sql/ddl.js';
import { foldIdentifier } from '../sql/identifiers.js';
import {
  clearLedgerStatement,
  createLedgerStatements,
  createTargetLedgerStatements,
  isCoveredByLedger,
  type LedgerStream,
  ledgerStreamOf,
  selectLedgerStatement,
} from '../sql/ledger.js';
import { type MergeStatementKind, mergeStatements, txLsnRangeOf } from '../sql/merge.js';
import { dropTombstonesStatement } from '../sql/source-order.js';
import { selectLatestLsnStatement } from '../sql/target-position.js';
import { type TextRow, textRow } from '../text-queries.js';
import { type DataApiClientOptions, RedshiftDataApiClient, RedshiftStatementError } from './data-api-client.js';
import { createRedshiftDialect, type RedshiftDialectOptions } from './dialect.js';
import { attachLoadErrors, isLoadFailure } from './load-errors.js';

export interface RedshiftAdapterOptions {
  /** Where and how to reach the Data API (target, region, credentials, polling), or a ready client. */
  dataApi: DataApiClientOptions | RedshiftDataApiClient;
  /** COPY's IAM role and the bucket's region; identifier case rules. */
  dialect: RedshiftDialectOptions;
}

/**
 * Amazon Redshift through the Data API. A batch's merge statements go in ONE BatchExecuteStatement (one
 * transaction, one session: the staging temp table lives exactly as long as the batch). DDL runs one
 * ExecuteStatement per statement, outside any transaction, as ALTER COLUMN TYPE requires.
 */
export class RedshiftAdapter implements WarehouseAdapter {
  readonly dialect: Dialect;
  readonly #client: RedshiftDataApiClient;
  readonly #ownsClient: boolean;
  #ledgerReady: Promise<void> | null = null;
  /** Per target (by its ledger table's name): its ledger table exists. */
  readonly #targetLedgers = new Map<string, Promise<void>>();

  constructor(options: RedshiftAdapterOptions) {
    this.dialect = createRedshiftDialect(options.dialect);
    this.#ownsClient = !(options.dataApi instanceof RedshiftDataApiClient);
    this.#client = options.dataApi instanceof RedshiftDataApiClient ? options.dataApi : new RedshiftDataApiClient(options.dataApi);
  }

  async describeTable(target: TargetTable): Promise<TargetColumn[] | null> {
    const literal = (name: string) => this.dialect.literal(foldIdentifier(name, this.dialect.identifiers));
    const { rows } = await this.#client.query(
      `SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable FROM svv_columns ` +
        `WHERE table_schema = ${literal(target.schema)} AND table_name = ${literal(target.table)} ORDER BY ordinal_position`,
    );
    if (rows.length === 0) return null;
    const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));
    return rows.map((row) => {
      const dataType = String(row.data_type);
      const numeric = /^(numeric|decimal)/i.test(dataType);
      return {
        name: String(row.column_name),
        type: this.dialect.normaliseType(dataType, {
          length: numberOrNull(row.character_maximum_length),
          precision: numeric ? numberOrNull(row.numeric_precision) : null,
          scale: numeric ? numberOrNull(row.numeric_scale) : null,
        }),
        nullable: row.is_nullable === 'YES',
      };
    });
  }

  async executeDdl(steps: readonly DdlStep[]): Promise<void> {
    for (const step of steps) {
      if (typeof step === 'string') await runDdl(step, (sql) => this.#client.execute(sql));
      // One BatchExecuteStatement: one transaction.
      else await runDdl(step.join('; '), () => this.#client.executeBatch([...step]));
    }
  }

  async applyBatch(plan: MergePlan): Promise<ApplyResult> {
    await this.#ensureLedger(plan.target);
    const { batch } = plan;
    const ledger = await this.readLedger(ledgerStreamOf(plan), txLsnRangeOf(batch)?.min);
    // Only a shortcut: the transaction's ledger filter is what keeps an applied batch from applying twice.
    if (isCoveredByLedger(batch.offsets, ledger)) {
      return { batchId: batch.batchId, rowsStaged: 0, rowsSkipped: batch.rowCount, alreadyApplied: true };
    }
    const statements = mergeStatements(this.dialect, plan);
    let outcome: Awaited<ReturnType<RedshiftDataApiClient['executeBatch']>>;
    try {
      outcome = await this.#client.executeBatch(statements.map((s) => s.sql));
    } catch (error) {
      throw await this.#explain(error, statements[(error as RedshiftStatementError).statementIndex ?? -1]?.kind, plan);
    }
    const rows = (kind: MergeStatementKind) =>
      statements.reduce((sum, s, i) => (s.kind === kind ? sum + Math.max(0, outcome.subStatements[i]?.resultRows ?? 0) : sum), 0);
    return {
      batchId: batch.batchId,
      rowsStaged: rows('copy'),
      rowsSkipped: rows('ledger-filter'),
      rowsBeforeTruncation: rows('truncation-filter'),
      targetRowsRemoved: rows('remove-target-rows') + rows('truncate-target'),
      targetRowsWritten: rows('write-target-rows'),
      alreadyApplied: false,
      ...(rows('record-substitutes') > 0 ? { cellsSubstituted: rows('record-substitutes') } : {}),
    };
  }

  async latestChangeLsn(target: TargetTable): Promise<bigint | null> {
    const { rows } = await this.#client.query(selectLatestLsnStatement(this.dialect, target));
    const lsn = rows[0]?.lsn;
    return lsn === null || lsn === undefined ? null : BigInt(String(lsn));
  }

  async queryText(sql: string): Promise<TextRow[]> {
    const { rows } = await this.#client.query(sql);
    return rows.map((row) => textRow(row));
  }

  async readLedger(stream: LedgerStream, changesFrom?: bigint | null): Promise<Map<number, bigint>> {
    await this.#ensureLedger(stream.target);
    const { rows } = await this.#client.query(selectLedgerStatement(this.dialect, stream, changesFrom));
    return new Map(rows.map((row) => [Number(row.partition), BigInt(String(row.last_offset))]));
  }

  async clearLedger(target: TargetTable, { emptyTarget = false } = {}): Promise<number> {
    await this.#ensureLedger(target);
    if (!emptyTarget) return Math.max(0, (await this.#client.execute(clearLedgerStatement(this.dialect, target))).resultRows);
    // One transaction (a batch), and DELETE rather than TRUNCATE, which would commit it on its own.
    const outcome = await this.#client.executeBatch([
      clearLedgerStatement(this.dialect, target),
      emptyTargetStatement(this.dialect, target),
      dropTombstonesStatement(this.dialect, target),
    ]);
    return Math.max(0, outcome.subStatements[0]?.resultRows ?? 0);
  }

  async close(): Promise<void> {
    if (this.#ownsClient) this.#client.close();
  }

  /** Turns a failed batch into the error the loader acts on, by the kind of statement that failed. */
  async #explain(error: unknown, kind: MergeStatementKind | undefined, plan: MergePlan): Promise<unknown> {
    if (!(error instanceof RedshiftStatementError)) return error;
    if (kind === 'count-guard' && /division by zero/i.test(error.redshiftError)) {
      return Object.assign(new StagedRowCountMismatch(plan.batch.batchId, null, plan.batch.rowCount), { cause: error });
    }
    if (kind === 'unrepresentable-guard' && /division by zero/i.test(error.redshiftError)) {
      return new UnrepresentableValues(plan.batch.batchId, { cause: error });
    }
    if (kind === 'copy') {
      const missing = /'(s3:\/\/[^']+)' is mandatory|NoSuchKey.*?(s3:\/\/\S+)/i.exec(error.redshiftError);
      if (missing) return new BatchFileMissing(missing[1] ?? missing[2] ?? plan.batch.manifestUrl ?? '', { cause: error });
      if (isLoadFailure(error)) return attachLoadErrors(this.#client, error);
    }
    return error;
  }

  /**
   * The shared schema (and old shared tables), then the target's ledger table, each once per adapter. The
   * target's table is created and filled from the old shared tables in one transaction; when it exists
   * already (another loader, an earlier run) that transaction fails with "already exists" and copies nothing.
   */
  #ensureLedger(target: TargetTable): Promise<void> {
    this.#ledgerReady ??= (async () => {
      for (const statement of createLedgerStatements(this.dialect)) {
        try {
          await this.#client.execute(statement);
        } catch (error) {
          if (!isAlreadyExists(error)) throw error;
        }
      }
    })().catch((error: unknown) => {
      this.#ledgerReady = null;
      throw error;
    });
    const key = createTargetLedgerStatements(this.dialect, target)[0]!;
    let ready = this.#targetLedgers.get(key);
    if (!ready) {
      ready = this.#ledgerReady
        .then(() => this.#client.executeBatch(createTargetLedgerStatements(this.dialect, target)))
        .then(
          () => undefined,
          (error: unknown) => {
            if (!isAlreadyExists(error)) throw error;
          },
        );
      ready.catch(() => this.#targetLedgers.delete(key));
      this.#targetLedgers.set(key, ready);
    }
    return ready;
  }
}

function isAlreadyExists(error: unknown): boolean {
  return error instanceof RedshiftStatementError && /already exists|duplicate key/i.test(error.redshiftError);
}
