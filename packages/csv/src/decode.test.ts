import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { createGunzip, gunzipSync } from 'node:zlib';
import { type CellValue, NULL_SENTINEL } from '@pgshift/contracts';
import { BatchFileWriter } from './batch-file-writer.js';
import { type CsvField, decodeBatchFile } from './decode.js';
import { NASTY_VALUES } from './fixtures/nasty-values.js';

async function collect(rows: AsyncIterable<CsvField[]>): Promise<CsvField[][]> {
  const all: CsvField[][] = [];
  for await (const row of rows) all.push(row);
  return all;
}

/** Feeds bytes in tiny pieces, so quotes, sentinels and multi-byte characters straddle chunk boundaries. */
function trickle(bytes: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0, size = 1; at < bytes.length; at += size, size = (size % 7) + 1) yield bytes.subarray(at, at + size);
    })(),
  );
}

async function decodeAll(input: Readable): Promise<CsvField[][]> {
  const { rows } = await decodeBatchFile(input);
  return collect(rows);
}

const text = (csv: string) => Readable.from([Buffer.from(csv, 'utf8')]);

describe('decodeBatchFile', () => {
  it('reads an unquoted sentinel as NULL and a quoted one as text', async () => {
    const { header, rows } = await decodeBatchFile(text(`"a","b","c"\n${NULL_SENTINEL},"${NULL_SENTINEL}",""\n`));
    assert.deepEqual(header, ['a', 'b', 'c']);
    assert.deepEqual(await collect(rows), [[null, NULL_SENTINEL, '']]);
  });

  it('reads unquoted text as text, the way COPY does', async () => {
    const { rows } = await decodeBatchFile(text('"a","b"\nplain,\n'));
    assert.deepEqual(await collect(rows), [['plain', '']]);
  });

  it('fails on an unterminated quote', async () => {
    await assert.rejects(decodeAll(text('"a"\n"open\n')), /Quote Not Closed/);
  });

  it('fails on a record with the wrong number of fields', async () => {
    await assert.rejects(decodeAll(text('"a","b"\n"1"\n')), /Invalid Record Length/);
  });

  it('fails on an empty file', async () => {
    await assert.rejects(decodeBatchFile(text('')), /header/);
  });

  it('stops reading, without an error, when the reader stops early', async () => {
    const input = text(`"a"\n${'"row"\n'.repeat(10_000)}`);
    const { rows } = await decodeBatchFile(input);
    for await (const row of rows) {
      assert.deepEqual(row, ['row']);
      break;
    }
    await new Promise(setImmediate);
    assert.equal(input.destroyed, true);
  });

  it('passes on errors of the input stream', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    await assert.rejects(decodeAll(failing), /disk on fire/);
  });
});

describe('encode → gzip → decode round trip', () => {
  const columns = NASTY_VALUES.map((_, i) => `c${i}`);
  const expected = (row: CellValue[]) => row.map((v, i) => (v === NASTY_VALUES[i]!.value ? (NASTY_VALUES[i]!.readsAs ?? v) : v));

  it('gives back every nasty value, NULLs and empty strings exactly', async () => {
    const rows: CellValue[][] = [
      NASTY_VALUES.map((n) => n.value),
      NASTY_VALUES.map(() => null),
      NASTY_VALUES.map((n, i) => (i % 2 === 0 ? null : n.value)),
      NASTY_VALUES.map((n, i) => (i % 2 === 1 ? null : n.value)),
      NASTY_VALUES.map(() => ''),
    ];
    const writer = new BatchFileWriter(columns);
    const decoded: CsvField[][] = [];
    for await (const part of writer.write(rows)) {
      const { header, rows: partRows } = await decodeBatchFile(trickle(gunzipSync(part.body)));
      assert.deepEqual(header, columns);
      decoded.push(...(await collect(partRows)));
    }
    assert.equal(decoded.length, rows.length);
    rows.forEach((row, r) => {
      const want = expected(row);
      for (const [i, value] of want.entries()) assert.deepEqual(decoded[r]![i], value, `row ${r}, ${NASTY_VALUES[i]!.name}`);
    });
  });

  it('gives back every value across many parts', async () => {
    const rows: CellValue[][] = [];
    for (let r = 0; r < 40; r++) rows.push(NASTY_VALUES.map((n, i) => ((r + i) % 5 === 0 ? null : n.value)));
    const writer = new BatchFileWriter(columns, { maxPartBytes: 500_000 });
    const decoded: CsvField[][] = [];
    let parts = 0;
    for await (const part of writer.write(rows)) {
      parts++;
      const { rows: partRows } = await decodeBatchFile(Readable.from([part.body]).pipe(createGunzip()));
      decoded.push(...(await collect(partRows)));
    }
    assert.ok(parts > 3, `expected several parts, got ${parts}`);
    assert.deepEqual(decoded, rows.map(expected));
  });
});
