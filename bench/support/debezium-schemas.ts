import pg from 'pg';
import { ensureConnector } from '../../test/support/connector.js';
import { type ReadMessage, readTopic } from '../../test/support/kafka.js';
import { stack } from '../../test/support/stack.js';
import { BENCH_TABLE_DDL, benchRow, rowCells } from './bench-table.js';

/** What Debezium registered for the bench table, and the real events it sent (to compare synthetic ones with). */
export interface DebeziumSchemas {
  sourceSchema: string;
  table: string;
  /** Debezium's change topic for the table: `pgshift.<schema>.<table>`. */
  topic: string;
  valueSchemaId: number;
  keySchemaId: number;
  /** The real events, in consumption order: inserts of ids 1..n (version 0) and updates of the odd ids (version 1). */
  events: ReadMessage[];
  /** (id, version) of each real event, in the order they were written. */
  written: { id: number; version: number }[];
}

interface SubjectVersion {
  id: number;
}

/**
 * Creates the bench table in the source database under `sourceSchema`, writes a few rows so that the
 * connector emits (and registers its key and value schemas), and returns the schema ids from the
 * registry's `<topic>-value` / `<topic>-key` subjects together with the real events.
 */
export async function captureDebeziumSchemas(sourceSchema: string, table = 'events', rows = 6): Promise<DebeziumSchemas> {
  await ensureConnector();
  const qualified = `"${sourceSchema}"."${table}"`;
  const source = new pg.Client({ connectionString: stack.sourceUrl });
  await source.connect();
  const written: { id: number; version: number }[] = [];
  try {
    await source.query(`CREATE SCHEMA "${sourceSchema}"`);
    await source.query(BENCH_TABLE_DDL.replace(':table', qualified));
    for (let id = 1; id <= rows; id++) {
      await source.query(`INSERT INTO ${qualified} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, rowCells(benchRow(id, 0)));
      written.push({ id, version: 0 });
    }
    for (let id = 1; id <= rows; id += 2) {
      const cells = rowCells(benchRow(id, 1));
      // The columns an update changes (bench-table.ts): quantity, amount, active, updated_at, attrs.
      await source.query(`UPDATE ${qualified} SET quantity = $2, amount = $3, active = $4, updated_at = $5, attrs = $6 WHERE id = $1`, [
        cells[0],
        cells[2],
        cells[4],
        cells[7],
        cells[8],
        cells[10],
      ]);
      written.push({ id, version: 1 });
    }
  } finally {
    await source.end();
  }
  const topic = `${stack.topicPrefix}.${sourceSchema}.${table}`;
  const events = await readTopic(topic, (seen) => seen.length >= written.length, { timeoutMs: 120_000 });
  const valueSchemaId = (await latestVersion(`${topic}-value`)).id;
  const keySchemaId = (await latestVersion(`${topic}-key`)).id;
  for (const { message } of events) {
    const onWire = { value: message.value!.readInt32BE(1), key: message.key!.readInt32BE(1) };
    if (onWire.value !== valueSchemaId || onWire.key !== keySchemaId) {
      throw new Error(`Debezium wrote schema ids ${JSON.stringify(onWire)}, the registry's subjects say value ${valueSchemaId}, key ${keySchemaId}`);
    }
  }
  return { sourceSchema, table, topic, valueSchemaId, keySchemaId, events, written };
}

async function latestVersion(subject: string): Promise<SubjectVersion> {
  const response = await fetch(`${stack.registryUrl}/subjects/${encodeURIComponent(subject)}/versions/latest`);
  if (!response.ok) throw new Error(`registry: subject ${subject}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as SubjectVersion;
}

/** Drops the source schema (the connector then emits nothing more for it). */
export async function dropSourceSchema(sourceSchema: string): Promise<void> {
  const source = new pg.Client({ connectionString: stack.sourceUrl });
  await source.connect();
  try {
    await source.query(`DROP SCHEMA IF EXISTS "${sourceSchema}" CASCADE`);
  } finally {
    await source.end();
  }
}

/** Deletes a subject and its versions (soft, then permanent). Schema ids encoded with them stop resolving. */
export async function deleteSubject(subject: string): Promise<void> {
  const url = `${stack.registryUrl}/subjects/${encodeURIComponent(subject)}`;
  await fetch(url, { method: 'DELETE' });
  await fetch(`${url}?permanent=true`, { method: 'DELETE' });
}

/** Whether the registry still resolves a schema id (a reused topic's messages carry ids from an earlier run). */
export async function schemaIdResolves(id: number): Promise<boolean> {
  return (await fetch(`${stack.registryUrl}/schemas/ids/${id}`)).ok;
}
