import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CellValue, NULL_SENTINEL } from '@pgshift/contracts';
import { decodeRecord } from './decode-record.js';
import { createFieldNotes } from './encode-field.js';
import { encodeRow } from './encode-row.js';
import { RecordArena, type RecordLocation, recordText } from './record-arena.js';

const nasty: CellValue[] = [null, '', '"', '""', 'a,"b"\nc\r\n', '\t\\N\\', 'zoë 😀 漢字', `${NULL_SENTINEL}x`, ',', 'x'.repeat(70_000), null];

describe('decodeRecord', () => {
  it('reads back what encodeRow wrote: NULL apart from "", quotes, separators, newlines, long values', () => {
    const columns = nasty.map((_, i) => `c${i}`);
    assert.deepEqual(decodeRecord(encodeRow(nasty, columns, createFieldNotes())), nasty);
    assert.deepEqual(decodeRecord(encodeRow([null], ['only'], createFieldNotes())), [null]);
    assert.deepEqual(decodeRecord(encodeRow([''], ['only'], createFieldNotes())), ['']);
  });

  it('refuses what encodeRow never writes', () => {
    assert.throws(() => decodeRecord('"open\n'), SyntaxError);
    assert.throws(() => decodeRecord('bare,"x"\n'), SyntaxError);
    assert.throws(() => decodeRecord('"a"x\n'), SyntaxError);
  });
});

describe('RecordArena', () => {
  it('keeps every record intact across chunks, small and over a chunk in size', () => {
    const arena = new RecordArena();
    const texts = Array.from({ length: 3_000 }, (_, i) => `"${i}","${'é'.repeat(i % 700)}"\n`);
    texts.push(`"${'x'.repeat(2_000_000)}"\n`, '"after"\n');
    const locations = texts.map((text) => {
      const location: RecordLocation = { chunk: Buffer.alloc(0), start: 0, end: 0 };
      assert.equal(arena.append(text, location), Buffer.byteLength(text));
      return location;
    });
    for (const [i, location] of locations.entries()) assert.equal(recordText(location), texts[i]);
    const written = texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0);
    assert.ok(arena.allocatedBytes >= written && arena.allocatedBytes < written + 2 * 1024 * 1024);
  });
});
