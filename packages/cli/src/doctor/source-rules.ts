import { type Finding, findingIn } from './finding.js';
import type { Publication, ReplicationSlot, SourceSettings, SourceTable } from './source-rows.js';

/**
 * The source's findings, from its catalog rows (source-rows.ts): pure, so that each rule is tested
 * with the rows that trigger it.
 */

const finding = findingIn('source');

/** A PostgreSQL identifier as it must be written in SQL. */
export function sqlIdentifier(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

const qualified = (t: { schema: string; table: string }) => `${sqlIdentifier(t.schema)}.${sqlIdentifier(t.table)}`;

/** Bytes in the unit a person reads them in. */
export function formatBytes(bytes: bigint | number): string {
  const n = Number(bytes);
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The first few names of a list, and how many more. */
function listed(names: readonly string[], shown = 5): string {
  return names.length <= shown ? names.join(', ') : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

export function walLevelFinding(settings: SourceSettings): Finding {
  if (settings.walLevel === 'logical') return finding('wal_level', 'ok', 'wal_level is logical');
  return finding(
    'wal_level',
    'error',
    `wal_level is ${settings.walLevel}: Debezium's logical decoding (pgoutput) needs logical; the connector cannot start`,
    'ALTER SYSTEM SET wal_level = logical, then restart PostgreSQL (RDS, Aurora: rds.logical_replication = 1 in the parameter group, then reboot)',
  );
}

/** pgshift's own slot (the connector's slot.name): there, logical, read by a connector, not invalidated. */
export function slotFinding(slots: readonly ReplicationSlot[], slotName: string): Finding {
  const slot = slots.find((s) => s.name === slotName);
  if (!slot) {
    return finding(
      'slot',
      'warn',
      `replication slot ${slotName} does not exist`,
      `before the connector's first start this is expected (it creates the slot named by slot.name); if it ran before, the slot was dropped and changes since are lost: re-snapshot (a new connector or snapshot.mode=initial with fresh offsets), then pgshift verify`,
      [slotName],
    );
  }
  if (slot.type !== 'logical') {
    return finding(
      'slot',
      'error',
      `replication slot ${slotName} is a ${slot.type} slot: Debezium needs a logical one`,
      `give the connector another slot.name, or drop this slot if nothing uses it`,
      [slotName],
    );
  }
  if (slot.walStatus === 'lost') {
    return finding(
      'slot',
      'error',
      `replication slot ${slotName} was invalidated (wal_status lost: it fell behind by more than max_slot_wal_keep_size): changes it had not delivered are gone`,
      `SELECT pg_drop_replication_slot('${slotName}'); then re-snapshot (restart the connector with fresh offsets so that it takes an initial snapshot) and run pgshift verify`,
      [slotName],
    );
  }
  if (slot.plugin !== 'pgoutput') {
    return finding(
      'slot',
      'warn',
      `replication slot ${slotName} decodes with ${slot.plugin}, not pgoutput (the connector's plugin.name)`,
      `make plugin.name match the slot, or drop the slot and let the connector recreate it`,
      [slotName],
    );
  }
  if (!slot.active) {
    return finding(
      'slot',
      'warn',
      `replication slot ${slotName} exists but nothing reads it: the connector is stopped, paused or failing`,
      'start or resume the connector (see the pipeline checks); meanwhile the slot retains WAL',
      [slotName],
    );
  }
  return finding('slot', 'ok', `replication slot ${slotName} exists and is read (${slot.walStatus ?? 'active'})`, undefined, [slotName]);
}

/**
 * The WAL each slot holds back, against max_slot_wal_keep_size. An inactive slot with no limit keeps
 * every WAL segment from its restart_lsn on: the source's disk fills, and PostgreSQL stops.
 */
export function slotWalFindings(settings: SourceSettings, slots: readonly ReplicationSlot[]): Finding[] {
  const limitMb = settings.maxSlotWalKeepSizeMb;
  const limitBytes = limitMb === null || limitMb < 0 ? null : BigInt(limitMb) * 1024n * 1024n;
  const unlimited = limitBytes === null;
  const limitText = limitBytes === null ? 'max_slot_wal_keep_size = -1 (unlimited)' : `max_slot_wal_keep_size ${formatBytes(limitBytes)}`;
  const setLimit = "ALTER SYSTEM SET max_slot_wal_keep_size = '<a size the disk can hold, e.g. 50GB>'; SELECT pg_reload_conf();";
  const findings: Finding[] = [];
  for (const slot of slots) {
    if (slot.walStatus === 'lost' || slot.retainedBytes === null) continue; // nothing retained (slotFinding reports pgshift's)
    const retained = formatBytes(slot.retainedBytes);
    if (!slot.active && unlimited) {
      findings.push(
        finding(
          'slot-wal',
          'error',
          `slot ${slot.name} is inactive and retains ${retained} of WAL with ${limitText}: it grows until the source's disk is full`,
          `if nothing will read ${slot.name} again: SELECT pg_drop_replication_slot('${slot.name}'); else start its consumer. And bound it: ${setLimit}`,
          [slot.name],
        ),
      );
    } else if (!slot.active) {
      findings.push(
        finding(
          'slot-wal',
          'warn',
          `slot ${slot.name} is inactive and retains ${retained} of WAL (${limitText}; beyond it the slot is invalidated and its consumer must re-snapshot)`,
          `start its consumer, or SELECT pg_drop_replication_slot('${slot.name}'); if it is abandoned`,
          [slot.name],
        ),
      );
    } else if (limitBytes !== null && slot.retainedBytes * 2n > limitBytes) {
      findings.push(
        finding(
          'slot-wal',
          'warn',
          `slot ${slot.name} retains ${retained} of WAL, over half its ${limitText}: its consumer lags`,
          'find why the connector falls behind (pipeline checks, Connect logs) before the slot is invalidated',
          [slot.name],
        ),
      );
    } else {
      findings.push(finding('slot-wal', 'ok', `slot ${slot.name} is read and retains ${retained} of WAL (${limitText})`, undefined, [slot.name]));
    }
  }
  if (unlimited && slots.length > 0 && findings.every((f) => f.severity === 'ok')) {
    findings.push(
      finding('slot-wal', 'info', `${limitText}: a slot whose consumer stops for good would retain WAL until the disk is full`, `bound it: ${setLimit}`),
    );
  }
  return findings;
}

/** Room for the connector's slot and WAL sender, and for one more (a second connector, a re-snapshot). */
export function capacityFindings(settings: SourceSettings, slots: readonly ReplicationSlot[], slotName: string): Finding[] {
  const ours = slots.find((s) => s.name === slotName);
  const findings: Finding[] = [];
  const slotsFull = settings.slotsUsed >= settings.maxReplicationSlots;
  if (slotsFull && !ours) {
    findings.push(
      finding(
        'replication-capacity',
        'error',
        `all ${settings.maxReplicationSlots} replication slots are in use and ${slotName} is not one of them: the connector cannot create its slot`,
        'drop an unused slot (pg_drop_replication_slot) or raise max_replication_slots (needs a restart)',
      ),
    );
  } else if (slotsFull) {
    findings.push(
      finding(
        'replication-capacity',
        'warn',
        `all ${settings.maxReplicationSlots} replication slots are in use: no room for another connector or a re-snapshot into a new slot`,
        'raise max_replication_slots (needs a restart) or drop unused slots',
      ),
    );
  }
  const sendersFull = settings.walSendersUsed >= settings.maxWalSenders;
  if (sendersFull && !ours?.active) {
    findings.push(
      finding(
        'replication-capacity',
        'error',
        `all ${settings.maxWalSenders} WAL senders (max_wal_senders) are busy: the connector cannot open its replication connection`,
        'raise max_wal_senders (needs a restart) or stop another replication client',
      ),
    );
  } else if (sendersFull) {
    findings.push(
      finding(
        'replication-capacity',
        'warn',
        `all ${settings.maxWalSenders} WAL senders are busy: no room for another replication client`,
        'raise max_wal_senders (needs a restart)',
      ),
    );
  }
  if (findings.length === 0) {
    findings.push(
      finding(
        'replication-capacity',
        'ok',
        `replication slots ${settings.slotsUsed} of ${settings.maxReplicationSlots} used, WAL senders ${settings.walSendersUsed} of ${settings.maxWalSenders}`,
      ),
    );
  }
  return findings;
}

/** The publication exists and publishes every kind of change; FOR ALL TABLES or which tables it misses. */
export function publicationFindings(
  publication: Publication | null,
  publicationName: string,
  tables: readonly SourceTable[],
  schemas: readonly string[] | undefined,
): Finding[] {
  if (!publication) {
    return [
      finding(
        'publication',
        'error',
        `publication ${publicationName} does not exist: the connector (publication.autocreate.mode=disabled) cannot start`,
        `CREATE PUBLICATION ${sqlIdentifier(publicationName)} FOR ALL TABLES; (or FOR TABLE … with the tables to replicate)`,
      ),
    ];
  }
  const findings: Finding[] = [];
  const missing = (['insert', 'update', 'delete', 'truncate'] as const).filter((kind) => !publication[kind]);
  if (missing.length > 0) {
    findings.push(
      finding(
        'publication',
        'warn',
        `publication ${publicationName} does not publish ${missing.join(', ')}: those changes never reach the warehouse, which drifts from the source`,
        `ALTER PUBLICATION ${sqlIdentifier(publicationName)} SET (publish = 'insert, update, delete, truncate');`,
      ),
    );
  }
  if (publication.allTables) {
    findings.push(
      finding(
        'publication',
        'info',
        `publication ${publicationName} is FOR ALL TABLES: every table, those created later too, is published, so PostgreSQL rejects UPDATE and DELETE on any table without a replica identity (see replica-identity)`,
      ),
    );
    return findings;
  }
  const published = tables.filter((t) => t.published);
  const unpublished = tables.filter((t) => !t.published).map(qualified);
  const where = schemas && schemas.length > 0 ? `schemas ${schemas.join(', ')}` : 'the schemas it publishes from';
  if (unpublished.length > 0) {
    findings.push(
      finding(
        'publication-coverage',
        'warn',
        `${unpublished.length} ${unpublished.length === 1 ? 'table' : 'tables'} of ${where} not in publication ${publicationName}, so never replicated: ${listed(unpublished)}`,
        `ALTER PUBLICATION ${sqlIdentifier(publicationName)} ADD TABLE ${listed(unpublished, 3)}; (or leave them out of the connector's include lists, if that is deliberate)`,
        unpublished,
      ),
    );
  } else {
    findings.push(finding('publication-coverage', 'ok', `publication ${publicationName} publishes all ${published.length} tables of ${where}`));
  }
  return findings;
}

/** A table whose UPDATE or DELETE PostgreSQL cannot log for a publication (it has nothing to name the old row by). */
export function lacksReplicaIdentity(t: SourceTable): boolean {
  return (t.replicaIdentity === 'd' && !t.hasPrimaryKey) || t.replicaIdentity === 'n' || (t.replicaIdentity === 'i' && !t.hasIdentityIndex);
}

function identityText(t: SourceTable): string {
  if (t.replicaIdentity === 'n') return 'REPLICA IDENTITY NOTHING';
  if (t.replicaIdentity === 'i') return 'REPLICA IDENTITY USING INDEX on an index that no longer exists';
  return 'no primary key and REPLICA IDENTITY DEFAULT';
}

/**
 * Published tables without a replica identity. PostgreSQL rejects an UPDATE (DELETE) of such a table
 * while a publication publishes updates (deletes): `cannot update table "x" because it does not have
 * a replica identity and publishes updates`. One that has received them (the statistics count them)
 * is an application that will fail on its next one: an error. One that never did may be append-only:
 * a warning. A keyless table with REPLICA IDENTITY FULL works, appended in the warehouse: info.
 */
export function replicaIdentityFindings(tables: readonly SourceTable[], publication: Publication | null): Finding[] {
  if (!publication) return [];
  const published = tables.filter((t) => t.published);
  const findings: Finding[] = [];
  const fixFor = (t: SourceTable) =>
    `ALTER TABLE ${qualified(t)} REPLICA IDENTITY FULL; (the old row is logged whole; pgshift appends each change as a row), or add a primary key, or ALTER TABLE ${qualified(t)} REPLICA IDENTITY USING INDEX <a unique index on NOT NULL columns>; or take it out of publication ${publication.name}`;
  for (const t of published.filter(lacksReplicaIdentity)) {
    const rejected = [
      ...(publication.update && t.updates > 0n ? [`${t.updates} UPDATE`] : []),
      ...(publication.delete && t.deletes > 0n ? [`${t.deletes} DELETE`] : []),
    ];
    const kinds = [...(publication.update ? ['UPDATE'] : []), ...(publication.delete ? ['DELETE'] : [])];
    if (kinds.length === 0) continue; // nothing PostgreSQL would reject
    if (rejected.length > 0) {
      findings.push(
        finding(
          'replica-identity',
          'error',
          `${qualified(t)} has ${identityText(t)}, is published with ${kinds.join(' and ')}, and has received ${rejected.join(' and ')} (pg_stat_user_tables): PostgreSQL rejects the next one ("cannot update table … because it does not have a replica identity and publishes updates"), an outage for the application`,
          fixFor(t),
          [qualified(t)],
        ),
      );
    } else {
      findings.push(
        finding(
          'replica-identity',
          'warn',
          `${qualified(t)} has ${identityText(t)} and no UPDATE or DELETE counted: fine while it is only inserted into (pgshift appends its rows; the ledger skips a batch applied twice, but an interrupted initial snapshot re-reads it and appends its rows again); its first ${kinds.join(' or ')} will be rejected by PostgreSQL`,
          `if it is append-only, nothing; otherwise, before it is updated: ${fixFor(t)}`,
          [qualified(t)],
        ),
      );
    }
  }
  const keylessFull = published.filter((t) => !t.hasPrimaryKey && t.replicaIdentity === 'f').map(qualified);
  if (keylessFull.length > 0) {
    findings.push(
      finding(
        'replica-identity',
        'info',
        `${keylessFull.length} published ${keylessFull.length === 1 ? 'table has' : 'tables have'} no primary key and REPLICA IDENTITY FULL: pgshift appends every change as a row (no key to merge on): ${listed(keylessFull)}`,
        undefined,
        keylessFull,
      ),
    );
  }
  if (findings.length === 0) {
    findings.push(finding('replica-identity', 'ok', `every published table checked (${published.length}) has a primary key or a replica identity`));
  }
  return findings;
}

/**
 * Keyed tables with TOASTable columns under REPLICA IDENTITY DEFAULT: an UPDATE that leaves such a
 * value unchanged sends Debezium's placeholder instead of it. pgshift never writes the placeholder.
 */
export function toastFindings(tables: readonly SourceTable[]): Finding[] {
  const affected = tables.filter((t) => t.published && t.toastColumns.length > 0 && t.replicaIdentity !== 'f' && !lacksReplicaIdentity(t));
  if (affected.length === 0) return [];
  const names = affected.map((t) => `${qualified(t)} (${t.toastColumns.join(', ')})`);
  return [
    finding(
      'toast',
      'info',
      `${affected.length} published ${affected.length === 1 ? 'table has' : 'tables have'} TOASTable columns under REPLICA IDENTITY DEFAULT: ${listed(names, 3)}. An UPDATE that leaves such a value unchanged sends Debezium's placeholder (__debezium_unavailable_value), which pgshift never writes: it fills the value from the row's earlier image in the batch, or keeps the warehouse's value`,
      'nothing needed; REPLICA IDENTITY FULL on a table sends the whole old row instead (more WAL), which also covers a primary-key change whose old row was deleted in an earlier batch (hard-delete mode)',
      affected.map(qualified),
    ),
  ];
}
