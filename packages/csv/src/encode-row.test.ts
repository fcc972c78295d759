import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NULL_SENTINEL } from '@pgshift/contracts';
import { createFieldNotes, SentinelCollisionError } from './encode-field.js';
import { encodeHeader, encodeRow } from './encode-row.js';

describe('encodeRow', () => {
  it('joins fields with commas and ends the record with LF', () => {
    const line = encodeRow(['1', null, '', 'a,"b"\nc'], ['id', 'n', 'e', 'x'], createFieldNotes());
    assert.equal(line, `"1",${NULL_SENTINEL},"","a,""b""\nc"\n`);
  });

  it('accumulates the notes of every field', () => {
    const notes = createFieldNotes();
    encodeRow(['a\u0000', '\u0000\u0000', '\ud800'], ['a', 'b', 'c'], notes);
    assert.equal(notes.nulCharactersStripped, 3);
    assert.equal(notes.invalidCharactersReplaced, 1);
  });

  it('names the column whose value collides with the sentinel', () => {
    assert.throws(
      () => encodeRow(['1', NULL_SENTINEL], ['id', 'payload'], createFieldNotes()),
      (error: unknown) => error instanceof SentinelCollisionError && error.column === 'payload',
    );
  });

  it('refuses a row whose length differs from the column list', () => {
    assert.throws(() => encodeRow(['1'], ['id', 'name'], createFieldNotes()), RangeError);
  });
});

describe('encodeHeader', () => {
  it('quotes every column name', () => {
    assert.equal(encodeHeader(['id', 'a,b', 'say "x"']), '"id","a,b","say ""x"""\n');
  });

  it('refuses names a line-based header skip would misread', () => {
    assert.throws(() => encodeHeader(['ok', 'two\nlines']), RangeError);
    assert.throws(() => encodeHeader(['cr\r']), RangeError);
    assert.throws(() => encodeHeader([]), RangeError);
  });
});
