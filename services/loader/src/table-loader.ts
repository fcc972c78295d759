import {
  type BatchReady,
  CONTINUOUS,
  defaultControl,
  formatSchedule,
  loadableUpTo,
  nextWindowAfter,
  parseSchedule,
  qualifiedName,
  type Schedule,
  type TableControl,
  type TableRef,
  type TableStatus,
} from '@pgshift/contracts';
import type { Logger } from '@pgshift/runtime';
import {
  type ApplyResult,
  isCoveredByLedger,
  isNoChange,
  isRetryable,
  ledgerStreamOf,
  mapColumns,
  planSchemaEvolution,
  schemaEvolutionStatements,
  type TargetColumn,
  type TargetTable,
  txLsnRangeOf,
  type WarehouseAdapter,
} from '@pgshift/warehouse';
import { backoffDelay, WakeableSleep } from './backoff.js';
import type { LoaderConfig } from './config.js';
import type { LoaderMetrics } from './metrics.js';
import { loggedResyncRequests, type ResyncRequests } from './resync-requests.js';

/** A schema change pgshift cannot reproduce on the rows already loaded, under PGSHIFT_SCHEMA_CHANGE_POLICY=stop: permanent. */
export class NonReproducibleSchemaChange extends Error {
  override name = 'NonReproducibleSchemaChange';
  constructor(readonly reasons: readonly string[]) {
    super(`schema change not reproducible on the rows already loaded (PGSHIFT_SCHEMA_CHANGE_POLICY=stop; resync the table): ${reasons.join('; ')}`);
  }
}

/** A batch whose values do not fit the warehouse under the `stop` oversize policy: permanent. */
export class OversizedValues extends Error {
  override name = 'OversizedValues';
}

interface QueuedBatch {
  event: BatchReady;
  /** The consumer group generation it was consumed in: after a rejoin Kafka delivers it again. */
  generation: number;
  /** Applied (or found already applied): its offset may be committed. */
  onDone: () => void;
  /** Not applied because the table is stopped: its offset must not be committed past. */
  onParked: () => void;
  /** Publishes a copy of the batch event that stopped the table, for operators to inspect. */
  onStopped: (error: unknown) => Promise<void>;
  parked: boolean;
  /** The batches-topic partition it was consumed from. */
  partition: number;
}

/** How long a held table (paused, between windows) sleeps before it looks again, unless woken. */
const HOLD_RECHECK_MS = 30_000;

/** What a table loader uses: the warehouse, its settings, a slot among the tables loaded at once. */
export interface TableLoaderDeps {
  config: Pick<LoaderConfig, 'targetSchema' | 'deleteModeFor' | 'oversizePolicy' | 'dropRemovedColumns' | 'retry'> &
    Partial<Pick<LoaderConfig, 'unrepresentablePolicy' | 'schemaChangePolicy' | 'tableDesignFor'>>;
  /** Where a resync is asked for (PGSHIFT_SCHEMA_CHANGE_POLICY=resync); logged only when absent. */
  resyncRequests?: ResyncRequests;
  warehouse: WarehouseAdapter;
  metrics: LoaderMetrics;
  logger: Logger;
  /** Runs `work` once one of the loader's table slots is free (PGSHIFT_TABLE_CONCURRENCY). */
  withSlot: <T>(work: () => Promise<T>) => Promise<T>;
}

/**
 * What a table is doing. `waiting`: a transient failure (the warehouse unreachable, a conflict) is
 * retried for as long as it lasts. `stopped`: a permanent failure; the table's batches wait, in order,
 * and the first of them is tried again after a backoff (or at once on a rejoin), so a cause fixed
 * meanwhile needs no restart.
 */
export type TableState =
  | { kind: 'streaming' }
  | { kind: 'waiting'; reason: string; since: number; attempts: number }
  | { kind: 'stopped'; reason: string; since: number; attempts: number; retryAt: number };

