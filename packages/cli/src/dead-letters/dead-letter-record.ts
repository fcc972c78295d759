import { DEAD_LETTER_HEADERS } from '@pgshift/runtime';
import type { IHeaders, KafkaMessage } from 'kafkajs';

/** A dead letter as the CLI shows and re-drives it. */
export interface DeadLetterRecord {
  partition: number;
  offset: string;
  originalTopic: string | null;
  originalPartition: number | null;
  originalOffset: string | null;
  reason: string | null;
  error: string | null;
  failedAt: string | null;
  service: string | null;
}

export function headerText(headers: IHeaders | undefined, name: string): string | null {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return null;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

export function readDeadLetter(partition: number, message: KafkaMessage): DeadLetterRecord {
  const h = (name: string) => headerText(message.headers, name);
  const originalPartition = h(DEAD_LETTER_HEADERS.partition);
  return {
    partition,
    offset: message.offset,
    originalTopic: h(DEAD_LETTER_HEADERS.topic),
    originalPartition: originalPartition !== null && /^\d+$/.test(originalPartition) ? Number(originalPartition) : null,
    originalOffset: h(DEAD_LETTER_HEADERS.offset),
    reason: h(DEAD_LETTER_HEADERS.reason),
    error: h(DEAD_LETTER_HEADERS.error),
    failedAt: h(DEAD_LETTER_HEADERS.failedAt),
    service: h(DEAD_LETTER_HEADERS.service),
  };
}

/** The message's own headers: everything but the ones the dead-letter queue added. */
export function originalHeaders(headers: IHeaders | undefined): IHeaders {
  const ours = new Set<string>(Object.values(DEAD_LETTER_HEADERS));
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !ours.has(name)));
}

export interface RedriveFilter {
  reason?: string | undefined;
  originalTopic?: string | undefined;
}

export function matchesFilter(record: DeadLetterRecord, filter: RedriveFilter): boolean {
  return (
    (filter.reason === undefined || record.reason === filter.reason) && (filter.originalTopic === undefined || record.originalTopic === filter.originalTopic)
  );
}

/**
 * The consumer group that remembers how far re-driving has got. Each selection keeps its own cursor:
 * `--reason a` passing over letters of reason b must not hide them from a later `--reason b`.
 */
export function redriveGroupId(filter: RedriveFilter): string {
  const parts = [
    filter.reason === undefined ? null : `reason=${filter.reason}`,
    filter.originalTopic === undefined ? null : `topic=${filter.originalTopic}`,
  ].filter((p): p is string => p !== null);
  return parts.length === 0 ? 'pgshift-redrive' : `pgshift-redrive.${parts.join('.')}`;
}
