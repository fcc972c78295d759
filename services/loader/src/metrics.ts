import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type LoaderMetrics = ReturnType<typeof createLoaderMetrics>;

export function createLoaderMetrics(registry: Registry) {
  const registers = [registry];
  return {
    batchesApplied: new Counter({
      name: 'pgshift_loader_batches_applied_total',
      help: 'Batches committed to the warehouse, by table and kind',
      labelNames: ['table', 'kind'],
      registers,
    }),
    rowsApplied: new Counter({
      name: 'pgshift_loader_rows_applied_total',
      help: 'Rows merged, by table and op of their last change (c, u, d, r)',
      labelNames: ['table', 'op'],
      registers,
    }),
    rowsSkipped: new Counter({
      name: 'pgshift_loader_rows_skipped_total',
      help: 'Staged rows dropped because the ledger shows them applied already (replays, redeliveries)',
      labelNames: ['table'],
      registers,
    }),
    loadSeconds: new Histogram({
      name: 'pgshift_loader_load_seconds',
      help: 'From taking up a batch to its warehouse transaction committing',
      labelNames: ['table'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    endToEndLagSeconds: new Gauge({
      name: 'pgshift_loader_end_to_end_lag_seconds',
      help: 'Source commit time of the newest change applied, to its warehouse commit',
      labelNames: ['table'],
      registers,
    }),
    retries: new Counter({
      name: 'pgshift_loader_retries_total',
      help: 'Transient failures retried, by table',
      labelNames: ['table'],
      registers,
    }),
    tableState: new Gauge({
      name: 'pgshift_loader_table_stopped',
      help: '1 while a table is stopped by a permanent error (its batches wait in the batches topic; retried with backoff)',
      labelNames: ['table'],
      registers,
    }),
    tableWaiting: new Gauge({
      name: 'pgshift_loader_table_waiting',
      help: '1 while a table waits out a transient failure (the warehouse unreachable, a conflict), retrying',
      labelNames: ['table'],
      registers,
    }),
    tablePaused: new Gauge({
      name: 'pgshift_loader_table_paused',
      help: '1 while an operator has paused a table (pgshift tables pause): its batches wait, in order',
      labelNames: ['table'],
      registers,
    }),
    statusPublished: new Counter({
      name: 'pgshift_loader_status_records_total',
      help: 'Table status records published to the status topic, by outcome (ok, failed)',
      labelNames: ['outcome'],
      registers,
    }),
    valuesTruncated: new Counter({
      name: 'pgshift_loader_values_truncated_total',
      help: 'Text values cut to the warehouse column size under PGSHIFT_OVERSIZE_POLICY=truncate',
      labelNames: ['table', 'column'],
      registers,
    }),
    cellsSubstituted: new Counter({
      name: 'pgshift_loader_cells_substituted_total',
      help: 'Values the warehouse column cannot hold (Redshift: infinity, NaN, numerics beyond the DECIMAL) that landed as their documented substitute, each recorded in pgshift.substitutes_…',
      labelNames: ['table'],
      registers,
    }),
    waitingForSchemaRegistry: new Gauge({
      name: 'pgshift_loader_waiting_for_schema_registry',
      help: '1 while a batch event waits for the schema registry to answer (it is retried, never dead-lettered)',
      registers,
    }),
    schemaChanges: new Counter({
      name: 'pgshift_loader_schema_changes_total',
      help: 'DDL applied, by table and kind (create, add_column, widen, replace_column, drop_column), and schema changes not reproducible on loaded rows (not_reproducible)',
      labelNames: ['table', 'kind'],
      registers,
    }),
  };
}