/**
 * One source table's batches, applied strictly in order: evolve the target's schema, then merge the
 * batch in one warehouse transaction. The queue's head is taken off only once it is applied: a
 * batch is never overtaken by a later one, whatever fails, rebalances or waits meanwhile. A batch
 * consumed under an older group generation is never applied (Kafka delivers it again, in order,
 * with the batches before it).
 */
export class TableLoader {
  readonly name: string;
  private readonly queue: QueuedBatch[] = [];
  private running: Promise<void> | null = null;
  private targetColumns: TargetColumn[] | null | undefined;
  /** The columns of the last batch applied (what tells a rename or a re-added column); unknown after a start. */
  private previousColumns: ReturnType<typeof mapColumns> | null = null;
  /** Why the warehouse copy is incomplete (TableStatus.incomplete), until a resync. */
  private incomplete: string | null = null;
  private state: TableState = { kind: 'streaming' };
  private generation = 0;
  private closed = false;
  private readonly pause = new WakeableSleep();
  private applied = 0;
  private rowsApplied = 0;
  private lastAppliedAt: number | null = null;
  /** Cells landed as their documented substitute since this instance started (pgshift.substitutes_… has them all). */
  private cellsSubstituted = 0;
  private lastError: string | null = null;
  private lastPartition: number | null = null;
  private control: TableControl;
  private schedule: Schedule = CONTINUOUS;
  /** Why the queue's head is not being applied now: its batches are parked (offsets held, not pending work). */
  private holding: 'paused' | 'scheduled' | 'stopped' | null = null;

  constructor(
    readonly source: TableRef,
    private readonly deps: TableLoaderDeps,
  ) {
    this.name = qualifiedName(source);
    this.control = defaultControl(this.name);
  }

  /**
   * The operator's control of this table (from the control topic). A pause or a schedule holds the
   * queue's head; a resume or a window opening lets it go; a retry request newer than the last one
   * seen makes a stopped table try its batch at once. `initial`: the record as it stood when the table
   * was first seen (a retry asked for before is not a request to this loader).
   */
  setControl(control: TableControl, { initial = false } = {}): void {
    const previous = this.control;
    this.control = control;
    try {
      this.schedule = parseSchedule(control.schedule);
    } catch {
      this.schedule = CONTINUOUS;
    }
    this.deps.metrics.tablePaused.set({ table: this.name }, control.paused ? 1 : 0);
    if (!initial && control.retryRequestedAt !== null && control.retryRequestedAt !== previous.retryRequestedAt) this.retryNow();
    if (control.paused !== previous.paused || control.schedule !== previous.schedule) {
      if (!initial)
        this.deps.logger.info({ table: this.name, paused: control.paused, schedule: control.schedule, by: control.updatedBy }, 'table control changed');
      this.pause.wake();
    }
  }

  get target(): TargetTable {
    return { schema: this.deps.config.targetSchema ?? this.source.schema, table: this.source.table };
  }

  get stoppedReason(): string | null {
    return this.state.kind === 'stopped' ? this.state.reason : null;
  }

  get waitingReason(): string | null {
    return this.state.kind === 'waiting' ? this.state.reason : null;
  }

