import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { createGunzip } from 'node:zlib';
import { type CellValue, LEGACY_STAGING_META_COLUMNS, NULL_SENTINEL } from '@pgshift/contracts';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { BatchFileWriter } from './batch-file-writer.js';
import { NASTY_VALUES } from './fixtures/nasty-values.js';
import type { BatchFilePart } from './part-file.js';

// The warehouse PostgreSQL of the running stack (stack/ports.env).
const warehouseUrl = process.env.PGSHIFT_WAREHOUSE_URL ?? 'postgresql://pgshift:pgshift@127.0.0.1:55433/warehouse';

/** A string literal PostgreSQL reads back as exactly `text`, control characters included. */
function escapedLiteral(text: string): string {
  const body = [...text]
    .map((ch) => (ch === "'" || ch === '\\' || ch.charCodeAt(0) < 0x20 ? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}` : ch))
    .join('');
  return `E'${body}'`;
}

function copyStatement(table: string): string {
  return `COPY ${table} FROM STDIN WITH (FORMAT csv, HEADER true, NULL ${escapedLiteral(NULL_SENTINEL)})`;
}

describe('PostgreSQL COPY reads batch files as the decoder does', () => {
  const client = new pg.Client({ connectionString: warehouseUrl });
  const table = `csv_compat_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const valueColumns = NASTY_VALUES.map((_, i) => `v${i}`);
  const columns = ['id', ...valueColumns, ...LEGACY_STAGING_META_COLUMNS];

  before(async () => {
    await client.connect();
    // A temporary table: unique to this session, gone even if the test dies before dropping it.
    await client.query(
      `CREATE TEMPORARY TABLE ${table} (id integer, ${valueColumns.map((c) => `${c} text`).join(', ')},
         _pgshift_op char(1), _pgshift_lsn bigint, _pgshift_source_ts timestamptz,
         _pgshift_partition integer, _pgshift_offset bigint, _pgshift_unchanged text)`,
    );
  });

  after(async () => {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
  });

  async function load(parts: BatchFilePart[]): Promise<void> {
    await client.query(`TRUNCATE ${table}`);
    for (const part of parts) {
      await pipeline(Readable.from([part.body]), createGunzip(), client.query(copyFrom(copyStatement(table))));
    }
  }

  async function writeParts(rows: CellValue[][], maxPartBytes?: number): Promise<BatchFilePart[]> {
    const parts: BatchFilePart[] = [];
    for await (const part of new BatchFileWriter(columns, { maxPartBytes }).write(rows)) parts.push(part);
    return parts;
  }

  const meta = (i: number): CellValue[] => ['u', String(1_000_000 + i), '2024-05-06 07:08:09.123456+00', '3', String(i), i % 2 ? '|1|' : null];
  const expectedValue = (value: CellValue, i: number) => (value === NASTY_VALUES[i]!.value ? (NASTY_VALUES[i]!.readsAs ?? value) : value);

  it('loads every nasty value, NULL and empty string exactly as written', async () => {
    const rows: CellValue[][] = [
      ['1', ...NASTY_VALUES.map((n) => n.value), ...meta(1)],
      ['2', ...NASTY_VALUES.map(() => null), ...meta(2)],
      ['3', ...NASTY_VALUES.map(() => ''), ...meta(3)],
      ['4', ...NASTY_VALUES.map((n, i) => (i % 2 ? null : n.value)), ...meta(4)],
      [null, ...NASTY_VALUES.map((n, i) => (i % 2 ? n.value : null)), null, null, null, null, null, null],
    ];
    const parts = await writeParts(rows);
    await load(parts);

    const result = await client.query({
      text: `SELECT id::text, ${valueColumns.join(', ')}, _pgshift_op, _pgshift_lsn::text,
               to_char(_pgshift_source_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00',
               _pgshift_partition::text, _pgshift_offset::text, _pgshift_unchanged
             FROM ${table} ORDER BY id NULLS LAST`,
      rowMode: 'array',
    });
    assert.equal(result.rows.length, rows.length);
    rows.forEach((row, r) => {
      const loaded = result.rows[r] as (string | null)[];
      row.forEach((value, c) => {
        const want = c >= 1 && c <= NASTY_VALUES.length ? expectedValue(value, c - 1) : value;
        const label = c >= 1 && c <= NASTY_VALUES.length ? NASTY_VALUES[c - 1]!.name : columns[c];
        assert.deepEqual(loaded[c], want, `row ${r}, ${label}`);
      });
    });
  });

  it('loads every row of a batch split into several parts', async () => {
    const rows: CellValue[][] = [];
    for (let r = 0; r < 30; r++) rows.push([String(r), ...NASTY_VALUES.map((n, i) => ((r + i) % 4 === 0 ? null : n.value)), ...meta(r)]);
    const parts = await writeParts(rows, 400_000);
    assert.ok(parts.length > 2, `expected several parts, got ${parts.length}`);
    await load(parts);

    const counts = await client.query(
      `SELECT count(*)::int AS rows, count(*) FILTER (WHERE v0 IS NULL)::int AS null_empty, count(*) FILTER (WHERE v0 = '')::int AS empty FROM ${table}`,
    );
    const emptyColumn = rows.map((row) => row[1]);
    assert.deepEqual(counts.rows[0], {
      rows: rows.length,
      null_empty: emptyColumn.filter((v) => v === null).length,
      empty: emptyColumn.filter((v) => v === '').length,
    });
    const bigColumn = valueColumns[NASTY_VALUES.findIndex((n) => n.name === '100 KB of ASCII')]!;
    const big = await client.query(`SELECT length(${bigColumn}) AS len FROM ${table} WHERE ${bigColumn} IS NOT NULL`);
    assert.ok(big.rows.length > 0);
    for (const row of big.rows) assert.equal(row.len, 100_000);
  });
});
