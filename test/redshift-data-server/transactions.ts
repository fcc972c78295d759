/**
 * Redshift's table-level isolation, emulated above PostgreSQL (which detects conflicts per row, or not
 * at all under READ COMMITTED).
 *
 * Each transaction takes its snapshot at its first statement other than LOCK (Redshift: "a database
 * snapshot is created within a transaction on the first occurrence of most SELECT statements, DML
 * commands … CREATE TABLE …"; LOCK waits first, so a transaction that LOCKs first sees everything
 * committed before it got the lock). Two transactions are concurrent when one commits after the other's
 * snapshot. Under SERIALIZABLE (provisioned clusters) two concurrent transactions that both write a
 * table one of them read, or that each read a table the other writes, cannot be put in a serial order:
 * the one whose statement (or commit) closes the cycle fails with Redshift's error 1023. Blind writers
 * (INSERT, COPY) of one table do not conflict: Redshift's write lock orders them. Under SNAPSHOT
 * (Serverless's default, newer clusters) no such check runs: two writers that only insert both commit.
 * Session-local temporary tables are never shared and never counted.
 */
export type IsolationLevel = 'serializable' | 'snapshot';

export interface TrackedTransaction {
  readonly xid: number;
  readonly pid: number;
  /** The commit sequence number the snapshot saw; null until the first statement that takes one. */
  snapshot: number | null;
  readonly reads: Set<string>;
  readonly writes: Set<string>;
  /** Set at commit. */
  committedAt: number | null;
}

export interface Conflict {
  table: string;
  /** The transactions of the cycle, the failing one first. */
  xids: number[];
}

export class TransactionTracker {
  #nextXid = 1000;
  #commitSeq = 0;
  readonly #open = new Set<TrackedTransaction>();
  /** Committed transactions that an open transaction's snapshot may not have seen. */
  #recent: TrackedTransaction[] = [];

  constructor(readonly isolation: IsolationLevel) {}

  begin(pid: number): TrackedTransaction {
    const tx: TrackedTransaction = { xid: this.#nextXid++, pid, snapshot: null, reads: new Set(), writes: new Set(), committedAt: null };
    this.#open.add(tx);
    return tx;
  }

  /**
   * Adds a statement's tables to the transaction, first checking that doing so closes no cycle; on a
   * conflict the transaction's sets are left as they were and the conflict is returned (the caller
   * fails the statement and rolls back).
   */
  access(tx: TrackedTransaction, reads: readonly string[], writes: readonly string[], takesSnapshot = true): Conflict | null {
    if (takesSnapshot && tx.snapshot === null) tx.snapshot = this.#commitSeq;
    if (this.isolation !== 'serializable' || (reads.length === 0 && writes.length === 0)) {
      for (const t of reads) tx.reads.add(t);
      for (const t of writes) tx.writes.add(t);
      return null;
    }
    const next = { reads: new Set([...tx.reads, ...reads]), writes: new Set([...tx.writes, ...writes]) };
    const conflict = this.#conflictWith(tx, next);
    if (conflict) return conflict;
    for (const t of next.reads) tx.reads.add(t);
    for (const t of next.writes) tx.writes.add(t);
    return null;
  }

  /** Checks against what committed meanwhile; null means the caller may COMMIT (then calls committed()). */
  checkCommit(tx: TrackedTransaction): Conflict | null {
    if (this.isolation !== 'serializable') return null;
    return this.#conflictWith(tx, tx, true);
  }

  committed(tx: TrackedTransaction): void {
    this.#open.delete(tx);
    tx.committedAt = ++this.#commitSeq;
    if (tx.writes.size > 0) this.#recent.push(tx);
    this.#forget();
  }

  /** PostgreSQL refused a COMMIT already counted (committed() runs as it is sent): it never happened. */
  commitFailed(tx: TrackedTransaction): void {
    this.#recent = this.#recent.filter((o) => o !== tx);
  }

  rolledBack(tx: TrackedTransaction): void {
    this.#open.delete(tx);
    this.#forget();
  }

  #conflictWith(tx: TrackedTransaction, sets: Pick<TrackedTransaction, 'reads' | 'writes'>, committedOnly = false): Conflict | null {
    const others = [
      ...(committedOnly ? [] : [...this.#open].filter((o) => o !== tx && o.snapshot !== null)),
      ...this.#recent.filter((o) => this.#concurrent(tx, o)),
    ];
    for (const other of others) {
      const table = cycleTable(sets, other);
      if (table !== null) return { table, xids: [tx.xid, other.xid] };
    }
    return null;
  }

  /** Whether `other` committed after `tx` took its snapshot (so `tx` did not see it). */
  #concurrent(tx: TrackedTransaction, other: TrackedTransaction): boolean {
    return other.committedAt !== null && tx.snapshot !== null && other.committedAt > tx.snapshot;
  }

  /** Drops committed transactions every open snapshot has seen. */
  #forget(): void {
    const oldest = Math.min(...[...this.#open].map((o) => o.snapshot ?? this.#commitSeq), this.#commitSeq);
    this.#recent = this.#recent.filter((o) => o.committedAt! > oldest);
  }
}

/** A table that makes two concurrent transactions non-serializable, or null. */
export function cycleTable(a: Pick<TrackedTransaction, 'reads' | 'writes'>, b: Pick<TrackedTransaction, 'reads' | 'writes'>): string | null {
  for (const table of a.writes) {
    if (b.writes.has(table) && (a.reads.has(table) || b.reads.has(table))) return table;
  }
  const aReadsBWrites = [...a.reads].find((t) => b.writes.has(t));
  const bReadsAWrites = [...b.reads].find((t) => a.writes.has(t));
  return aReadsBWrites !== undefined && bReadsAWrites !== undefined ? aReadsBWrites : null;
}

/** Redshift's text for error 1023 after `ERROR: `, as the Data API reports it in a FAILED statement's Error. */
export function serializableViolationMessage(tableOid: number, conflict: Conflict, pid: number): string {
  return `1023 DETAIL: Serializable isolation violation on table - ${tableOid}, transactions forming the cycle are: ${conflict.xids.join(', ')} (pid:${pid})`;
}
