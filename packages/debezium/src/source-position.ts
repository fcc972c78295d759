import { parse } from 'lossless-json';
import { asBigInt } from './wire-values.js';

/**
 * Where a change sits in the source's replication stream, the order in which PostgreSQL made the
 * changes of one row: `txLsn` orders transactions (commit order), `lsn` the changes within one.
 *
 * Debezium's `source.sequence` is `["<lastCommitLsn>", "<lsn>"]`: the LSN of the commit before the
 * change's transaction, and the change's own LSN. Change LSNs alone do not order transactions (a
 * transaction that began writing before another committed can commit after it), but one row's changes
 * are serialised by its row lock, so its changes happen in commit order, and lastCommitLsn rises with
 * every commit streamed. Within one transaction lastCommitLsn is equal and the change LSNs rise.
 *
 * Snapshot reads carry the position of the stream where Debezium emits them: an incremental snapshot's
 * chunk is emitted at its window's high watermark, so a read sorts after every change streamed before
 * the window and before every change after it (changes inside the window make Debezium drop the read).
 * The initial snapshot's reads, and the first transaction streamed after it, carry no lastCommitLsn:
 * their own LSN stands in. That holds because creating the slot waits for every running transaction,
 * so every change streamed after the snapshot point has a higher LSN than the snapshot's reads.
 */
export interface SourcePosition {
  txLsn: bigint;
  lsn: bigint;
}

/** The position of a change from its `source.lsn` and `source.sequence` (absent, null or malformed: the LSN alone). */
export function sourcePositionOf(lsn: bigint, sequence: unknown): SourcePosition {
  const lastCommit = lastCommitLsnOf(sequence);
  return { txLsn: lastCommit ?? lsn, lsn };
}

function lastCommitLsnOf(sequence: unknown): bigint | null {
  if (typeof sequence !== 'string' || sequence === '') return null;
  let parsed: unknown;
  try {
    parsed = parse(sequence);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed[0] == null) return null;
  try {
    return asBigInt(parsed[0]);
  } catch {
    return null;
  }
}

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function compareSourcePositions(a: SourcePosition, b: SourcePosition): number {
  if (a.txLsn !== b.txLsn) return a.txLsn < b.txLsn ? -1 : 1;
  if (a.lsn !== b.lsn) return a.lsn < b.lsn ? -1 : 1;
  return 0;
}
