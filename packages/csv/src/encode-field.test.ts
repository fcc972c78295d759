import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NULL_SENTINEL, UNCHANGED } from '@pgshift/contracts';
import { createFieldNotes, encodeField, SentinelCollisionError, VARCHAR_MAX_BYTES } from './encode-field.js';

function encode(value: Parameters<typeof encodeField>[0]) {
  const notes = createFieldNotes();
  return { text: encodeField(value, 'col', notes), notes };
}

describe('encodeField', () => {
  it('writes NULL as the unquoted sentinel', () => {
    assert.equal(encode(null).text, NULL_SENTINEL);
  });

  it('quotes every value, so the empty string is "" and never NULL', () => {
    assert.equal(encode('').text, '""');
    assert.equal(encode('abc').text, '"abc"');
    assert.equal(encode('   ').text, '"   "');
  });

  it('doubles quotes inside a value', () => {
    assert.equal(encode('say "hi"').text, '"say ""hi"""');
    assert.equal(encode('"').text, '""""');
  });

  it('keeps commas, CR, LF, CRLF and tabs as they are, inside the quotes', () => {
    assert.equal(encode('a,b').text, '"a,b"');
    assert.equal(encode('a\rb').text, '"a\rb"');
    assert.equal(encode('a\nb').text, '"a\nb"');
    assert.equal(encode('a\r\nb').text, '"a\r\nb"');
    assert.equal(encode('a\tb').text, '"a\tb"');
  });

  it('does not escape backslashes: CSV has no escape character', () => {
    assert.equal(encode('C:\\dir\\N').text, '"C:\\dir\\N"');
    assert.equal(encode('\\.').text, '"\\."');
  });

  it('strips NUL characters and counts them', () => {
    const { text, notes } = encode('\u0000a\u0000\u0000b\u0000');
    assert.equal(text, '"ab"');
    assert.equal(notes.nulCharactersStripped, 4);
  });

  it('replaces lone surrogates with U+FFFD and counts them, leaving real pairs alone', () => {
    const { text, notes } = encode('a\ud800b\udc00 😀 \udbff');
    assert.equal(text, '"a\ufffdb\ufffd 😀 \ufffd"');
    assert.equal(notes.invalidCharactersReplaced, 3);
  });

  it('refuses a value equal to the sentinel, naming the column', () => {
    const notes = createFieldNotes();
    assert.throws(
      () => encodeField(NULL_SENTINEL, 'secret_column', notes),
      (error: unknown) => error instanceof SentinelCollisionError && error.column === 'secret_column' && /secret_column/.test(error.message),
    );
  });

  it('refuses a value that becomes the sentinel once its NULs are stripped', () => {
    assert.throws(() => encode('\u0001\u0000N'), SentinelCollisionError);
  });

  it('writes values that only resemble the sentinel as quoted text', () => {
    assert.equal(encode('\u0001N ').text, '"\u0001N "');
    assert.equal(encode('\u0001n').text, '"\u0001n"');
    assert.equal(encode('N').text, '"N"');
  });

  it('refuses the unchanged-TOAST placeholder', () => {
    assert.throws(() => encode(UNCHANGED), TypeError);
  });

  it('writes values over 64 KiB in full and reports their UTF-8 size', () => {
    const value = 'é'.repeat(40_000); // 40,000 characters, 80,000 bytes
    const { text, notes } = encode(value);
    assert.equal(text, `"${value}"`);
    assert.deepEqual(notes.oversized, [{ column: 'col', bytes: 80_000 }]);
  });

  it('counts bytes, not characters, against the VARCHAR limit', () => {
    assert.deepEqual(encode('x'.repeat(VARCHAR_MAX_BYTES)).notes.oversized, []);
    assert.deepEqual(encode('x'.repeat(VARCHAR_MAX_BYTES + 1)).notes.oversized, [{ column: 'col', bytes: VARCHAR_MAX_BYTES + 1 }]);
    // 21,846 three-byte characters: short in characters, over the limit in bytes
    assert.deepEqual(encode('€'.repeat(21_846)).notes.oversized, [{ column: 'col', bytes: 65_538 }]);
  });
});
