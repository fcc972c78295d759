import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cycleTable, serializableViolationMessage, TransactionTracker } from './transactions.js';

const LEDGER = 'pgshift.ledger';

test('two loads of different tables that both read and write one shared ledger form a cycle on it', () => {
  assert.equal(
    cycleTable({ reads: new Set([LEDGER]), writes: new Set(['s.a', LEDGER]) }, { reads: new Set([LEDGER]), writes: new Set(['s.b', LEDGER]) }),
    LEDGER,
  );
});

test('each reading what the other writes is a cycle; blind writers of one table and disjoint tables are not', () => {
  assert.equal(cycleTable({ reads: new Set(['t1']), writes: new Set(['t2']) }, { reads: new Set(['t2']), writes: new Set(['t1']) }), 't1');
  assert.equal(cycleTable({ reads: new Set(), writes: new Set(['t']) }, { reads: new Set(), writes: new Set(['t']) }), null);
  assert.equal(cycleTable({ reads: new Set(['t1']), writes: new Set(['t2']) }, { reads: new Set(['t1']), writes: new Set(['t3']) }), null);
  assert.equal(cycleTable({ reads: new Set(['l_a']), writes: new Set(['a', 'l_a']) }, { reads: new Set(['l_b']), writes: new Set(['b', 'l_b']) }), null);
});

test('under SERIALIZABLE the transaction whose statement closes the cycle fails, the other commits', () => {
  const tracker = new TransactionTracker('serializable');
  const first = tracker.begin(1);
  const second = tracker.begin(2);
  assert.equal(tracker.access(first, [LEDGER], []), null);
  assert.equal(tracker.access(second, [LEDGER], []), null);
  assert.equal(tracker.access(first, [LEDGER], ['s.a', LEDGER]), null);
  assert.deepEqual(tracker.access(second, [LEDGER], ['s.b', LEDGER]), { table: LEDGER, xids: [second.xid, first.xid] });
  tracker.rolledBack(second);
  assert.equal(tracker.checkCommit(first), null);
  tracker.committed(first);
});

test('a transaction that conflicts with one committed after its snapshot fails; one that started after it does not', () => {
  const tracker = new TransactionTracker('serializable');
  const early = tracker.begin(1);
  assert.equal(tracker.access(early, [LEDGER], []), null);
  const writer = tracker.begin(2);
  assert.equal(tracker.access(writer, [LEDGER], [LEDGER]), null);
  tracker.committed(writer);
  assert.ok(tracker.access(early, [], [LEDGER]), 'the early reader writes the table a concurrent transaction wrote');
  tracker.rolledBack(early);
  const late = tracker.begin(3);
  assert.equal(tracker.access(late, [LEDGER], [LEDGER]), null);
});

test('a LOCK first takes no snapshot: the waiter sees what committed before it got the lock', () => {
  const tracker = new TransactionTracker('serializable');
  const holder = tracker.begin(1);
  const waiter = tracker.begin(2);
  assert.equal(tracker.access(holder, [], [], false), null);
  assert.equal(tracker.access(waiter, [], [], false), null);
  assert.equal(tracker.access(holder, ['l'], ['t', 'l']), null);
  tracker.committed(holder);
  assert.equal(tracker.access(waiter, ['l'], ['t', 'l']), null);
});

test('a COMMIT counted as it is sent and then refused by PostgreSQL never happened: it conflicts with nobody', () => {
  const tracker = new TransactionTracker('serializable');
  const reader = tracker.begin(1);
  assert.equal(tracker.access(reader, [LEDGER], []), null);
  const writer = tracker.begin(2);
  assert.equal(tracker.access(writer, [LEDGER], [LEDGER]), null);
  tracker.committed(writer);
  tracker.commitFailed(writer);
  assert.equal(tracker.access(reader, [], [LEDGER]), null);
});

test('under SNAPSHOT nothing conflicts', () => {
  const tracker = new TransactionTracker('snapshot');
  const a = tracker.begin(1);
  const b = tracker.begin(2);
  assert.equal(tracker.access(a, [LEDGER], [LEDGER]), null);
  assert.equal(tracker.access(b, [LEDGER], [LEDGER]), null);
  tracker.committed(a);
  assert.equal(tracker.checkCommit(b), null);
});

test("the 1023 text is Redshift's", () => {
  assert.equal(
    `ERROR: ${serializableViolationMessage(1256109, { table: LEDGER, xids: [15749004, 15748971] }, 8238)}`,
    'ERROR: 1023 DETAIL: Serializable isolation violation on table - 1256109, transactions forming the cycle are: 15749004, 15748971 (pid:8238)',
  );
});
