import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postgresDialect } from './dialect.js';

const dialect = postgresDialect;
const { compare } = dialect;

test("verify's PostgreSQL expressions: text casts, output forms, jsonb's text, hex bytes, byte order", () => {
  assert.equal(dialect.asText('"c"', 40), 'CAST("c" AS TEXT)', 'PostgreSQL text has no length');
  assert.equal(compare.textValue('"c"'), 'CAST("c" AS TEXT)');
  assert.equal(compare.outputText('"c"'), `CASE WHEN "c" IS NULL THEN NULL ELSE FORMAT('%s', "c") END`);
  assert.equal(compare.uuidText('"c"'), 'CAST("c" AS TEXT)');
  assert.equal(compare.storedJsonText('"c"'), 'CAST("c" AS TEXT)');
  assert.equal(compare.sourceJsonText('"c"'), 'CAST(TO_JSONB("c") AS TEXT)');
  assert.equal(compare.bytesHex('"c"'), `ENCODE("c", 'hex')`);
  assert.equal(compare.inByteOrder('"k"'), '"k" COLLATE "C"');
  assert.equal(compare.hexToBigint('"h"'), `CAST(CAST('x' || "h" AS BIT(32)) AS BIGINT)`);
});

test("verify reads a PostgreSQL warehouse table's columns with their collations, the database's for the default", () => {
  assert.equal(
    compare.columnsStatement('app', "o'rders"),
    `SELECT c.column_name AS "name", COALESCE(c.collation_name, db.datcollate) AS "collation"
    FROM information_schema.columns c CROSS JOIN (SELECT datcollate FROM pg_database WHERE datname = current_database()) db
    WHERE c.table_schema = 'app' AND c.table_name = 'o''rders' ORDER BY c.ordinal_position`,
  );
});
