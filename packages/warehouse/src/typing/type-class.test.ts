import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSourceType } from './source-type.js';
import { mayBeToasted, sourceTypeClass } from './type-class.js';

const classOf = (sourceType: string) => sourceTypeClass(parseSourceType(sourceType));
const toasted = (sourceType: string) => mayBeToasted(parseSourceType(sourceType));

test('text-like, JSON-like and spatial source types are classed by their pg_type name, in either spelling', () => {
  assert.deepEqual(['text', 'VARCHAR', 'character varying', 'name'].map(classOf), ['text', 'text', 'text', 'text']);
  assert.deepEqual(['json', 'jsonb', 'hstore', '_int4', 'text[]'].map(classOf), ['json', 'json', 'json', 'json', 'json']);
  assert.deepEqual(['bpchar', 'character', 'citext', 'geometry', 'geography'].map(classOf), ['bpchar', 'bpchar', 'citext', 'spatial', 'spatial']);
  assert.deepEqual(['int2', 'integer', 'bigint', 'oid', 'double precision'].map(classOf), ['integer', 'integer', 'integer', 'integer', 'float']);
});

test('enums, network types, bit strings and unknown types are `other`', () => {
  assert.deepEqual(['mood', 'inet', 'macaddr', 'varbit', 'xml', 'point', 'int4range', 'constructor'].map(classOf), Array(8).fill('other'));
});

test('fixed-width types are never TOASTed; variable-length types, arrays and unknown types may be', () => {
  for (const type of ['bool', 'int4', 'int8', 'float8', 'money', 'date', 'timestamptz', 'uuid', 'interval', 'macaddr', 'point', 'oid']) {
    assert.equal(toasted(type), false, type);
  }
  for (const type of ['text', 'varchar', 'numeric', 'jsonb', 'bytea', 'bpchar', '_int4', 'mood', 'inet', 'geometry']) {
    assert.equal(toasted(type), true, type);
  }
});
