import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type CellValue, UNCHANGED } from '@pgshift/contracts';
import { type ChangeEvent, createChangeEventDecoder, createSchemaRegistry, DecodeError } from '@pgshift/debezium';
import pg from 'pg';
import { ensureConnector } from '../support/connector.js';
import { type ReadMessage, readTopic } from '../support/kafka.js';
import { stack, uniqueName } from '../support/stack.js';

// Every PostgreSQL 15 type the connector sees, through the real Connect worker and registry, decoded by
// @pgshift/debezium and compared with the text PostgreSQL itself prints for the same value.

const asText = { getTypeParser: () => (value: string) => value };
const source = new pg.Client({ connectionString: stack.sourceUrl, types: asText as never });
const decoder = createChangeEventDecoder({ registry: createSchemaRegistry(stack.registryUrl) });
const schema = uniqueName('dbzdec');

/** Column → its type, and the SQL that gives PostgreSQL's text for it (the column itself by default). */
const COLUMNS: [name: string, type: string, expected?: string][] = [
  ['c_smallint', 'smallint'],
  ['c_int', 'int'],
  ['c_bigint', 'bigint'],
  ['c_numeric', 'numeric(20,5)'],
  ['c_numeric_free', 'numeric'],
  ['c_real', 'real'],
  ['c_double', 'double precision'],
  ['c_boolean', 'boolean', 'c_boolean::text'],
  ['c_text', 'text'],
  ['c_varchar', 'varchar(10)'],
  ['c_char', 'char(3)'],
  ['c_date', 'date'],
  ['c_time', 'time'],
  ['c_time3', 'time(3)'],
  // Debezium sends timetz converted to UTC.
  ['c_timetz', 'timetz', `c_timetz AT TIME ZONE 'UTC'`],
  ['c_timestamp', 'timestamp'],
  ['c_timestamp3', 'timestamp(3)'],
  ['c_timestamptz', 'timestamptz'],
  ['c_interval', 'interval'],
  ['c_json', 'json'],
  ['c_jsonb', 'jsonb'],
  ['c_uuid', 'uuid'],
  ['c_bytea', 'bytea', `encode(c_bytea, 'hex')`],
  ['c_bit', 'bit(5)'],
  ['c_varbit', 'varbit'],
  ['c_mood', 'mood'],
  ['c_ints', 'int[]', 'to_json(c_ints)::text'],
  ['c_texts', 'text[]', 'to_json(c_texts)::text'],
  ['c_inet', 'inet'],
  ['c_cidr', 'cidr'],
  ['c_macaddr', 'macaddr'],
  // The target format is the amount; PostgreSQL's money text carries the locale's currency sign.
  ['c_money', 'money', 'c_money::numeric::text'],
  ['c_xml', 'xml'],
  ['c_point', 'point'],
  ['c_tsvector', 'tsvector'],
  ['c_hstore', 'hstore', 'hstore_to_json(c_hstore)::text'],
];

const ROWS = [
  `(1, -32768, -2147483648, -9223372036854775808, -123.45678, 1.50, 1.1, 0.1, true, 'line1
line2, "quoted"', 'a,b"c', 'ab', '0001-01-01 BC', '24:00:00', '01:02:03.456', '05:06:07.123456+02', '1900-01-01 00:00:00.000001',
   '2262-04-12 00:00:00.123', '2021-03-04 05:06:07.123456+00', '1 year 2 mons 3 days 04:05:06.78', '{"a": 1,  "b":[2]}',
   '{"b":2, "a":[1,"x"]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\xdeadbeef00', B'10110', B'101', 'happy',
   '{1,NULL,-3}', '{"a","b,c",NULL,"","q\\"uote"}', '192.168.1.1', '10.0.0.0/8', '08:00:2b:01:02:03', 12.34, '<a>x &amp; y</a>',
   '(1.5,-2)', 'a fat cat', 'a=>1,b=>NULL')`,
  `(2, ${COLUMNS.map(() => 'NULL').join(', ')})`,
  `(3, 32767, 2147483647, 9223372036854775807, 999999999999999.99999, -0.00001234, '-Infinity', 'NaN', false, 'ünïcødé 😀 ✓', '', '',
   '1900-01-01', '00:00:00', '23:59:59.999', '00:00:00-05:30', '0001-01-01 00:00:00', '2300-01-01 00:00:00.001',
   '9999-12-31 23:59:59.999999+00', '-3 days -00:00:01.5', '[]', '{}', '00000000-0000-0000-0000-000000000000', '\\x', B'00000',
   B'1', 'sad', '{}', '{}', '::1', '::/0', 'ff:ff:ff:ff:ff:ff', -1234.56, '<b/>', '(0,0)', '', 'x=>""')`,
  `(4, 0, 0, 0, 0, 0, 3.4028235e38, 1e-300, true, ' lead and trail ', 'xyz', 'x', '0999-12-31', '12:34:56.000001', '00:00:00.001',
   '23:59:59.999999+14', '0999-06-15 12:00:00.5', '4000-02-29 00:00:00', '1969-12-31 23:59:59.999999+00', '0 seconds',
   'null', '"str"', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '\\x00ff', B'11111', B'1000000001', 'ok', '{-2147483648,2147483647}',
   '{"ünï","😀"}', '2001:db8::1/64', '2001:db8::/32', '00:00:00:00:00:00', 0, '<?xml version="1.0"?><r/>', '(-1.25,1e-05)',
   'x:1A y:2B', '"k,ey"=>"v=>al"')`,
];

