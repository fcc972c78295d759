import type { PartitionRange } from '@pgshift/contracts';
import type { Logger } from '@pgshift/runtime';
import type { BatchAnnouncer } from './batch-announcer.js';
import type { BatchWriter } from './batch-writer.js';
import type { BatcherMetrics } from './metrics.js';
import type { SealedBatch } from './sealed-batch.js';

export interface BatchDeliveryDeps {
  writer: Pick<BatchWriter, 'write'>;
  announcer: Pick<BatchAnnouncer, 'announce'>;
  /** Commits the offsets of a topic's partitions up to and including `last`. */
  commit: (topic: string, ranges: readonly PartitionRange[]) => Promise<void>;
  metrics: Pick<BatcherMetrics, 'batchesFlushed' | 'rowsFlushed' | 'bytesFlushed' | 'flushSeconds'>;
  logger: Logger;
}

/**
 * Delivers one sealed batch: its files to S3, then the "batch ready" event, and only then the commit of
 * the offsets it covers. A failure anywhere leaves the offsets uncommitted.
 */
export class BatchDelivery {
  constructor(private readonly deps: BatchDeliveryDeps) {}

  async deliver(batch: SealedBatch): Promise<void> {
    const { writer, announcer, commit, metrics, logger } = this.deps;
    const started = performance.now();
    const offsets = batch.buffer.offsetRanges();
    if (batch.kind === 'rows' && batch.buffer.rowCount === 0) {
      // Only tombstones or dead letters: nothing to load, but the offsets are done.
      await commit(batch.table.topic, offsets);
      return;
    }
    const event = await writer.write(batch);
    await announcer.announce(event);
    await commit(batch.table.topic, offsets);
    const table = batch.table.topic;
    metrics.batchesFlushed.inc({ table, kind: batch.kind });
    metrics.rowsFlushed.inc({ table }, event.rowCount);
    metrics.bytesFlushed.inc(
      { table },
      event.files.reduce((sum, f) => sum + f.bytes, 0),
    );
    metrics.flushSeconds.observe((performance.now() - started) / 1000);
    logger.info(
      {
        batchId: event.batchId,
        table,
        kind: event.kind,
        rows: event.rowCount,
        events: event.eventCount,
        files: event.files.length,
        offsets: event.offsets,
        ms: Math.round(performance.now() - started),
      },
      'batch announced',
    );
  }
}
