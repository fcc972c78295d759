import { qualifiedName, type BatchReady, type TableRef } from '@pgshift/contracts';
import { withRetry } from '@pgshift/runtime';
import {
  isNoChange,
  isRetryable,
  mapColumns,
  planSchemaEvolution,
  schemaEvolutionStatements,
  type TargetColumn,
  type TargetTable,
} from '@pgshift/warehouse';
import type { LoaderDeps } from './loader.js';

/** A batch whose values do not fit the warehouse under the `stop` oversize policy: permanent. */
export class OversizedValues extends Error {
  override name = 'OversizedValues';
}

interface QueuedBatch {
  event: BatchReady;
  /** Applied (or found already applied): its offset may be committed. */
  onDone: () => void;
  /** Not applied because the table is stopped: its offset must not be committed past. */
  onParked: () => void;
  /** Publishes a copy of the batch event that stopped the table, for operators to inspect. */
  onStopped: (error: unknown) => Promise<void>;
}

export interface TableLoaderDeps extends LoaderDeps {
  acquireSlot: () => Promise<void>;
  releaseSlot: () => void;
}

/**
 * One source table's batches, applied strictly in order: evolve the target's schema, then merge the
 * batch in one warehouse transaction. Transient errors are retried with backoff; a permanent one stops
 * this table only, while every other table goes on. A stopped table's batches are parked, never
 * skipped: its offsets are not committed past, so the failed batch and every later one are consumed
 * and tried again, in order, after the operator fixes the cause and the loader restarts (or the
 * group rebalances). Dead-lettering them instead would let later batches overtake them.
 */
export class TableLoader {
  readonly name: string;
  private readonly queue: QueuedBatch[] = [];
  private running: Promise<void> | null = null;
  private targetColumns: TargetColumn[] | null | undefined;
  stoppedReason: string | null = null;
  private applied = 0;
  private lastError: string | null = null;

  constructor(
    readonly source: TableRef,
    private readonly deps: TableLoaderDeps,
  ) {
    this.name = qualifiedName(source);
  }

  get target(): TargetTable {
    return { schema: this.deps.config.targetSchema ?? this.source.schema, table: this.source.table };
  }

  enqueue(event: BatchReady, callbacks: Omit<QueuedBatch, 'event'>): void {
    this.queue.push({ event, ...callbacks });
    this.running ??= this.drain().finally(() => (this.running = null));
  }

  /** After a rebalance: forget batches not yet started (Kafka delivers them again). */
  dropQueued(): void {
    this.queue.length = 0;
  }

  /** After a rebalance Kafka delivers a stopped table's parked batches again: try them once more. */
  resume(): void {
    if (this.stoppedReason === null) return;
    this.deps.logger.info({ table: this.name, reason: this.stoppedReason }, 'retrying a stopped table');
    this.stoppedReason = null;
    this.deps.metrics.tableState.set({ table: this.name }, 0);
  }

  async idle(): Promise<void> {
    await this.running;
  }