before(async () => {
  await source.connect();
  await source.query(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'`);
  await ensureConnector();
  try {
    await source.query('CREATE EXTENSION IF NOT EXISTS hstore');
  } catch (error) {
    // Another test run created it at the same moment.
    if (!/already exists/.test((error as Error).message)) throw error;
  }
  await source.query(`CREATE SCHEMA ${schema}`);
  await source.query(`CREATE TYPE ${schema}.mood AS ENUM ('sad', 'ok', 'happy')`);
  await source.query(`SET search_path = ${schema}, public`);
  await source.query(`CREATE TABLE every_type (id int PRIMARY KEY, ${COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')})`);
  await source.query(`CREATE TABLE toasty (id int PRIMARY KEY, note text, big text, blob bytea)`);
});

after(async () => {
  await source.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await source.end();
});

async function changeEvents(table: string, count: number): Promise<{ events: ChangeEvent[]; messages: ReadMessage[] }> {
  const messages = await readTopic(`${stack.topicPrefix}.${schema}.${table}`, (seen) => seen.filter((m) => m.message.value !== null).length >= count);
  const events: ChangeEvent[] = [];
  for (const { message } of messages) {
    const event = await decoder.decode({ topic: table, key: message.key, value: message.value });
    if (event) events.push(event);
  }
  return { events, messages };
}

const sameNumber = (decoded: CellValue, expected: string | null) => decoded !== null && expected !== null && Number(decoded) === Number(expected);

test('every PostgreSQL type decodes to the text PostgreSQL prints for it', async () => {
  for (const row of ROWS) await source.query(`INSERT INTO every_type VALUES ${row}`);
  const { events } = await changeEvents('every_type', ROWS.length);
  const select = COLUMNS.map(([name, , expression]) => `${expression ?? name} AS ${name}`).join(', ');
  const expectedRows = (await source.query(`SELECT id, ${select} FROM every_type ORDER BY id`)).rows as Record<string, string | null>[];

  assert.equal(events.length, ROWS.length);
  const mismatches: string[] = [];
  const check = (ok: () => void) => {
    try {
      ok();
    } catch (error) {
      mismatches.push((error as Error).message.split('\n')[0]!);
    }
  };
  for (const expected of expectedRows) {
    const event = events.find((e) => e.values?.[0] === expected.id);
    assert.ok(event, `an event for row ${expected.id}`);
    assert.equal(event.op, 'c');
    assert.equal(event.schema, schema);
    assert.equal(event.table, 'every_type');
    assert.equal(event.key, String(expected.id), 'a one-column key is its own identity');
    for (const [i, [name]] of COLUMNS.entries()) {
      check(() => {
        const decoded = event.values![i + 1]!;
        const want = expected[name] ?? null;
        const where = `row ${expected.id}, ${name}: decoded ${String(decoded)}, PostgreSQL ${want}`;
        if (want === null || decoded === null) return assert.equal(decoded, want, where);
        switch (name) {
          case 'c_real':
            // Shortest round-trip text in JS notation (1e-7, not PostgreSQL's 1e-07): the same float.
            return assert.ok(Math.fround(Number(decoded)) === Math.fround(Number(want)) && String(decoded).length <= want.length + 1, where);
          case 'c_double':
            return assert.ok(sameNumber(decoded, want) || (want === 'NaN' && decoded === 'NaN'), where);
          case 'c_point':
            return assert.deepEqual(pointNumbers(decoded as string), pointNumbers(want), where);
          case 'c_hstore':
            return assert.deepEqual(JSON.parse(decoded as string), JSON.parse(want), where);
          default:
            return assert.equal(decoded, want, where);
        }
      });
    }
  }
  assert.deepEqual(mismatches, []);
});

function pointNumbers(point: string): number[] {
  return point.slice(1, -1).split(',').map(Number);
}

test('columns: PostgreSQL types, lengths, scales, nullability and the primary key, one array per schema', async () => {
  const { events } = await changeEvents('every_type', ROWS.length);
  const columns = events[0]!.columns;
  for (const event of events) assert.equal(event.columns, columns, 'the same ColumnSpec array for one schema');
  const byName = new Map(columns.map((c) => [c.name, c]));
  assert.deepEqual(byName.get('id'), { name: 'id', sourceType: 'int4', length: 10, scale: 0, nullable: false, primaryKey: true });
  assert.equal(columns.filter((c) => c.primaryKey).length, 1);
  assert.deepEqual(
    { ...byName.get('c_numeric') },
    {
      name: 'c_numeric',
      sourceType: 'numeric',
      length: 20,
      scale: 5,
      nullable: true,
      primaryKey: false,
    },
  );
  // decimal.handling.mode=string: numerics are exact strings, told apart by their source type.
  assert.equal(byName.get('c_numeric')?.semanticType, undefined);
  assert.equal(byName.get('c_numeric_free')?.length, undefined, 'unconstrained numeric has no precision');
  assert.equal(byName.get('c_numeric_free')?.scale, undefined);
  assert.equal(byName.get('c_varchar')?.length, 10);
  assert.equal(byName.get('c_text')?.length, undefined, 'text is unconstrained');
  assert.equal(byName.get('c_mood')?.sourceType, 'mood');
  assert.equal(byName.get('c_ints')?.sourceType, '_int4');
  assert.equal(byName.get('c_timestamptz')?.semanticType, 'io.debezium.time.ZonedTimestamp');
});

test('an update that leaves a TOASTed column alone yields UNCHANGED for it (REPLICA IDENTITY DEFAULT)', async () => {
  const big = `SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 800)`;
  await source.query(`INSERT INTO toasty VALUES (1, 'first', (${big}), decode((${big}), 'hex'))`);
  await source.query(`UPDATE toasty SET note = 'second' WHERE id = 1`);
  await source.query(`DELETE FROM toasty WHERE id = 1`);
  const { events } = await changeEvents('toasty', 3);
  const [insert, update, remove] = events;
  assert.equal(insert?.op, 'c');
  assert.ok((insert!.values![2] as string).length >= 25_000, 'the insert carries the whole value');
  assert.equal(update?.op, 'u');
  assert.deepEqual(update!.values, ['1', 'second', UNCHANGED, UNCHANGED]);
  assert.equal(remove?.op, 'd');
  assert.equal(remove?.values?.[0], '1');
  assert.equal(remove?.key, '1');
});

test('Avro that does not decode, and unknown schema ids, are DecodeErrors with their reason', async () => {
  const { messages } = await changeEvents('every_type', ROWS.length);
  const value = messages.find((m) => m.message.value !== null)!.message.value!;
  const reasonOf = async (bytes: Buffer) => {
    try {
      await decoder.decode({ topic: 'every_type', key: null, value: bytes });
    } catch (error) {
      assert.ok(error instanceof DecodeError, String(error));
      return error.reason;
    }
    return 'decoded';
  };
  assert.equal(await reasonOf(value.subarray(0, value.length - 3)), 'malformed-avro');
  assert.equal(await reasonOf(Buffer.concat([value, Buffer.from([1, 2, 3])])), 'malformed-avro');
  assert.equal(await reasonOf(Buffer.from([0, 0, 0, 0])), 'malformed-avro');
  const unknownId = Buffer.from(value);
  unknownId.writeInt32BE(2_000_000_000, 1);
  assert.equal(await reasonOf(unknownId), 'unknown-schema-id');
});
