import type { Kafka } from 'kafkajs';
import { z } from 'zod';
import { ensureTopics } from './kafka.js';

/**
 * PGSHIFT_CONTROL_TOPIC and PGSHIFT_STATUS_TOPIC, in the shape of the loader and the control service:
 * both derive from the batches topic unless set, so each pipeline has its own.
 */
export const controlTopicsShape = {
  PGSHIFT_CONTROL_TOPIC: z
    .string()
    .optional()
    .meta({ description: 'compacted topic of per-table control records (paused, schedule, retry), keyed by table', whenUnset: '`<batches topic>.control`' }),
  PGSHIFT_STATUS_TOPIC: z
    .string()
    .optional()
    .meta({ description: "compacted topic where each loader publishes its tables' status, keyed by table", whenUnset: '`<batches topic>.status`' }),
};

export interface ControlTopics {
  controlTopic: string;
  statusTopic: string;
}

export function controlTopicsOf(
  batchesTopic: string,
  c: { PGSHIFT_CONTROL_TOPIC?: string | undefined; PGSHIFT_STATUS_TOPIC?: string | undefined },
): ControlTopics {
  return { controlTopic: c.PGSHIFT_CONTROL_TOPIC ?? `${batchesTopic}.control`, statusTopic: c.PGSHIFT_STATUS_TOPIC ?? `${batchesTopic}.status` };
}

/** Both topics, compacted (the latest record per table is the state), one partition each: small and ordered. */
export async function ensureControlTopics(kafka: Kafka, topics: ControlTopics): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Compaction only cleans closed segments: the status topic, written every few seconds per table,
    // rolls them often, so that a reader starting up reads little more than one record per table.
    const compacted = (segmentMs: number) => [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'min.cleanable.dirty.ratio', value: '0.1' },
      { name: 'segment.ms', value: String(segmentMs) },
    ];
    await ensureTopics(admin, [
      { topic: topics.controlTopic, numPartitions: 1, configEntries: compacted(6 * 3_600_000) },
      { topic: topics.statusTopic, numPartitions: 1, configEntries: compacted(10 * 60_000) },
    ]);
  } finally {
    await admin.disconnect();
  }
}
