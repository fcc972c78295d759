import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Publication, parseSettings, parseSlot, parseSourceTable, type ReplicationSlot, type SourceSettings, type SourceTable } from './source-rows.js';
import {
  capacityFindings,
  formatBytes,
  publicationFindings,
  replicaIdentityFindings,
  slotFinding,
  slotWalFindings,
  sqlIdentifier,
  toastFindings,
  walLevelFinding,
} from './source-rules.js';
import { sourceTablesParams } from './source-sql.js';

const settings = (overrides: Partial<SourceSettings> = {}): SourceSettings => ({
  walLevel: 'logical',
  maxWalSenders: 10,
  maxReplicationSlots: 10,
  maxSlotWalKeepSizeMb: -1,
  slotsUsed: 1,
  walSendersUsed: 1,
  inRecovery: false,
  ...overrides,
});
const slot = (overrides: Partial<ReplicationSlot> = {}): ReplicationSlot => ({
  name: 'pgshift',
  type: 'logical',
  plugin: 'pgoutput',
  database: 'app',
  active: true,
  walStatus: 'reserved',
  retainedBytes: 4096n,
  ...overrides,
});
const publication = (overrides: Partial<Publication> = {}): Publication => ({
  name: 'pgshift',
  allTables: false,
  insert: true,
  update: true,
  delete: true,
  truncate: true,
  ...overrides,
});
const table = (overrides: Partial<SourceTable> = {}): SourceTable => ({
  schema: 'shop',
  table: 'orders',
  published: true,
  hasPrimaryKey: true,
  hasIdentityIndex: false,
  replicaIdentity: 'd',
  updates: 0n,
  deletes: 0n,
  toastColumns: [],
  ...overrides,
});
const severities = (findings: { check: string; severity: string }[]) => findings.map((f) => `${f.check}:${f.severity}`);

test('the catalog rows are parsed from what pg returns: bigints as text, booleans, text arrays', () => {
  assert.deepEqual(
    parseSettings({
      wal_level: 'logical',
      max_wal_senders: 10,
      max_replication_slots: 20,
      max_slot_wal_keep_size_mb: '-1',
      slots_used: 3,
      wal_senders_used: 2,
      in_recovery: false,
    }),
    settings({ maxReplicationSlots: 20, slotsUsed: 3, walSendersUsed: 2 }),
  );
  assert.deepEqual(
    parseSlot({ slot_name: 's', slot_type: 'logical', plugin: 'pgoutput', database: 'app', active: false, wal_status: 'lost', retained_bytes: null }),
    {
      name: 's',
      type: 'logical',
      plugin: 'pgoutput',
      database: 'app',
      active: false,
      walStatus: 'lost',
      retainedBytes: null,
    },
  );
  const parsed = parseSourceTable({
    schema_name: 'shop',
    table_name: 'log',
    published: true,
    has_primary_key: false,
    has_identity_index: false,
    replica_identity: 'd',
    updates: '12',
    deletes: '0',
    toast_columns: ['body'],
  });
  assert.equal(parsed.updates, 12n);
  assert.deepEqual(parsed.toastColumns, ['body']);
  assert.throws(() => parseSourceTable({ replica_identity: 'x' }), /relreplident/);
});

test('the schemas parameter is NULL when none are given, so the schemas with a published table are checked', () => {
  assert.deepEqual(sourceTablesParams('pgshift', undefined), ['pgshift', null]);
  assert.deepEqual(sourceTablesParams('pgshift', []), ['pgshift', null]);
  assert.deepEqual(sourceTablesParams('pub', ['shop', 'Sales']), ['pub', ['shop', 'Sales']]);
});

test('wal_level other than logical is an error that says how to set it', () => {
  assert.equal(walLevelFinding(settings()).severity, 'ok');
  const replica = walLevelFinding(settings({ walLevel: 'replica' }));
  assert.equal(replica.severity, 'error');
  assert.match(replica.fix!, /ALTER SYSTEM SET wal_level = logical, then restart/);
});

