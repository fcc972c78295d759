import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createSchemaRegistry } from '@pgshift/debezium';
import pg from 'pg';
import { ensureConnector } from '../support/connector.js';
import { readTopic } from '../support/kafka.js';
import { stack, uniqueName } from '../support/stack.js';

// The foundation's proof: Debezium, running in the real Connect worker from connect-config/, publishes a
// table's inserts, updates and deletes as Avro in the Confluent wire format that the registry resolves.

const source = new pg.Client({ connectionString: stack.sourceUrl });
const registry = createSchemaRegistry(stack.registryUrl);
const schema = uniqueName('dbz');

before(async () => {
  await source.connect();
  await ensureConnector();
  await source.query(`CREATE SCHEMA ${schema}`);
  await source.query(`CREATE TABLE ${schema}.customers (id int PRIMARY KEY, name text NOT NULL, balance numeric(12,2))`);
  // FULL, so that updates and deletes carry the whole old row in `before`.
  await source.query(`ALTER TABLE ${schema}.customers REPLICA IDENTITY FULL`);
});

after(async () => {
  await source.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await source.end();
});

test('inserts, updates and deletes arrive as Avro change events with before, after, op and source.lsn', async () => {
  await source.query(`INSERT INTO ${schema}.customers VALUES (1, 'Ada', 10.50), (2, 'Grace', NULL)`);
  await source.query(`UPDATE ${schema}.customers SET name = 'Ada L.', balance = 11.25 WHERE id = 1`);
  await source.query(`DELETE FROM ${schema}.customers WHERE id = 2`);

  const topic = `${stack.topicPrefix}.${schema}.customers`;
  const messages = await readTopic(topic, (seen) => seen.filter((m) => m.message.value !== null).length >= 4);
  // Debezium's envelope as the registry decodes it, checked field by field below.
  const events: { key: any; value: any }[] = [];
  for (const { message } of messages) {
    if (message.value === null) continue; // the tombstone after a delete
    assert.equal(message.value[0], 0, 'Confluent wire format starts with magic byte 0');
    events.push({ key: await registry.decode(message.key!), value: await registry.decode(message.value) });
  }
  // One key per row: all changes of a row are on one partition, in order.
  const byId = (id: number) => events.filter((e) => e.key.id === id).map((e) => e.value);

  const [insert1, update1] = byId(1);
  const [insert2, delete2] = byId(2);
  assert.equal(insert1.op, 'c');
  assert.equal(insert1.before, null);
  assert.equal(insert1.after.name, 'Ada');
  assert.equal(update1.op, 'u');
  assert.equal(update1.before.name, 'Ada');
  assert.equal(update1.after.name, 'Ada L.');
  assert.equal(insert2.after.balance, null);
  assert.equal(delete2.op, 'd');
  assert.equal(delete2.before.name, 'Grace');
  assert.equal(delete2.after, null);

  for (const event of [insert1, update1, insert2, delete2]) {
    assert.equal(event.source.schema, schema);
    assert.equal(event.source.table, 'customers');
    assert.ok(Number(event.source.lsn) > 0, 'every event carries its source LSN');
  }
  assert.ok(Number(update1.source.lsn) > Number(insert1.source.lsn), 'LSNs grow with commit order');
  assert.ok(Number(delete2.source.lsn) > Number(update1.source.lsn));
});
