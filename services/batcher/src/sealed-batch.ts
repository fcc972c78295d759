import type { TableRef } from '@pgshift/contracts';
import type { CoalescingBuffer } from './coalescing-buffer.js';

/** A buffer closed for writing: what one "batch ready" event will announce. */
export type SealedBatch =
  | { kind: 'rows'; id: string; table: TableRef; buffer: CoalescingBuffer; sealedAt: number }
  /** The source table was truncated; `buffer` holds no rows, only the truncate's offset. */
  | { kind: 'truncate'; id: string; table: TableRef; buffer: CoalescingBuffer; sealedAt: number; lsn: bigint; txLsn: bigint; sourceTsUs: bigint };

/**
 * A batch id that is the same whenever the same offsets are batched again, so that a replay after a
 * crash overwrites the same S3 objects instead of leaving orphans: a hash of topic and offset ranges.
 */
export function batchIdFor(topic: string, buffer: CoalescingBuffer): string {
  const ranges = buffer
    .offsetRanges()
    .map((r) => `p${r.partition}-${r.first}-${r.last}`)
    .join('.');
  return shortHash(`${topic}|${ranges}`);
}

function shortHash(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
