import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type BatchReady, type CopyManifest, parseS3Url } from '@pgshift/contracts';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ApplyResult, MergePlan, TargetColumn, TargetTable, WarehouseAdapter } from '../adapter.js';
import { BatchFileMissing, runDdl, StagedRowCountMismatch } from '../errors.js';
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
import { postgresDialect } from './dialect.js';

export interface PostgresAdapterOptions {
  /** A connection string or pg pool settings for the warehouse database. */
  connection: string | pg.PoolConfig;
  /** Reads the batch files; its endpoint and credentials are the caller's. Only applyBatch needs it. */
  s3?: S3Client;
  /** Called after each statement of a batch's transaction with how long it took (benchmarks, diagnostics). */
  onStatement?: (timing: StatementTiming) => void;
}

export interface StatementTiming {
  kind: MergeStatementKind | 'commit';
  ms: number;
  /** Rows the statement reported (COPY: rows copied). */
  rows: number;
}

/**
 * PostgreSQL as the warehouse. Runs the postgres dialect's merge statements in one transaction on one
 * connection; COPY is fed from S3 through the connection (`FROM STDIN`), one part file at a time, and
 * the rows COPY reports are checked against the batch's rowCount before anything else happens.
 */
export class PostgresAdapter implements WarehouseAdapter {
  readonly dialect = postgresDialect;
  readonly #pool: pg.Pool;
  readonly #s3: S3Client | undefined;
  readonly #onStatement: PostgresAdapterOptions['onStatement'];
  #ledgerReady: Promise<void> | null = null;
  /** Per target (by its ledger table's CREATE statement): its ledger table exists. */
  readonly #targetLedgers = new Map<string, Promise<void>>();

  constructor(options: PostgresAdapterOptions) {
    this.#pool = new pg.Pool(typeof options.connection === 'string' ? { connectionString: options.connection } : options.connection);
    this.#s3 = options.s3;
    this.#onStatement = options.onStatement;
    // An idle client's connection dropping must not crash the process; the next query reports it.
    this.#pool.on('error', () => undefined);
  }

