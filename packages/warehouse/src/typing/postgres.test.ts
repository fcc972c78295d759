import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColumnSpec } from '@pgshift/contracts';
import { normalisePostgresType, postgresType, postgresTypeShape } from './postgres.js';

function column(sourceType: string, length?: number, scale?: number): ColumnSpec {
  const c: ColumnSpec = { name: 'c', sourceType, nullable: true, primaryKey: false };
  if (length !== undefined) c.length = length;
  if (scale !== undefined) c.scale = scale;
  return c;
}

test('the natural PostgreSQL type for native types', () => {
  assert.equal(postgresType(column('bool')), 'boolean');
  assert.equal(postgresType(column('int8')), 'bigint');
  assert.equal(postgresType(column('numeric', 12, 2)), 'numeric(12,2)');
  assert.equal(postgresType(column('numeric')), 'numeric');
  assert.equal(postgresType(column('numeric', 50, 4)), 'numeric(50,4)', 'no 38-digit limit here');
  assert.equal(postgresType(column('varchar', 100)), 'varchar(100)', 'PostgreSQL lengths are characters: no 4x');
  assert.equal(postgresType(column('varchar')), 'text');
  assert.equal(postgresType(column('bpchar', 3)), 'char(3)');
  assert.equal(postgresType(column('uuid')), 'uuid');
  assert.equal(postgresType(column('bytea')), 'bytea');
  assert.equal(postgresType(column('timestamptz')), 'timestamptz');
  assert.equal(postgresType(column('interval')), 'interval');
  assert.equal(postgresType(column('inet')), 'inet');
  assert.equal(postgresType(column('money')), 'numeric(19,2)');
});

test('json, jsonb, hstore and arrays all become jsonb, like SUPER on Redshift', () => {
  for (const t of ['json', 'jsonb', 'hstore', '_int4', '_text']) assert.equal(postgresType(column(t)), 'jsonb', t);
});

test('types the warehouse may lack become text', () => {
  for (const t of ['my_enum', 'geometry', 'point', 'citext', 'varbit', 'int4range']) assert.equal(postgresType(column(t)), 'text', t);
});

test('information_schema spellings normalise to the mapping spelling', () => {
  assert.equal(normalisePostgresType('character varying', { length: 20 }), 'varchar(20)');
  assert.equal(normalisePostgresType('character varying'), 'text');
  assert.equal(normalisePostgresType('character', { length: 3 }), 'char(3)');
  assert.equal(normalisePostgresType('numeric', { precision: 12, scale: 2 }), 'numeric(12,2)');
  assert.equal(normalisePostgresType('numeric'), 'numeric');
  assert.equal(normalisePostgresType('timestamp without time zone'), 'timestamp');
  assert.equal(normalisePostgresType('timestamp(3) with time zone'), 'timestamptz');
  assert.equal(normalisePostgresType('time with time zone'), 'timetz');
  assert.equal(normalisePostgresType('jsonb'), 'jsonb');
  assert.equal(normalisePostgresType('double precision'), 'double precision');
});

test('type shapes: text is an unbounded string, numeric without precision holds any decimal', () => {
  assert.deepEqual(postgresTypeShape('text'), { family: 'string', length: null });
  assert.deepEqual(postgresTypeShape('varchar(20)'), { family: 'string', length: 20 });
  assert.deepEqual(postgresTypeShape('numeric'), { family: 'decimal', precision: null, scale: null });
  assert.deepEqual(postgresTypeShape('numeric(12,2)'), { family: 'decimal', precision: 12, scale: 2 });
  assert.deepEqual(postgresTypeShape('jsonb'), { family: 'exact', type: 'jsonb' });
});