  enqueue(event: BatchReady, generation: number, callbacks: Omit<QueuedBatch, 'event' | 'generation' | 'parked'>): void {
    if (generation !== this.generation || this.closed) return;
    const entry: QueuedBatch = { event, generation, ...callbacks, parked: false };
    this.queue.push(entry);
    this.lastPartition = callbacks.partition;
    if (this.state.kind === 'stopped' || this.holding !== null) this.parkQueued();
    this.kick();
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = null;
      // An event enqueued while the loop was on its way out.
      if (!this.closed && this.queue.length > 0) this.kick();
    });
  }

  /**
   * The group was joined again: Kafka delivers everything not committed once more, in order, so the
   * queue is forgotten (nothing of it may run: the batch in hand is checked against the generation).
   * A stopped table tries its first batch again as soon as it arrives.
   */
  rejoined(generation: number): void {
    this.generation = generation;
    this.queue.length = 0;
    if (this.state.kind === 'stopped') this.state = { ...this.state, retryAt: 0 };
    this.pause.wake();
  }

  /** An operator (or a fixed cause) says: try the stopped table's first batch now. */
  retryNow(): void {
    if (this.state.kind !== 'stopped') return;
    this.deps.logger.info({ table: this.name, by: this.control.updatedBy }, 'retry asked for: the stopped table tries its batch now');
    this.state = { ...this.state, retryAt: 0 };
    this.pause.wake();
  }

  /**
   * Continues the counts of the table's latest status, whoever reported it (this instance before a
   * restart, another one before a rebalance), so rows applied add up across instances.
   */
  continueFrom(earlier: Pick<TableStatus, 'rowsApplied' | 'batchesApplied' | 'lastBatchAt' | 'incomplete'>): void {
    // Incomplete stays incomplete across instances until a resync clears it.
    if (earlier.incomplete && this.incomplete === null) this.incomplete = earlier.incomplete;
    this.rowsApplied += Math.max(0, earlier.rowsApplied);
    this.applied += Math.max(0, earlier.batchesApplied);
    if (earlier.lastBatchAt !== null && this.lastAppliedAt === null) this.lastAppliedAt = Date.parse(earlier.lastBatchAt);
  }

  /** The batches-topic partition of the latest batch consumed (the loader reports only tables it owns). */
  get partition(): number | null {
    return this.lastPartition;
  }

  /** What the table is doing, for the status topic (see TableStatus). */
  status(instance: string, now: number = Date.now()): TableStatus {
    const { state } = this;
    const head = this.queue[0];
    const window = loadableUpTo(this.schedule, now);
    const betweenWindows = this.schedule.kind !== 'continuous' && (head === undefined || head.event.createdAtMs > window);
    const nextWindow = nextWindowAfter(this.schedule, now);
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const [name, reason, since] = this.control.paused
      ? (['paused', `paused by ${this.control.updatedBy || 'an operator'}`, this.control.updatedAt] as const)
      : state.kind === 'stopped'
        ? (['stopped', state.reason, iso(state.since)] as const)
        : state.kind === 'waiting'
          ? (['waiting-for-dependency', state.reason, iso(state.since)] as const)
          : betweenWindows
            ? (['scheduled-waiting', `${formatSchedule(this.schedule)}: next window at ${iso(nextWindow)}`, null] as const)
            : (['streaming', null, null] as const);
    const oldest = head?.event.sourceTimeRange?.minMs;
    return {
      table: this.name,
      topic: this.source.topic,
      state: name,
      reason,
      since,
      rowsApplied: this.rowsApplied,
      batchesApplied: this.applied,
      batchesQueued: this.queue.length,
      lastBatchAt: iso(this.lastAppliedAt),
      lastError: this.lastError,
      lag: { seconds: oldest === undefined ? 0 : Math.max(0, Math.round((now - oldest) / 100) / 10), batches: this.queue.length },
      schedule: formatSchedule(this.schedule),
      nextWindowAt: iso(nextWindow),
      nextRetryAt: state.kind === 'stopped' ? iso(state.retryAt) : null,
      instance,
      partition: this.lastPartition,
      reportedAt: new Date(now).toISOString(),
      ...(this.incomplete !== null ? { incomplete: this.incomplete } : {}),
    };
  }

  /** Shutdown: take nothing more, end waits, let a transaction under way finish. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    this.pause.wake();
    await this.running;
  }

  describe() {
    const { state } = this;
    return {
      state: state.kind === 'streaming' ? 'running' : state.kind,
      applied: this.applied,
      queued: this.queue.length,
      ...(this.cellsSubstituted > 0 ? { cellsSubstituted: this.cellsSubstituted } : {}),
      ...(this.incomplete !== null ? { incomplete: this.incomplete } : {}),
      ...(state.kind !== 'streaming' ? { reason: state.reason, since: new Date(state.since).toISOString(), attempts: state.attempts } : {}),
      ...(state.kind === 'stopped' ? { nextRetry: new Date(state.retryAt).toISOString() } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.control.paused ? { paused: true } : {}),
      ...(this.schedule.kind !== 'continuous' ? { schedule: formatSchedule(this.schedule) } : {}),
    };
  }

  /**
   * Why the head may not be applied now, and until when (ms since the epoch; it is looked at again
   * earlier when woken): paused, or created after the latest window of its schedule opened.
   */
  private heldUntil(head: QueuedBatch, now: number): { why: 'paused' | 'scheduled'; until: number } | null {
    if (this.control.paused) return { why: 'paused', until: now + HOLD_RECHECK_MS };
    if (head.event.createdAtMs > loadableUpTo(this.schedule, now)) {
      return { why: 'scheduled', until: Math.min(nextWindowAfter(this.schedule, now) ?? now, now + HOLD_RECHECK_MS) };
    }
    return null;
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.queue.length > 0) {
      const head = this.queue[0]!;
      const held = this.heldUntil(head, Date.now());
      if (held) {
        this.holding = held.why;
        this.parkQueued();
        await this.pause.sleep(Math.max(0, held.until - Date.now()));
        continue;
      }
      if (this.state.kind === 'stopped' && Date.now() < this.state.retryAt) {
        this.holding = 'stopped';
        this.parkQueued();
        await this.pause.sleep(this.state.retryAt - Date.now());
        continue;
      }
      this.holding = null;
      const outcome = await this.deps.withSlot(() => (this.isCurrent(head) ? this.attempt(head) : Promise.resolve('stale' as const)));
      if (outcome === 'stale') continue;
      if (outcome === 'applied') {
        this.queue.shift();
        head.onDone();
        continue;
      }
      const { retry } = this.deps.config;
      const delay =
        this.state.kind === 'waiting'
          ? backoffDelay(retry.transient, this.state.attempts)
          : this.state.kind === 'stopped'
            ? Math.max(0, this.state.retryAt - Date.now())
            : 0;
      await this.pause.sleep(delay);
    }
  }

  /** Still the head of the queue, of the current generation, and the loader still running. */
  private isCurrent(entry: QueuedBatch): boolean {
    return !this.closed && this.queue[0] === entry && entry.generation === this.generation;
  }

  private parkQueued(): void {
    for (const entry of this.queue) {
      if (entry.parked) continue;
      entry.parked = true;
      entry.onParked();
    }
  }

  private async attempt(entry: QueuedBatch): Promise<'applied' | 'failed'> {
    const { logger, metrics } = this.deps;
    const { event } = entry;
    const started = performance.now();
    try {
      const result = await this.apply(event);
      this.applied++;
      this.lastAppliedAt = Date.now();
      if (!result.alreadyApplied) this.rowsApplied += event.rowsByOp.c + event.rowsByOp.u + event.rowsByOp.d + event.rowsByOp.r;
      this.lastError = null;
      if (this.state.kind !== 'streaming') {
        logger.info({ table: this.name, batchId: event.batchId, was: this.state.kind, attempts: this.state.attempts }, 'table streaming again');
      }
      this.setState({ kind: 'streaming' });
      metrics.batchesApplied.inc({ table: this.name, kind: event.kind });
      if (!result.alreadyApplied) {
        for (const op of ['c', 'u', 'd', 'r'] as const) metrics.rowsApplied.inc({ table: this.name, op }, event.rowsByOp[op]);
      }
      metrics.rowsSkipped.inc({ table: this.name }, result.rowsSkipped);
      if (result.cellsSubstituted) {
        this.cellsSubstituted += result.cellsSubstituted;
        metrics.cellsSubstituted.inc({ table: this.name }, result.cellsSubstituted);
        this.deps.logger.warn(
          { table: this.name, batchId: event.batchId, cells: result.cellsSubstituted },
          'values the warehouse cannot hold landed as their documented substitute (recorded in pgshift.substitutes_…)',
        );
      }
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
      return 'applied';
    } catch (error) {
      // A failed DDL or a concurrent change may have left our view of the target stale.
      this.targetColumns = undefined;
      const message = error instanceof Error ? error.message : String(error);
      this.lastError = message;
      if (isRetryable(error)) this.waitAfter(error, message, event);
      else await this.stopAfter(error, message, entry);
      return 'failed';
    }
  }

  /** A transient failure: retried for as long as it lasts, with a capped backoff. */
  private waitAfter(error: unknown, message: string, event: BatchReady): void {
    const previous = this.state;
    const attempts = previous.kind === 'waiting' ? previous.attempts + 1 : 1;
    this.setState({ kind: 'waiting', reason: message, since: previous.kind === 'waiting' ? previous.since : Date.now(), attempts });
    this.deps.metrics.retries.inc({ table: this.name });
    this.deps.logger.warn({ err: error, table: this.name, batchId: event.batchId, attempt: attempts }, 'transient failure; waiting and retrying');
  }

  /**
   * A permanent failure: the table stops, its batches are parked (offsets held, never skipped), and
   * its first batch is tried again after a backoff. The batch event goes to the dead-letter topic
   * once per stop, for inspection; the batches topic keeps the batches themselves.
   */
  private async stopAfter(error: unknown, message: string, entry: QueuedBatch): Promise<void> {
    const previous = this.state;
    const attempts = previous.kind === 'stopped' ? previous.attempts + 1 : 1;
    const retryAt = Date.now() + backoffDelay(this.deps.config.retry.stopped, attempts);
    const firstTime = previous.kind !== 'stopped' || previous.reason !== message;
    this.setState({ kind: 'stopped', reason: message, since: previous.kind === 'stopped' ? previous.since : Date.now(), attempts, retryAt });
    this.parkQueued();
    this.deps.logger.error(
      { err: error, table: this.name, batchId: entry.event.batchId, attempt: attempts, nextRetry: new Date(retryAt).toISOString() },
      'table stopped: this batch and the later ones wait in Kafka (offsets not committed); the first is retried after a backoff',
    );
    if (firstTime) await entry.onStopped(error);
  }

  private setState(state: TableState): void {
    this.state = state;
    this.deps.metrics.tableState.set({ table: this.name }, state.kind === 'stopped' ? 1 : 0);
    this.deps.metrics.tableWaiting.set({ table: this.name }, state.kind === 'waiting' ? 1 : 0);
  }

  private async apply(event: BatchReady): Promise<ApplyResult> {
    const { config, warehouse } = this.deps;
    this.checkOversizedValues(event);
    const target = this.target;
    const deleteMode = config.deleteModeFor(this.name);
    const columns = mapColumns(warehouse.dialect, event.columns);
    if (event.kind === 'rows') {
      const evolved = await this.evolveSchema(event, target, columns, deleteMode);
      if (evolved === 'already-applied') return { batchId: event.batchId, rowsStaged: 0, rowsSkipped: event.rowCount, alreadyApplied: true };
      this.previousColumns = columns;
    }
    // Truncates are rare: look afresh, another loader may have created the table meanwhile.
    else this.targetColumns = await warehouse.describeTable(target);
    return warehouse.applyBatch({
      batch: event,
      target,
      columns,
      options: { deleteMode, oversizePolicy: config.oversizePolicy, unrepresentablePolicy: config.unrepresentablePolicy ?? 'substitute' },
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
    this.deps.logger.warn(
      { table: this.name, batchId: event.batchId, oversizedValues: event.oversizedValues },
      'text over 65,535 bytes is truncated to fit VARCHAR(65535)',
    );
  }

  /** Every offset of the batch is at or below the ledger (of this topic, not of one it replaced): it is in the warehouse already. */
  private async coveredByLedger(event: BatchReady, target: TargetTable): Promise<boolean> {
    const ledger = await this.deps.warehouse.readLedger(ledgerStreamOf({ batch: event, target }), txLsnRangeOf(event)?.min);
    return isCoveredByLedger(event.offsets, ledger);
  }

  /**
   * A column may only be dropped by a schema newer than the one that added it: the batch lacking it
   * must come after every change already in the table (its smallest LSN above the table's largest).
   * An old-schema batch from a lagging partition, a zombie duplicate or the early batches of a replay
   * are older, and leave the column alone.
   */
  private async isNewerThanTarget(event: BatchReady, target: TargetTable): Promise<boolean> {
    if (event.lsnRange === null) return false;
    const latest = await this.deps.warehouse.latestChangeLsn(target);
    return latest === null || BigInt(event.lsnRange.min) > latest;
  }

  /**
   * Brings the target's columns to the batch's. A batch the ledger already covers changes nothing,
   * schema included (a replayed old batch must not re-add, drop or retype columns of today's table):
   * the ledger is read only when there is a change to make, so the common case costs no query.
   */
  private async evolveSchema(event: BatchReady, target: TargetTable, columns: ReturnType<typeof mapColumns>, deleteMode: 'hard' | 'soft') {
    const { warehouse, config, metrics, logger } = this.deps;
    if (this.targetColumns === undefined) this.targetColumns = await warehouse.describeTable(target);
    const existing = this.targetColumns;
    const planFor = () =>
      planSchemaEvolution(warehouse.dialect, {
        target,
        columns,
        existing,
        deleteMode,
        dropRemovedColumns: config.dropRemovedColumns,
        previousColumns: this.previousColumns,
      });
    let plan: ReturnType<typeof planFor>;
    try {
      plan = planFor();
      if (isNoChange(plan)) return 'evolved';
    } catch (error) {
      // An incompatible change asked for by a batch that is already in the warehouse is no change at all.
      if (existing !== null && (await this.coveredByLedger(event, target))) return 'already-applied';
      throw error;
    }
    if (existing !== null && (await this.coveredByLedger(event, target))) return 'already-applied';
    if (plan.dropColumns.length > 0 && !(await this.isNewerThanTarget(event, target))) {
      logger.info(
        { table: this.name, columns: plan.dropColumns, batchId: event.batchId },
        'columns kept: the batch lacking them is not newer than every change in the table',
      );
      plan = { ...plan, dropColumns: [] };
      if (isNoChange(plan)) return 'evolved';
    }
    const reasons = plan.nonReproducible.map((change) => change.reason);
    if (reasons.length > 0 && (config.schemaChangePolicy ?? 'resync') === 'stop') throw new NonReproducibleSchemaChange(reasons);
    const statements = schemaEvolutionStatements(warehouse.dialect, target, plan, config.tableDesignFor?.(this.name) ?? null);
    logger.info({ table: this.name, statements }, 'evolving the target table');
    await warehouse.executeDdl(statements);
    if (reasons.length > 0) await this.markIncomplete(reasons.join('; '));
    if (plan.createTable) metrics.schemaChanges.inc({ table: this.name, kind: 'create' });
    metrics.schemaChanges.inc({ table: this.name, kind: 'add_column' }, plan.addColumns.length);
    metrics.schemaChanges.inc({ table: this.name, kind: 'widen' }, plan.widenColumns.length);
    metrics.schemaChanges.inc({ table: this.name, kind: 'drop_column' }, plan.dropColumns.length);
    metrics.schemaChanges.inc({ table: this.name, kind: 'replace_column' }, plan.replaceColumns.length);
    this.targetColumns = await warehouse.describeTable(target);
    return 'evolved';
  }

  /**
   * A schema change left the warehouse's existing rows unlike the source's: the table reports itself
   * incomplete (status, `pgshift tables`) and asks for a resync (ResyncRequests, the seam the resync
   * plugs into). The table goes on streaming: new changes land exactly.
   */
  private async markIncomplete(reason: string): Promise<void> {
    this.incomplete = this.incomplete === null ? reason : `${this.incomplete}; ${reason}`;
    this.deps.metrics.schemaChanges.inc({ table: this.name, kind: 'not_reproducible' });
    await (this.deps.resyncRequests ?? loggedResyncRequests(this.deps.logger)).requestResync(this.name, reason);
  }
}