  async describeTable(target: TargetTable): Promise<TargetColumn[] | null> {
    const { rows } = await this.#pool.query<InformationSchemaColumn>(
      `SELECT column_name, data_type, udt_name, character_maximum_length, numeric_precision, numeric_scale, is_nullable
         FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [foldIdentifier(target.schema, this.dialect.identifiers), foldIdentifier(target.table, this.dialect.identifiers)],
    );
    if (rows.length === 0) return null;
    return rows.map((row) => ({
      name: row.column_name,
      type: this.dialect.normaliseType(row.data_type === 'USER-DEFINED' || row.data_type === 'ARRAY' ? row.udt_name : row.data_type, {
        length: row.character_maximum_length,
        precision: row.data_type === 'numeric' ? row.numeric_precision : null,
        scale: row.data_type === 'numeric' ? row.numeric_scale : null,
      }),
      nullable: row.is_nullable === 'YES',
    }));
  }

  async executeDdl(steps: readonly DdlStep[]): Promise<void> {
    for (const step of steps) {
      if (typeof step === 'string') {
        await runDdl(step, (sql) => this.#pool.query(sql));
        continue;
      }
      const client = await this.#pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        for (const statement of step) await runDdl(statement, (sql) => client.query(sql));
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    }
  }

  async applyBatch(plan: MergePlan): Promise<ApplyResult> {
    await this.#ensureLedger(plan.target);
    const { batch } = plan;
    const [lock, ...statements] = mergeStatements(this.dialect, plan);
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      // One writer per target at a time (the same design as on Redshift, see LEDGER): the ledger filter relies on it.
      await client.query(lock!.sql);
      const ledger = await readLedgerWith(client, ledgerStreamOf(plan), txLsnRangeOf(batch)?.min);
      if (isCoveredByLedger(batch.offsets, ledger)) {
        await client.query('ROLLBACK');
        return { batchId: batch.batchId, rowsStaged: 0, rowsSkipped: batch.rowCount, alreadyApplied: true };
      }
      const counts = new Map<MergeStatementKind, number>();
      for (const statement of statements) {
        const started = performance.now();
        if (statement.kind === 'copy') {
          const staged = await this.#copyBatchFiles(client, statement.sql, batch);
          if (staged !== batch.rowCount) throw new StagedRowCountMismatch(batch.batchId, staged, batch.rowCount);
          counts.set('copy', staged);
        } else {
          const result = await client.query(statement.sql);
          counts.set(statement.kind, result.rowCount ?? 0);
        }
        this.#onStatement?.({ kind: statement.kind, ms: performance.now() - started, rows: counts.get(statement.kind) ?? 0 });
      }
      const committing = performance.now();
      await client.query('COMMIT');
      this.#onStatement?.({ kind: 'commit', ms: performance.now() - committing, rows: 0 });
      return {
        batchId: batch.batchId,
        rowsStaged: counts.get('copy') ?? 0,
        rowsSkipped: counts.get('ledger-filter') ?? 0,
        rowsBeforeTruncation: counts.get('truncation-filter') ?? 0,
        targetRowsRemoved: (counts.get('remove-target-rows') ?? 0) + (counts.get('truncate-target') ?? 0),
        targetRowsWritten: counts.get('write-target-rows') ?? 0,
        alreadyApplied: false,
      };
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async latestChangeLsn(target: TargetTable): Promise<bigint | null> {
    const { rows } = await this.#pool.query<{ lsn: string | null }>(selectLatestLsnStatement(this.dialect, target));
    const lsn = rows[0]?.lsn;
    return lsn === null || lsn === undefined ? null : BigInt(lsn);
  }

  async queryText(sql: string): Promise<TextRow[]> {
    const { rows } = await this.#pool.query(sql);
    return rows.map((row: Record<string, unknown>) => textRow(row));
  }

  async readLedger(stream: LedgerStream, changesFrom?: bigint | null): Promise<Map<number, bigint>> {
    await this.#ensureLedger(stream.target);
    return readLedgerWith(this.#pool, stream, changesFrom);
  }

  async clearLedger(target: TargetTable, { emptyTarget = false } = {}): Promise<number> {
    await this.#ensureLedger(target);
    if (!emptyTarget) return (await this.#pool.query(clearLedgerStatement(this.dialect, target))).rowCount ?? 0;
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const removed = (await client.query(clearLedgerStatement(this.dialect, target))).rowCount ?? 0;
      await client.query(emptyTargetStatement(this.dialect, target));
      await client.query(dropTombstonesStatement(this.dialect, target));
      await client.query('COMMIT');
      return removed;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /** Streams every part file of the batch's manifest through COPY … FROM STDIN; returns the rows copied. */
  async #copyBatchFiles(client: pg.PoolClient, copySql: string, batch: BatchReady): Promise<number> {
    const manifest = JSON.parse(
      await (await this.#open(batch.manifestUrl!))
        .setEncoding('utf8')
        .toArray()
        .then((parts) => parts.join('')),
    ) as CopyManifest;
    let rows = 0;
    for (const entry of manifest.entries) {
      const body = await this.#open(entry.url);
      const copy = client.query(copyFrom(copySql));
      await pipeline(body, createGunzip(), copy);
      rows += copy.rowCount;
    }
    return rows;
  }

  async #open(url: string): Promise<Readable> {
    const { bucket, key } = parseS3Url(url);
    if (!this.#s3) throw new Error('this PostgreSQL adapter was opened without an S3 client: it cannot read batch files');
    try {
      const response = await this.#s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return response.Body as Readable;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') throw new BatchFileMissing(url, { cause: error });
      throw error;
    }
  }

  /**
   * The shared schema (and old shared tables), then the target's ledger table, each once per adapter
   * (concurrent creators may race: the loser's error is harmless). The target's table is created and
   * filled from the old shared tables in one transaction, so only its creator copies.
   */
  #ensureLedger(target: TargetTable): Promise<void> {
    this.#ledgerReady ??= (async () => {
      for (const statement of createLedgerStatements(this.dialect)) {
        try {
          await this.#pool.query(statement);
        } catch (error) {
          if (!isAlreadyExists(error)) throw error;
        }
      }
    })().catch((error: unknown) => {
      this.#ledgerReady = null;
      throw error;
    });
    const statements = createTargetLedgerStatements(this.dialect, target);
    let ready = this.#targetLedgers.get(statements[0]!);
    if (!ready) {
      ready = this.#ledgerReady.then(async () => {
        const client = await this.#pool.connect();
        let broken: Error | undefined;
        try {
          await client.query('BEGIN');
          for (const statement of statements) await client.query(statement);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch((rollbackError: Error) => {
            broken = rollbackError;
          });
          if (!isAlreadyExists(error)) throw error;
        } finally {
          client.release(broken);
        }
      });
      ready.catch(() => this.#targetLedgers.delete(statements[0]!));
      this.#targetLedgers.set(statements[0]!, ready);
    }
    return ready;
  }
}

/** A concurrent or earlier creator's work: duplicate schema/table, or the catalog's unique index. */
function isAlreadyExists(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '23505' || code === '42P06' || code === '42P07';
}

interface InformationSchemaColumn {
  column_name: string;
  data_type: string;
  udt_name: string;
  character_maximum_length: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
  is_nullable: 'YES' | 'NO';
}

async function readLedgerWith(queryable: pg.Pool | pg.PoolClient, stream: LedgerStream, changesFrom?: bigint | null): Promise<Map<number, bigint>> {
  const { rows } = await queryable.query<{ partition: number; last_offset: string }>(selectLedgerStatement(postgresDialect, stream, changesFrom));
  return new Map(rows.map((row) => [row.partition, BigInt(row.last_offset)]));
}
