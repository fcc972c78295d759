import { randomUUID } from 'node:crypto';
import { createReliableProducer } from '@pgshift/runtime';
import type { Kafka } from 'kafkajs';
import { type DeadLetterRecord, matchesFilter, originalHeaders, type RedriveFilter, readDeadLetter, redriveGroupId } from './dead-letter-record.js';
import { deleteGroup, readToEnd } from './read-to-end.js';

/** Reads the whole dead-letter topic with a throwaway group (nothing is committed anywhere). */
export async function listDeadLetters(kafka: Kafka, topic: string, timeoutMs?: number): Promise<DeadLetterRecord[]> {
  const groupId = `pgshift-cli-list-${randomUUID()}`;
  const records: DeadLetterRecord[] = [];
  try {
    await readToEnd(kafka, { topic, groupId, commit: false, timeoutMs }, async ({ partition, message }) => {
      records.push(readDeadLetter(partition, message));
    });
  } finally {
    await deleteGroup(kafka, groupId);
  }
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

export interface RedriveResult {
  groupId: string;
  redriven: DeadLetterRecord[];
  /** Not matching the filter: this selection's cursor moves past them. */
  passedOver: number;
  /** No original-topic header: cannot be re-driven. */
  unroutable: DeadLetterRecord[];
}

/**
 * Re-publishes the dead letters matching the filter to their original topic and partition, with their
 * key, value and own headers (the dead-letter headers removed), so that after a fix they flow through
 * the pipeline again. Progress is the committed offset of the selection's consumer group on the
 * dead-letter topic, moved after each letter is re-published: a second run continues where the first
 * stopped and repeats nothing. A dry run reads the same letters and commits and publishes nothing.
 */
export async function redriveDeadLetters(
  kafka: Kafka,
  args: {
    topic: string;
    filter: RedriveFilter;
    dryRun: boolean;
    /** The cursor's consumer group; default redriveGroupId(filter). */
    groupId?: string;
    timeoutMs?: number;
    onRedriven?: (record: DeadLetterRecord) => void;
  },
): Promise<RedriveResult> {
  const groupId = args.groupId ?? redriveGroupId(args.filter);
  const result: RedriveResult = { groupId, redriven: [], passedOver: 0, unroutable: [] };
  const producer = createReliableProducer(kafka);
  if (!args.dryRun) await producer.connect();
  try {
    await readToEnd(kafka, { topic: args.topic, groupId, commit: !args.dryRun, timeoutMs: args.timeoutMs }, async ({ partition, message }) => {
      const record = readDeadLetter(partition, message);
      if (!matchesFilter(record, args.filter)) {
        result.passedOver += 1;
        return;
      }
      if (record.originalTopic === null) {
        result.unroutable.push(record);
        return;
      }
      if (!args.dryRun) {
        await producer.send({
          topic: record.originalTopic,
          acks: -1,
          messages: [
            {
              key: message.key,
              value: message.value,
              headers: originalHeaders(message.headers),
              // Same partition as before: per-key order lives there.
              ...(record.originalPartition !== null ? { partition: record.originalPartition } : {}),
            },
          ],
        });
      }
      result.redriven.push(record);
      args.onRedriven?.(record);
    });
  } finally {
    if (!args.dryRun) await producer.disconnect();
  }
  return result;
}
