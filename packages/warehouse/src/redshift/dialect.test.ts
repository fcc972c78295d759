import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRedshiftDialect } from './dialect.js';

const dialect = createRedshiftDialect();
const { compare } = dialect;

test("verify's Redshift expressions use Redshift functions only, with explicit VARCHAR lengths", () => {
  assert.equal(dialect.asText('"c"'), 'CAST("c" AS VARCHAR(65535))', "a bare VARCHAR would be Redshift's VARCHAR(256)");
  assert.equal(dialect.asText('COUNT(*)', 40), 'CAST(COUNT(*) AS VARCHAR(40))');
  assert.equal(compare.textValue('"c"'), '"c"');
  assert.equal(compare.outputText('"c"'), '"c"');
  assert.equal(compare.uuidText('"c"'), 'LOWER("c")');
  assert.equal(compare.storedJsonText('"c"'), 'JSON_SERIALIZE("c")');
  assert.equal(compare.bytesHex('"c"'), `FROM_VARBYTE("c", 'hex')`);
  assert.equal(compare.inByteOrder('"k"'), '"k"', 'Redshift compares bytes');
  assert.equal(compare.hexToBigint('"h"'), 'STRTOL("h", 16)');
});

test('for a Redshift warehouse the source writes JSON without the blanks jsonb adds outside strings', () => {
  assert.equal(compare.sourceJsonText('"c"'), `REGEXP_REPLACE(CAST(TO_JSONB("c") AS TEXT), '("(?:[^"\\\\]|\\\\.)*")|[ \\n]+', '\\1', 'g')`);
});

test("verify reads a Redshift table's columns from SVV_COLUMNS, without collations", () => {
  assert.equal(
    compare.columnsStatement('app', 'orders'),
    `SELECT column_name AS "name", CAST(NULL AS VARCHAR(128)) AS "collation" FROM svv_columns WHERE table_schema = 'app' AND table_name = 'orders' ORDER BY ordinal_position`,
  );
});
