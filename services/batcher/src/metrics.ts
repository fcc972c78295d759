import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type BatcherMetrics = ReturnType<typeof createBatcherMetrics>;

export function createBatcherMetrics(registry: Registry) {
  const registers = [registry];
  return {
    eventsConsumed: new Counter({
      name: 'pgshift_batcher_events_consumed_total',
      help: 'Change events consumed, by table and op (tombstones and skipped messages excluded)',
      labelNames: ['table', 'op'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'pgshift_batcher_dead_letters_total',
      help: 'Messages routed to the dead-letter topic, by source topic and reason',
      labelNames: ['topic', 'reason'],
      registers,
    }),
    batchesFlushed: new Counter({
      name: 'pgshift_batcher_batches_flushed_total',
      help: 'Batches written to S3 and announced, by table and kind',
      labelNames: ['table', 'kind'],
      registers,
    }),
    rowsFlushed: new Counter({
      name: 'pgshift_batcher_rows_flushed_total',
      help: 'Rows written in batches, after coalescing',
      labelNames: ['table'],
      registers,
    }),
    bytesFlushed: new Counter({
      name: 'pgshift_batcher_bytes_flushed_total',
      help: 'Compressed bytes written to S3',
      labelNames: ['table'],
      registers,
    }),
    flushSeconds: new Histogram({
      name: 'pgshift_batcher_flush_seconds',
      help: 'From sealing a batch to its offsets being committable (encode, upload, announce)',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    bufferedRows: new Gauge({ name: 'pgshift_batcher_buffered_rows', help: 'Rows held in memory, sealed or not', registers }),
    bufferedBytes: new Gauge({ name: 'pgshift_batcher_buffered_bytes', help: 'Estimated bytes held in memory', registers }),
    consumerLag: new Gauge({
      name: 'pgshift_batcher_consumer_lag',
      help: 'Messages between the last consumed offset and the partition high watermark',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    replays: new Counter({
      name: 'pgshift_batcher_replays_total',
      help: 'Partitions of a change topic read again from an earlier offset (pgshift tables replay)',
      labelNames: ['topic'],
      registers,
    }),
    paused: new Gauge({ name: 'pgshift_batcher_paused', help: '1 while consumption waits for memory to be freed', registers }),
    connectorTaskFailed: new Gauge({
      name: 'pgshift_connector_task_failed',
      help: '1 while a Kafka Connect task is FAILED (PGSHIFT_CONNECT_URL): its changes stop until it is restarted',
      labelNames: ['connector', 'task'],
      registers,
    }),
  };
}
