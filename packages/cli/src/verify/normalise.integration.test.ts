import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createRedshiftDialect, PostgresTextQueries, postgresDialect } from '@pgshift/warehouse';
import { WAREHOUSE_URL } from '../test-support/databases.js';
import { type ComparedColumn, normalisedValue, rowHash, rowHashNumber, type SqlSide } from './normalise.js';
import type { ValueKind } from './value-kind.js';

const db = new PostgresTextQueries(WAREHOUSE_URL, { applicationName: 'pgshift-cli-test' });
after(() => db.close());

const redshiftDialect = createRedshiftDialect();
const source: SqlSide = { role: 'source', dialect: postgresDialect, warehouse: postgresDialect };
const sourceForRedshift: SqlSide = { ...source, warehouse: redshiftDialect };
const warehouse: SqlSide = { role: 'warehouse', dialect: postgresDialect, warehouse: postgresDialect };
const redshift: SqlSide = { role: 'warehouse', dialect: redshiftDialect, warehouse: redshiftDialect };

function column(kind: ValueKind): ComparedColumn {
  return { name: 'c', warehouseName: 'c', kind, needsByteOrder: { source: false, warehouse: false } };
}

/** The normalised text of one value (a SQL expression of the side's column type), evaluated by PostgreSQL. */
async function normalised(kind: ValueKind, side: SqlSide, value: string): Promise<string | null> {
  const [row] = await db.queryText(`SELECT ${normalisedValue(column(kind), side)} AS "v" FROM (SELECT ${value} AS "c") AS "t"`);
  return row!.v ?? null;
}

const equalThroughTheMapping: [ValueKind, string, string, string][] = [
  // kind, source value, the warehouse's value for it, the normalised text
  ['numeric', "CAST('1.5' AS numeric)", "CAST('1.50' AS numeric)", '1.5'],
  ['numeric', "CAST('2' AS numeric)", "CAST('2.0000000000' AS numeric(38,10))", '2'],
  ['numeric', "CAST('-0.250' AS numeric(10,3))", "CAST('-0.25' AS numeric(10,3))", '-0.25'],
  ['numeric', "CAST('100' AS numeric)", "CAST('100' AS numeric)", '100'],
  ['money', "CAST('12.30' AS money)", "CAST('12.3' AS numeric(19,2))", '12.3'],
  ['boolean', 'TRUE', 'TRUE', 't'],
  ['timestamptz', "CAST('2024-05-01 14:00:00.5+02' AS timestamptz)", "CAST('2024-05-01 12:00:00.500000+00' AS timestamptz)", '2024-05-01 12:00:00.500000'],
  ['timestamp', "CAST('2024-05-01 14:00:00' AS timestamp)", "CAST('2024-05-01 14:00:00' AS timestamp)", '2024-05-01 14:00:00.000000'],
  ['time', "CAST('08:30:00.25' AS time)", "CAST('08:30:00.25' AS time)", '08:30:00.250000'],
  ['date', "CAST('2024-02-29' AS date)", "CAST('2024-02-29' AS date)", '2024-02-29'],
  ['json', "ARRAY['a', 'b']", `CAST('["a", "b"]' AS jsonb)`, '["a", "b"]'],
  ['json', 'ARRAY[1.50, 2]', `CAST('[1.50, 2]' AS jsonb)`, '[1.50, 2]'],
  ['json', `CAST('{"b": 1, "a": [true]}' AS json)`, `CAST('{"a":[true],"b":1}' AS jsonb)`, '{"a": [true], "b": 1}'],
  ['bytea', "CAST('\\xDEADbeef' AS bytea)", "CAST('\\xdeadbeef' AS bytea)", 'deadbeef'],
  ['bpchar', "CAST('ab' AS char(5))", "CAST('ab   ' AS text)", 'ab'],
  [
    'uuid',
    "CAST('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' AS uuid)",
    "CAST('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' AS uuid)",
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  ],
  ['other', "CAST('10.0.0.1' AS inet)", "CAST('10.0.0.1' AS inet)", '10.0.0.1'],
  ['interval', "CAST('1 day 02:00:00' AS interval)", "CAST('P1DT2H' AS interval)", '1 day 02:00:00'],
];

test('equal values normalise to equal text on the source and a PostgreSQL warehouse', async () => {
  for (const [kind, sourceValue, warehouseValue, expected] of equalThroughTheMapping) {
    assert.equal(await normalised(kind, source, sourceValue), expected, `${kind} source ${sourceValue}`);
    assert.equal(await normalised(kind, warehouse, warehouseValue), expected, `${kind} warehouse ${warehouseValue}`);
  }
});

test('different values stay different: NULL is not the empty string, 1.5 is not 1.05', async () => {
  assert.equal(await normalised('text', source, 'CAST(NULL AS text)'), null);
  assert.equal(await normalised('text', source, "''"), '');
  assert.notEqual(await normalised('numeric', source, "CAST('1.5' AS numeric)"), await normalised('numeric', warehouse, "CAST('1.05' AS numeric)"));
  assert.notEqual(await normalised('boolean', source, 'FALSE'), await normalised('boolean', source, 'CAST(NULL AS boolean)'));
});

test('for a Redshift warehouse the source writes JSON compactly, as JSON_SERIALIZE does', async () => {
  assert.equal(await normalised('json', sourceForRedshift, `CAST('{"a": "x, y: z", "b": [1, 2]}' AS jsonb)`), '{"a":"x, y: z","b":[1,2]}');
  assert.equal(await normalised('json', sourceForRedshift, `CAST('{"q": "say \\"hi\\", ok"}' AS jsonb)`), '{"q":"say \\"hi\\", ok"}');
});

test('the Redshift side uses Redshift functions only', () => {
  const text = [
    normalisedValue(column('json'), redshift),
    normalisedValue(column('bytea'), redshift),
    normalisedValue(column('numeric'), redshift),
    rowHashNumber([column('integer'), column('text')], redshift),
  ].join('\n');
  assert.match(text, /JSON_SERIALIZE\("c"\)/);
  assert.match(text, /FROM_VARBYTE\("c", 'hex'\)/);
  assert.match(text, /STRTOL\(SUBSTRING\(MD5\(/);
  assert.match(text, /CAST\("c" AS VARCHAR\(65535\)\)/);
  assert.doesNotMatch(text, /::|BIT\(32\)|TO_JSONB|ENCODE\(/i);
});

test('a row hash number is the first 32 bits of the row MD5, the same for equal rows on both sides', async () => {
  const columns = [column('integer'), { ...column('text'), name: 'd', warehouseName: 'd' }];
  const [s] = await db.queryText(
    `SELECT ${rowHash(columns, source)} AS "h", CAST(${rowHashNumber(columns, source)} AS TEXT) AS "n" FROM (SELECT 7 AS "c", NULL AS "d") AS "t"`,
  );
  const [w] = await db.queryText(`SELECT ${rowHash(columns, warehouse)} AS "h" FROM (SELECT CAST(7 AS bigint) AS "c", CAST(NULL AS text) AS "d") AS "t"`);
  assert.equal(s!.h, w!.h);
  assert.equal(BigInt(s!.n!), BigInt(`0x${s!.h!.slice(0, 8)}`));
  const [empty] = await db.queryText(`SELECT ${rowHash(columns, source)} AS "h" FROM (SELECT 7 AS "c", '' AS "d") AS "t"`);
  assert.notEqual(empty!.h, s!.h);
});
