/**
 * Throughput of the batch file format for a 14-column row (6 table columns + the 8 staging columns).
 *   node --conditions=source --import tsx packages/csv/src/batch-file-writer.bench.ts [--rows N] [--small]
 *
 *   --rows N   500,000 by default (or $ROWS)
 *   --small    20,000 rows unless --rows says otherwise: to prove the bench still runs (the full suite
 *              does, bench/benches.integration.test.ts); its figures mean little
 */
import { parseArgs } from 'node:util';
import { type CellValue, STAGING_META_COLUMNS } from '@pgshift/contracts';
import { BatchFileWriter } from './batch-file-writer.js';
import { createFieldNotes } from './encode-field.js';
import { encodeRow } from './encode-row.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string' }, small: { type: 'boolean', default: false } } });
const ROWS = Number(args.rows ?? process.env.ROWS ?? (args.small ? 20_000 : 500_000));
if (!Number.isSafeInteger(ROWS) || ROWS < 1) throw new Error(`--rows ${args.rows ?? process.env.ROWS}: expected a positive integer`);
const columns = ['id', 'email', 'name', 'balance', 'created_at', 'note', ...STAGING_META_COLUMNS];

function makeRows(): CellValue[][] {
  const rows: CellValue[][] = [];
  for (let i = 0; i < ROWS; i++) {
    rows.push([
      String(100_000 + i),
      `user${i}@example.com`,
      i % 10 === 0 ? 'Zoë "Zed" O\'Brien, Jr.' : `User Number ${i}`,
      (i * 1.37).toFixed(2),
      `2024-05-${String((i % 28) + 1).padStart(2, '0')} 12:34:56.${String(i % 1_000_000).padStart(6, '0')}+00`,
      i % 3 === 0 ? null : `free text ${i} with some words in it\nand a second line`,
      i % 5 === 0 ? 'c' : 'u',
      String(23_000_000_000 + i * 48),
      `2024-05-06 07:08:${String(i % 60).padStart(2, '0')}.123456+00`,
      String(i % 3),
      String(i),
      null,
      String(23_000_000_000 + i * 48 - 16),
      null,
      null,
    ]);
  }
  return rows;
}

function report(label: string, ms: number, extra = ''): void {
  console.log(
    `${label.padEnd(34)} ${Math.round((ROWS / ms) * 1000)
      .toLocaleString('en')
      .padStart(11)} rows/s  ${ms.toFixed(0).padStart(6)} ms  ${extra}`,
  );
}

const rows = makeRows();

{
  const notes = createFieldNotes();
  let bytes = 0;
  const start = performance.now();
  for (const row of rows) bytes += encodeRow(row, columns, notes).length;
  report('encodeRow only', performance.now() - start, `${(bytes / ROWS).toFixed(0)} chars/row`);
}

for (const gzipLevel of [1, 6]) {
  const writer = new BatchFileWriter(columns, { gzipLevel });
  let compressed = 0;
  let uncompressed = 0;
  let parts = 0;
  const start = performance.now();
  for await (const part of writer.write(rows)) {
    compressed += part.body.length;
    uncompressed += part.uncompressedBytes;
    parts++;
  }
  const ms = performance.now() - start;
  report(
    `BatchFileWriter, gzip level ${gzipLevel}`,
    ms,
    `${parts} part(s), ${(uncompressed / 2 ** 20).toFixed(1)} MiB → ${(compressed / 2 ** 20).toFixed(1)} MiB, ${((uncompressed / 2 ** 20 / ms) * 1000).toFixed(0)} MiB/s`,
  );
}
