import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { type CellValue, LEGACY_STAGING_META_COLUMNS, NULL_SENTINEL, UNCHANGED } from '@pgshift/contracts';
import { BatchFileWriter, type BatchFileWriterOptions, DEFAULT_MAX_PART_BYTES } from './batch-file-writer.js';
import { createFieldNotes, SentinelCollisionError } from './encode-field.js';
import { encodeHeader, encodeRow } from './encode-row.js';
import type { BatchFilePart } from './part-file.js';
import { RecordArena } from './record-arena.js';

async function writeAll(columns: string[], rows: CellValue[][], options?: BatchFileWriterOptions) {
  const writer = new BatchFileWriter(columns, options);
  const parts: BatchFilePart[] = [];
  for await (const part of writer.write(rows)) parts.push(part);
  return { writer, parts };
}

const line = (row: CellValue[], columns: string[]) => encodeRow(row, columns, createFieldNotes());

describe('BatchFileWriter', () => {
  it('writes records encoded beforehand into the same parts, with the same stats, as the rows themselves', async () => {
    const columns = ['id', 'doc'];
    const rows: CellValue[][] = Array.from({ length: 5_000 }, (_, i) => [String(i), i % 1000 === 0 ? `big ${'ü'.repeat(70_000)}` : `doc ${i}\u0000`]);
    const options = { maxPartBytes: 256 * 1024, gzipLevel: 1 };
    const direct = await writeAll(columns, rows, options);

    const arena = new RecordArena();
    const records = rows.map((row) => {
      const notes = createFieldNotes();
      const record = { chunk: Buffer.alloc(0), start: 0, end: 0, notes };
      arena.append(encodeRow(row, columns, notes), record);
      return record;
    });
    const writer = new BatchFileWriter(columns, options);
    const parts: BatchFilePart[] = [];
    for await (const part of writer.writeEncoded(records)) parts.push(part);

    assert.ok(parts.length > 1);
    assert.deepEqual(
      parts.map((p) => ({ ...p, body: gunzipSync(p.body).toString('utf8') })),
      direct.parts.map((p) => ({ ...p, body: gunzipSync(p.body).toString('utf8') })),
    );
    assert.deepEqual({ ...writer.stats, oversized: writer.stats.oversizedValues }, { ...direct.writer.stats, oversized: direct.writer.stats.oversizedValues });
    assert.equal(writer.stats.nulCharactersStripped, 4_995);
  });

  it('writes the header and the rows as one gzipped CSV part when they fit', async () => {
    const columns = ['id', 'name', ...LEGACY_STAGING_META_COLUMNS];
    const rows: CellValue[][] = [
      ['1', 'alice', 'c', '100', '2024-01-01 00:00:00+00', '0', '7', null],
      ['2', '', 'u', '101', '2024-01-01 00:00:01+00', '0', '8', '|2|'],
    ];
    const { parts, writer } = await writeAll(columns, rows);
    assert.equal(parts.length, 1);
    const text = gunzipSync(parts[0]!.body).toString('utf8');
    assert.equal(text, encodeHeader(columns) + rows.map((r) => line(r, columns)).join(''));
    assert.deepEqual({ ...parts[0], body: undefined }, { index: 0, body: undefined, rows: 2, uncompressedBytes: Buffer.byteLength(text) });
    assert.equal(writer.stats.rows, 2);
  });

  it('starts a new part, with its own header, once a part reaches maxPartBytes', async () => {
    const columns = ['id', 'value'];
    const rows: CellValue[][] = Array.from({ length: 1_000 }, (_, i) => [String(i), `€ ${'x'.repeat(i % 50)}`]);
    const maxPartBytes = 8_000;
    const { parts } = await writeAll(columns, rows, { maxPartBytes });
    assert.ok(parts.length >= 4, `expected several parts, got ${parts.length}`);

    let next = 0;
    for (const part of parts) {
      assert.equal(part.index, parts.indexOf(part));
      const text = gunzipSync(part.body).toString('utf8');
      const slice = rows.slice(next, next + part.rows);
      assert.equal(text, encodeHeader(columns) + slice.map((r) => line(r, columns)).join(''));
      assert.equal(part.uncompressedBytes, Buffer.byteLength(text), 'uncompressedBytes counts UTF-8 bytes');
      const isLast = part === parts.at(-1);
      if (!isLast) {
        const lastRowBytes = Buffer.byteLength(line(slice.at(-1)!, columns));
        assert.ok(part.uncompressedBytes >= maxPartBytes, 'a part closes only once it reaches the limit');
        assert.ok(part.uncompressedBytes - lastRowBytes < maxPartBytes, 'and no later than the row that reaches it');
      }
      next += part.rows;
    }
    assert.equal(next, rows.length);
  });

  it('closes a part with the row that crosses the limit, however large that row is', async () => {
    const rows: CellValue[][] = [['a'], ['y'.repeat(5_000)], ['b']];
    const { parts } = await writeAll(['v'], rows, { maxPartBytes: 1_000 });
    assert.deepEqual(
      parts.map((p) => p.rows),
      [2, 1],
    );
  });

  it('writes no part for no rows', async () => {
    const { parts, writer } = await writeAll(['id'], []);
    assert.deepEqual(parts, []);
    assert.equal(writer.stats.rows, 0);
  });

  it('splits at 32 MiB by default', () => {
    assert.equal(DEFAULT_MAX_PART_BYTES, 32 * 1024 * 1024);
  });

  it('reports NUL strips, replaced characters and oversized values per column', async () => {
    const columns = ['id', 'doc', 'note'];
    const rows: CellValue[][] = [
      ['1', 'a'.repeat(70_000), 'x\u0000y'],
      ['2', 'é'.repeat(40_000), '\ud800\u0000'],
      ['3', 'short', 'n'.repeat(65_536)],
      ['4', null, null],
    ];
    const { writer, parts } = await writeAll(columns, rows);
    assert.equal(writer.stats.rows, 4);
    assert.equal(writer.stats.nulCharactersStripped, 2);
    assert.equal(writer.stats.invalidCharactersReplaced, 1);
    assert.deepEqual(writer.stats.oversizedValues, [
      { column: 'doc', count: 2, maxBytes: 80_000 },
      { column: 'note', count: 1, maxBytes: 65_536 },
    ]);
    assert.equal(writer.stats.largestRowBytes, Buffer.byteLength(line(['2', 'é'.repeat(40_000), '\ufffd'], columns)));
    assert.ok(gunzipSync(parts[0]!.body).toString('utf8').includes('a'.repeat(70_000)), 'oversized values are written in full');
  });

  it('leaves out a row colliding with the sentinel when a handler takes it, and counts nothing of it', async () => {
    const rejected: { column: string; rowNumber: number; row: readonly CellValue[] }[] = [];
    const columns = ['id', 'a', 'b'];
    const rows: CellValue[][] = [
      ['1', 'ok', 'ok'],
      ['2', 'has\u0000nul', NULL_SENTINEL],
      ['3', 'ok', null],
    ];
    const { writer, parts } = await writeAll(columns, rows, {
      onRejectedRow: (error, row, rowNumber) => rejected.push({ column: error.column, rowNumber, row }),
    });
    assert.deepEqual(rejected, [{ column: 'b', rowNumber: 1, row: rows[1] }]);
    assert.equal(writer.stats.rows, 2);
    assert.equal(writer.stats.rejectedRows, 1);
    assert.equal(writer.stats.nulCharactersStripped, 0, 'the rejected row leaves no trace in the stats');
    assert.equal(gunzipSync(parts[0]!.body).toString('utf8'), encodeHeader(columns) + line(rows[0]!, columns) + line(rows[2]!, columns));
  });

  it('ends the batch with SentinelCollisionError when no handler takes rejected rows', async () => {
    await assert.rejects(writeAll(['id', 'payload'], [['1', NULL_SENTINEL]]), (error: unknown) => {
      return error instanceof SentinelCollisionError && error.column === 'payload';
    });
  });

  it('refuses an unresolved unchanged-TOAST placeholder even with a rejected-row handler', async () => {
    await assert.rejects(writeAll(['id', 'big'], [['1', UNCHANGED]], { onRejectedRow: () => {} }), TypeError);
  });

  it('writes one batch per writer', async () => {
    const writer = new BatchFileWriter(['id']);
    for await (const _ of writer.write([['1']]));
    await assert.rejects(async () => {
      for await (const _ of writer.write([['2']]));
    }, /one batch/);
  });

  it('lets the event loop run every few thousand rows while it encodes', async () => {
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    let longestRun = 0;
    function* rows(): Generator<CellValue[]> {
      let run = 0;
      let ticksSeen = ticks;
      for (let i = 0; i < 100_000; i++) {
        if (ticks !== ticksSeen) [run, ticksSeen] = [0, ticks];
        longestRun = Math.max(longestRun, ++run);
        yield [String(i), `value number ${i}`, 'constant text'];
      }
    }
    const writer = new BatchFileWriter(['id', 'a', 'b']);
    for await (const _ of writer.write(rows()));
    running = false;
    assert.equal(writer.stats.rows, 100_000);
    // 128 KiB chunks at about 40 bytes a row: some 3,000 rows between turns.
    assert.ok(longestRun < 5_000, `${longestRun} rows were encoded without letting the event loop run`);
  });

  it('stops cleanly when the reader stops early', async () => {
    const writer = new BatchFileWriter(['v'], { maxPartBytes: 100 });
    const rows: CellValue[][] = Array.from({ length: 100 }, (_, i) => [`row ${i} ${'z'.repeat(100)}`]);
    let seen = 0;
    for await (const part of writer.write(rows)) {
      seen++;
      assert.equal(part.index, 0);
      break;
    }
    assert.equal(seen, 1);
  });
});