test("pgshift's slot: missing is a warning, inactive a warning, invalidated an error, read is ok", () => {
  assert.equal(slotFinding([], 'pgshift').severity, 'warn');
  assert.equal(slotFinding([slot({ active: false })], 'pgshift').severity, 'warn');
  const lost = slotFinding([slot({ active: false, walStatus: 'lost', retainedBytes: null })], 'pgshift');
  assert.equal(lost.severity, 'error');
  assert.match(lost.fix!, /pg_drop_replication_slot\('pgshift'\).*re-snapshot/);
  assert.equal(slotFinding([slot({ type: 'physical' })], 'pgshift').severity, 'error');
  assert.equal(slotFinding([slot()], 'pgshift').severity, 'ok');
});

test('an inactive slot with max_slot_wal_keep_size unlimited is an error: it fills the disk', () => {
  const [finding] = slotWalFindings(settings(), [slot({ name: 'abandoned', active: false, retainedBytes: 3n * 1024n ** 3n })]);
  assert.equal(finding!.severity, 'error');
  assert.equal(
    finding!.message,
    "slot abandoned is inactive and retains 3.0 GiB of WAL with max_slot_wal_keep_size = -1 (unlimited): it grows until the source's disk is full",
  );
  assert.match(finding!.fix!, /pg_drop_replication_slot\('abandoned'\).*max_slot_wal_keep_size/);
  // Before PostgreSQL 13 there is no limit at all.
  assert.equal(slotWalFindings(settings({ maxSlotWalKeepSizeMb: null }), [slot({ active: false })])[0]!.severity, 'error');
});

test('with a limit, an inactive slot is a warning, and an active one over half the limit too', () => {
  const limited = settings({ maxSlotWalKeepSizeMb: 1024 });
  assert.deepEqual(severities(slotWalFindings(limited, [slot({ active: false })])), ['slot-wal:warn']);
  assert.deepEqual(severities(slotWalFindings(limited, [slot({ retainedBytes: 600n * 1024n * 1024n })])), ['slot-wal:warn']);
  assert.deepEqual(severities(slotWalFindings(limited, [slot({ retainedBytes: 100n * 1024n * 1024n })])), ['slot-wal:ok']);
});

test('an active slot with no limit is ok, with a note that a stopped consumer would fill the disk', () => {
  assert.deepEqual(severities(slotWalFindings(settings(), [slot()])), ['slot-wal:ok', 'slot-wal:info']);
});

test('no free replication slot is an error when pgshift has none yet, a warning otherwise', () => {
  const full = settings({ slotsUsed: 10, maxReplicationSlots: 10 });
  assert.deepEqual(severities(capacityFindings(full, [slot({ name: 'other' })], 'pgshift')), ['replication-capacity:error']);
  assert.deepEqual(severities(capacityFindings(full, [slot()], 'pgshift')), ['replication-capacity:warn']);
  assert.deepEqual(severities(capacityFindings(settings({ walSendersUsed: 10 }), [slot({ active: false })], 'pgshift')), ['replication-capacity:error']);
  assert.deepEqual(severities(capacityFindings(settings(), [slot()], 'pgshift')), ['replication-capacity:ok']);
});

test('a missing publication is an error; one not publishing updates a warning', () => {
  assert.deepEqual(severities(publicationFindings(null, 'pgshift', [], undefined)), ['publication:error']);
  const noUpdates = publicationFindings(publication({ update: false, delete: false }), 'pgshift', [table()], undefined);
  assert.deepEqual(severities(noUpdates), ['publication:warn', 'publication-coverage:ok']);
  assert.match(noUpdates[0]!.message, /does not publish update, delete/);
});

test('tables of the schemas checked that the publication leaves out are listed with the ALTER PUBLICATION that adds them', () => {
  const findings = publicationFindings(publication(), 'pgshift', [table(), table({ table: 'Returns', published: false })], ['shop']);
  assert.deepEqual(severities(findings), ['publication-coverage:warn']);
  assert.equal(findings[0]!.message, '1 table of schemas shop not in publication pgshift, so never replicated: shop."Returns"');
  assert.match(findings[0]!.fix!, /^ALTER PUBLICATION pgshift ADD TABLE shop\."Returns";/);
});

test('FOR ALL TABLES covers every table: info, no coverage list', () => {
  assert.deepEqual(severities(publicationFindings(publication({ allTables: true }), 'pgshift', [table({ published: true })], undefined)), ['publication:info']);
});

