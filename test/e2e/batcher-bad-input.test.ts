import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { NULL_SENTINEL } from '@pgshift/contracts';
import { DEAD_LETTER_HEADERS } from '@pgshift/runtime';
import type pg from 'pg';
import { committedOffsets, metricValue } from '../support/batches.js';
import { ensureConnector } from '../support/connector.js';
import { kafka, listTopics, readTopic } from '../support/kafka.js';
import { connect, type Pipeline, pipelineFor, rowsAsText } from '../support/pipeline.js';
import { stack, uniqueName } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

// Messages the batcher cannot use, produced onto a real change topic between Debezium's own events:
// each goes to the dead-letter topic with why and where it came from, the good events around them
// replicate, and the batcher neither crashes nor stalls on them.

let source: pg.Client;
let warehouse: pg.Client;
let pipeline: Pipeline;
const schema = uniqueName('bad');
const topic = `${stack.topicPrefix}.${schema}.items`;
const producer = kafka.producer();

before(async () => {
  source = await connect(stack.sourceUrl);
  warehouse = await connect(stack.warehouseUrl);
  await ensureConnector();
  await source.query(`CREATE SCHEMA ${schema}`);
  await source.query(`CREATE TABLE ${schema}.items (id int PRIMARY KEY, name text)`);
  await producer.connect();
  pipeline = pipelineFor(schema);
});

after(async () => {
  await pipeline?.stopAll();
  await producer.disconnect();
  await source.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await warehouse.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await source.end();
  await warehouse.end();
});

