import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRedshiftDialect, postgresDialect } from '@pgshift/warehouse';
import { checksumSql, chunkBoundarySql, keyBound, keyLiteral, rangeFilter } from './chunk-sql.js';
import type { ComparedTable } from './compared-table.js';
import type { ComparedColumn, SqlSide } from './normalise.js';
import type { ValueKind } from './value-kind.js';

const redshiftDialect = createRedshiftDialect();
const source: SqlSide = { role: 'source', dialect: postgresDialect, warehouse: redshiftDialect };
const redshift: SqlSide = { role: 'warehouse', dialect: redshiftDialect, warehouse: redshiftDialect };

function column(name: string, kind: ValueKind, needsByteOrder = false): ComparedColumn {
  return { name, warehouseName: name.toLowerCase(), kind, needsByteOrder: { source: needsByteOrder, warehouse: false } };
}

const table: ComparedTable = {
  source: { schema: 'app', table: 'Accounts' },
  warehouse: { schema: 'app', table: 'accounts' },
  columns: [column('tenant', 'integer'), column('Code', 'text', true), column('opened', 'timestamptz')],
  key: [column('tenant', 'integer'), column('Code', 'text', true)],
  softDelete: true,
};

test('a composite key bound is lexicographic, without row comparisons, with the first column bounded alone', () => {
  assert.equal(keyBound(table, source, ['3', "o'k"], 'after'), `"tenant" >= 3 AND ("tenant" > 3 OR ("tenant" = 3 AND ("Code" COLLATE "C" > 'o''k')))`);
  assert.equal(keyBound(table, redshift, ['3', 'x'], 'upTo'), `"tenant" <= 3 AND ("tenant" < 3 OR ("tenant" = 3 AND ("code" <= 'x')))`);
});

test('key literals keep the key type: numbers bare, times cast, UTC made explicit for timestamptz', () => {
  assert.equal(keyLiteral(column('n', 'numeric'), source, '-1.5'), '-1.5');
  assert.equal(keyLiteral(column('t', 'timestamptz'), redshift, '2024-01-01 00:00:00.000000'), "CAST('2024-01-01 00:00:00.000000+00' AS TIMESTAMPTZ)");
  assert.equal(keyLiteral(column('i', 'integer'), source, '1; DROP TABLE x'), "'1; DROP TABLE x'");
});

test('warehouse ranges of a soft-delete table count only rows not marked deleted; the source has no such filter', () => {
  const range = { after: ['1', 'a'], upTo: null };
  assert.match(rangeFilter(table, redshift, range), /AND COALESCE\("_pgshift_deleted", FALSE\) = FALSE$/);
  assert.doesNotMatch(rangeFilter(table, source, range), /_pgshift_deleted/);
});

test('chunk boundaries come from keyset pagination within one chunk; checksums aggregate in SQL', () => {
  const boundary = chunkBoundarySql(table, source, { after: ['1', 'a'], upTo: null }, 10000);
  assert.match(boundary, /FROM "app"\."Accounts" WHERE .* ORDER BY "tenant", "Code" COLLATE "C" LIMIT 1 OFFSET 9999$/);
  const checksum = checksumSql(table, redshift, { after: null, upTo: null });
  assert.match(
    checksum,
    /^SELECT CAST\(COUNT\(\*\) AS VARCHAR\(40\)\) AS "row_count", CAST\(COALESCE\(SUM\("h"\), 0\) AS VARCHAR\(40\)\) AS "hash_sum" FROM \(SELECT STRTOL/,
  );
  assert.match(checksum, /FROM "app"\."accounts" WHERE COALESCE\("_pgshift_deleted", FALSE\) = FALSE\) AS "chunk"$/);
});