test('a published keyless table that has received UPDATEs is an error, with REPLICA IDENTITY FULL as the fix', () => {
  const findings = replicaIdentityFindings([table({ table: 'audit_log', hasPrimaryKey: false, updates: 7n, deletes: 2n })], publication());
  assert.deepEqual(severities(findings), ['replica-identity:error']);
  assert.match(
    findings[0]!.message,
    /^shop\.audit_log has no primary key and REPLICA IDENTITY DEFAULT, is published with UPDATE and DELETE, and has received 7 UPDATE and 2 DELETE/,
  );
  assert.match(findings[0]!.message, /PostgreSQL rejects the next one/);
  assert.match(findings[0]!.fix!, /^ALTER TABLE shop\.audit_log REPLICA IDENTITY FULL;/);
  assert.deepEqual(findings[0]!.subjects, ['shop.audit_log']);
});

test('REPLICA IDENTITY NOTHING, even with a primary key, or a dropped identity index, is rejected the same way', () => {
  assert.deepEqual(severities(replicaIdentityFindings([table({ replicaIdentity: 'n', deletes: 1n })], publication())), ['replica-identity:error']);
  assert.deepEqual(severities(replicaIdentityFindings([table({ replicaIdentity: 'i', hasIdentityIndex: false, updates: 1n })], publication())), [
    'replica-identity:error',
  ]);
  assert.deepEqual(severities(replicaIdentityFindings([table({ replicaIdentity: 'i', hasIdentityIndex: true, updates: 1n })], publication())), [
    'replica-identity:ok',
  ]);
});

test('a keyless table with no UPDATE or DELETE counted is a warning that says what pgshift does with it', () => {
  const findings = replicaIdentityFindings([table({ hasPrimaryKey: false })], publication());
  assert.deepEqual(severities(findings), ['replica-identity:warn']);
  assert.match(findings[0]!.message, /pgshift appends its rows.*interrupted initial snapshot re-reads it/);
});

test('updates of a keyless table are not an error when the publication does not publish updates, nor when it is not published', () => {
  assert.deepEqual(severities(replicaIdentityFindings([table({ hasPrimaryKey: false, updates: 5n })], publication({ delete: false, update: false }))), [
    'replica-identity:ok',
  ]);
  assert.deepEqual(severities(replicaIdentityFindings([table({ hasPrimaryKey: false, updates: 5n })], publication({ update: false }))), [
    'replica-identity:warn',
  ]);
  assert.deepEqual(severities(replicaIdentityFindings([table({ hasPrimaryKey: false, updates: 5n, published: false })], publication())), [
    'replica-identity:ok',
  ]);
});

test('a keyed table, or a keyless one with REPLICA IDENTITY FULL, is not flagged (the latter noted as appended)', () => {
  assert.deepEqual(severities(replicaIdentityFindings([table({ updates: 100n, deletes: 5n })], publication())), ['replica-identity:ok']);
  assert.deepEqual(severities(replicaIdentityFindings([table({ hasPrimaryKey: false, replicaIdentity: 'f', updates: 3n })], publication())), [
    'replica-identity:info',
  ]);
});

test('TOASTable columns under REPLICA IDENTITY DEFAULT are noted with what pgshift does about the placeholder; FULL is not', () => {
  const findings = toastFindings([table({ toastColumns: ['description', 'tags'] }), table({ table: 'notes', replicaIdentity: 'f', toastColumns: ['body'] })]);
  assert.deepEqual(severities(findings), ['toast:info']);
  assert.match(findings[0]!.message, /^1 published table has TOASTable columns under REPLICA IDENTITY DEFAULT: shop\.orders \(description, tags\)\./);
  assert.match(findings[0]!.message, /__debezium_unavailable_value.*pgshift never writes/);
  assert.deepEqual(toastFindings([table()]), []);
});

test('identifiers are quoted only where SQL needs it; sizes are shown in binary units', () => {
  assert.equal(sqlIdentifier('orders'), 'orders');
  assert.equal(sqlIdentifier('Order "x"'), '"Order ""x"""');
  assert.equal(formatBytes(512n), '512 bytes');
  assert.equal(formatBytes(1536), '1.5 KiB');
});