  describe() {
    return {
      state: this.stoppedReason ? 'stopped' : 'running',
      applied: this.applied,
      queued: this.queue.length,
      ...(this.stoppedReason ? { reason: this.stoppedReason } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const next = this.queue.shift()!;
      await this.deps.acquireSlot();
      try {
        await this.process(next);
      } finally {
        this.deps.releaseSlot();
      }
    }
  }

  private async process({ event, onDone, onParked, onStopped }: QueuedBatch): Promise<void> {
    const { logger, metrics } = this.deps;
    if (this.stoppedReason) {
      onParked();
      return;
    }
    const started = performance.now();
    try {
      const result = await withRetry(() => this.apply(event), {
        what: `apply batch ${event.batchId} to ${this.name}`,
        retries: 10,
        maxTimeoutMs: 30_000,
        isRetryable,
        onRetry: (error, attempt) => {
          this.lastError = error instanceof Error ? error.message : String(error);
          metrics.retries.inc({ table: this.name });
          logger.warn({ err: error, table: this.name, batchId: event.batchId, attempt }, 'transient failure; retrying');
          // A failed DDL or a concurrent change may have left our view of the target stale.
          this.targetColumns = undefined;
        },
      });
      this.applied++;
      this.lastError = null;
      metrics.batchesApplied.inc({ table: this.name, kind: event.kind });
      if (!result.alreadyApplied) {
        for (const op of ['c', 'u', 'd', 'r'] as const) metrics.rowsApplied.inc({ table: this.name, op }, event.rowsByOp[op]);
      }
      metrics.rowsSkipped.inc({ table: this.name }, result.rowsSkipped);
      metrics.loadSeconds.observe({ table: this.name }, (performance.now() - started) / 1000);
      if (event.sourceTimeRange) {
        metrics.endToEndLagSeconds.set({ table: this.name }, Math.max(0, (Date.now() - event.sourceTimeRange.maxMs) / 1000));
      }
      logger.info(
        {
          table: this.name,
          batchId: event.batchId,
          kind: event.kind,
          rows: event.rowCount,
          staged: result.rowsStaged,
          skipped: result.rowsSkipped,
          alreadyApplied: result.alreadyApplied,
          ms: Math.round(performance.now() - started),
        },
        'batch applied',
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.stoppedReason = message;
      this.lastError = message;
      metrics.tableState.set({ table: this.name }, 1);
      logger.error(
        { err: error, table: this.name, batchId: event.batchId },
        'table stopped: this batch and the later ones wait in Kafka (offsets not committed) until the cause is fixed and the loader restarts',
      );
      onParked();
      await onStopped(error);
      return;
    }
    onDone();
  }

  private async apply(event: BatchReady) {
    const { config, warehouse } = this.deps;
    this.checkOversizedValues(event);
    const target = this.target;
    const deleteMode = config.deleteModeFor(this.name);
    const columns = mapColumns(warehouse.dialect, event.columns);
    if (event.kind === 'rows') await this.evolveSchema(target, columns, deleteMode);
    // Truncates are rare: look afresh, another loader may have created the table meanwhile.
    else this.targetColumns = await warehouse.describeTable(target);
    return warehouse.applyBatch({
      batch: event,
      target,
      columns,
      options: { deleteMode, oversizePolicy: config.oversizePolicy },
      targetExists: this.targetColumns !== null,
    });
  }

  /**
   * Text over Redshift's VARCHAR limit (the batcher measures it): `stop` refuses the batch, which stops
   * the table; `truncate` lets COPY cut the values (TRUNCATECOLUMNS) and counts them. The PostgreSQL
   * warehouse stores text unbounded, so nothing is cut there.
   */
  private checkOversizedValues(event: BatchReady): void {
    if (event.oversizedValues.length === 0 || this.deps.warehouse.dialect.name !== 'redshift') return;
    const summary = event.oversizedValues.map((v) => `${v.column}: ${v.count} value(s), up to ${v.maxBytes} bytes`).join('; ');
    if (this.deps.config.oversizePolicy === 'stop') {
      throw new OversizedValues(`batch ${event.batchId} has text over 65,535 bytes (${summary}) and PGSHIFT_OVERSIZE_POLICY=stop`);
    }
    for (const v of event.oversizedValues) this.deps.metrics.valuesTruncated.inc({ table: this.name, column: v.column }, v.count);
    this.deps.logger.warn({ table: this.name, batchId: event.batchId, oversizedValues: event.oversizedValues }, 'text over 65,535 bytes is truncated to fit VARCHAR(65535)');
  }

  private async evolveSchema(target: TargetTable, columns: ReturnType<typeof mapColumns>, deleteMode: 'hard' | 'soft') {
    const { warehouse, config, metrics, logger } = this.deps;
    if (this.targetColumns === undefined) this.targetColumns = await warehouse.describeTable(target);
    const plan = planSchemaEvolution(warehouse.dialect, {
      target,
      columns,
      existing: this.targetColumns,
      deleteMode,
      dropRemovedColumns: config.dropRemovedColumns,
    });
    if (isNoChange(plan)) return;
    const statements = schemaEvolutionStatements(warehouse.dialect, target, plan);
    logger.info({ table: this.name, statements }, 'evolving the target table');
    await warehouse.executeDdl(statements);
    if (plan.createTable) metrics.schemaChanges.inc({ table: this.name, kind: 'create' });
    metrics.schemaChanges.inc({ table: this.name, kind: 'add_column' }, plan.addColumns.length);
    metrics.schemaChanges.inc({ table: this.name, kind: 'widen' }, plan.widenColumns.length);
    metrics.schemaChanges.inc({ table: this.name, kind: 'drop_column' }, plan.dropColumns.length);
    this.targetColumns = await warehouse.describeTable(target);
  }
}