/** What Kafka Connect's JsonConverter (schemas.enable=true) writes for a row of `items`, as Debezium emits it. */
function jsonChangeEvent(row: { id: number; name: string }, lsn: string, nowMs: number) {
  const columnParameters = (type: string, length: string, name: string) => ({
    '__debezium.source.column.type': type,
    '__debezium.source.column.length': length,
    '__debezium.source.column.scale': '0',
    '__debezium.source.column.name': name,
  });
  const rowFields = [
    { type: 'int32', optional: false, field: 'id', parameters: columnParameters('INT4', '10', 'id') },
    { type: 'string', optional: true, field: 'name', parameters: columnParameters('TEXT', '2147483647', 'name') },
  ];
  const valueSchema = {
    type: 'struct',
    fields: [
      { type: 'struct', fields: rowFields, optional: true, name: `${topic}.Value`, field: 'before' },
      { type: 'struct', fields: rowFields, optional: true, name: `${topic}.Value`, field: 'after' },
      {
        type: 'struct',
        fields: [
          { type: 'string', optional: false, field: 'version' },
          { type: 'string', optional: false, field: 'connector' },
          { type: 'string', optional: false, field: 'name' },
          { type: 'int64', optional: false, field: 'ts_ms' },
          {
            type: 'string',
            optional: true,
            name: 'io.debezium.data.Enum',
            version: 1,
            parameters: { allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental' },
            default: 'false',
            field: 'snapshot',
          },
          { type: 'string', optional: false, field: 'db' },
          { type: 'string', optional: true, field: 'sequence' },
          { type: 'int64', optional: true, field: 'ts_us' },
          { type: 'string', optional: false, field: 'schema' },
          { type: 'string', optional: false, field: 'table' },
          { type: 'int64', optional: true, field: 'txId' },
          { type: 'int64', optional: true, field: 'lsn' },
        ],
        optional: false,
        name: 'io.debezium.connector.postgresql.Source',
        version: 1,
        field: 'source',
      },
      { type: 'string', optional: false, field: 'op' },
      { type: 'int64', optional: true, field: 'ts_ms' },
    ],
    optional: false,
    name: `${topic}.Envelope`,
    version: 2,
  };
  const keySchema = { type: 'struct', fields: [{ type: 'int32', optional: false, field: 'id' }], optional: false, name: `${topic}.Key` };
  const sourceBlock = `{"version":"3.0.0.Final","connector":"postgresql","name":"pgshift","ts_ms":${nowMs},"snapshot":"false","db":"app","sequence":null,"ts_us":${nowMs}000,"schema":"${schema}","table":"items","txId":1,"lsn":${lsn}}`;
  const payload = (after: string) => `{"before":null,"after":${after},"source":${sourceBlock},"op":"c","ts_ms":${nowMs}}`;
  return {
    key: Buffer.from(`{"schema":${JSON.stringify(keySchema)},"payload":{"id":${row.id}}}`),
    good: Buffer.from(`{"schema":${JSON.stringify(valueSchema)},"payload":${payload(JSON.stringify(row))}}`),
    withoutAfter: Buffer.from(`{"schema":${JSON.stringify(valueSchema)},"payload":${payload('null')}}`),
  };
}

test('bad messages go to the dead-letter topic with reason and origin; good ones around them replicate; offsets move past them', async () => {
  await source.query(`INSERT INTO ${schema}.items SELECT g, 'before ' || g FROM generate_series(1, 3) AS g`);
  await waitFor(`topic ${topic}`, async () => (await listTopics()).includes(topic), { timeoutMs: 180_000 });
  const batcher = pipeline.startBatcher();
  pipeline.startLoader();
  await Promise.all(pipeline.services.map((s) => s.ready(180_000)));

  const {
    rows: [{ lsn }],
  } = await source.query(`SELECT (pg_current_wal_lsn() - '0/0')::bigint::text AS lsn`);
  const json = jsonChangeEvent({ id: 1000, name: 'from a JSON change event' }, lsn, Date.now());
  const unknownSchemaId = Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from('not an avro body')]);
  const bad = [
    { what: 'garbage bytes', reason: 'unknown-format', key: Buffer.from('k'), value: Buffer.from('\u00ffgarbage, not a change event') },
    { what: 'Avro with a schema id the registry does not have', reason: 'unknown-schema-id', key: null, value: unknownSchemaId },
    { what: 'JSON create without an after image', reason: 'missing-after', key: json.key, value: json.withoutAfter },
  ];
  const sent: { what: string; reason: string; offset: string }[] = [];
  for (const message of bad) {
    const [metadata] = await producer.send({ topic, acks: -1, messages: [{ partition: 0, key: message.key, value: message.value }] });
    sent.push({ what: message.what, reason: message.reason, offset: metadata!.baseOffset! });
  }
  await producer.send({ topic, acks: -1, messages: [{ partition: 0, key: json.key, value: json.good }] });
  await source.query(`INSERT INTO ${schema}.items SELECT g, 'after ' || g FROM generate_series(4, 6) AS g`);
  await source.query(`UPDATE ${schema}.items SET name = 'updated' WHERE id = 2`);
  // A real row whose text equals the CSV NULL sentinel: refused (it would load as NULL), not silently changed.
  await source.query(`INSERT INTO ${schema}.items VALUES (7, $1)`, [NULL_SENTINEL]);

  const expected = [
    ...(await rowsAsText(source, `SELECT id, name FROM ${schema}.items WHERE id <> 7 ORDER BY id`)),
    JSON.stringify([1000, 'from a JSON change event']),
  ];
  await waitFor(
    'the good rows, Debezium Avro and hand-made JSON alike, in the warehouse',
    async () => JSON.stringify(await rowsAsText(warehouse, `SELECT id, name FROM ${schema}.items ORDER BY id`)) === JSON.stringify(expected),
    { timeoutMs: 180_000, intervalMs: 1000 },
  );

  const letters = await readTopic(`${pipeline.batchesTopic}.dead-letter`, (seen) => seen.length >= bad.length + 1, { timeoutMs: 180_000 });
  assert.equal(letters.length, bad.length + 1, 'exactly the bad messages and the sentinel row are dead letters');
  const sentinel = letters.find((l) => l.message.headers?.[DEAD_LETTER_HEADERS.reason]?.toString() === 'value-equals-null-sentinel');
  assert.ok(sentinel, 'the row holding the NULL sentinel is a dead letter');
  assert.equal(sentinel.message.headers?.[DEAD_LETTER_HEADERS.topic]?.toString(), topic);
  assert.ok(sentinel.message.headers?.[DEAD_LETTER_HEADERS.offset], 'with its original offset');
  for (const expectation of sent) {
    const letter = letters.find((l) => l.message.headers?.[DEAD_LETTER_HEADERS.offset]?.toString() === expectation.offset);
    assert.ok(letter, `${expectation.what} (offset ${expectation.offset}) is on the dead-letter topic`);
    const header = (name: string) => letter.message.headers?.[name]?.toString();
    assert.equal(header(DEAD_LETTER_HEADERS.reason), expectation.reason, expectation.what);
    assert.ok((header(DEAD_LETTER_HEADERS.error) ?? '').length > 0, `${expectation.what} carries the error text`);
    assert.equal(header(DEAD_LETTER_HEADERS.topic), topic);
    assert.equal(header(DEAD_LETTER_HEADERS.partition), '0');
    assert.equal(header(DEAD_LETTER_HEADERS.service), 'batcher');
    const original = bad.find((b) => b.what === expectation.what)!;
    assert.deepEqual(letter.message.value, original.value, 'the value is kept byte for byte');
  }

  const metrics = await batcher.metrics();
  assert.equal(metricValue(metrics, 'pgshift_batcher_dead_letters_total', { topic }), bad.length + 1);
  for (const { reason } of bad) assert.equal(metricValue(metrics, 'pgshift_batcher_dead_letters_total', { topic, reason }), 1, reason);
  const readiness = await fetch(`http://127.0.0.1:${batcher.httpPort}/readyz`);
  assert.equal(readiness.status, 200, `still ready: ${await readiness.text()}`);
  assert.equal(batcher.child.exitCode, null, 'the batcher never exited');

  const lastBad = Math.max(...sent.map((s) => Number(s.offset)));
  await waitFor(
    'the sentinel row to be committed past as well',
    async () => {
      const offsets = await committedOffsets(pipeline.batcherGroup, topic);
      const p = Number(sentinel.message.headers![DEAD_LETTER_HEADERS.partition]!.toString());
      return (offsets.get(p) ?? -1) > Number(sentinel.message.headers![DEAD_LETTER_HEADERS.offset]!.toString());
    },
    { timeoutMs: 180_000 },
  );
  const committed = await waitFor(
    'offsets committed past the dead letters',
    async () => {
      const offsets = await committedOffsets(pipeline.batcherGroup, topic);
      return (offsets.get(0) ?? -1) > lastBad + 1 ? offsets : false;
    },
    { timeoutMs: 180_000 },
  );
  assert.ok(committed.get(0)! > lastBad + 1, 'partition 0 committed beyond the bad messages and the JSON event after them');
});
