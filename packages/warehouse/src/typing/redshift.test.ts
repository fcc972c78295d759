import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColumnSpec } from '@pgshift/contracts';
import { normaliseRedshiftType, redshiftType, redshiftTypeShape } from './redshift.js';

function column(sourceType: string, length?: number, scale?: number): ColumnSpec {
  const c: ColumnSpec = { name: 'c', sourceType, nullable: true, primaryKey: false };
  if (length !== undefined) c.length = length;
  if (scale !== undefined) c.scale = scale;
  return c;
}

test('booleans and integers keep their own types', () => {
  assert.equal(redshiftType(column('bool')), 'BOOLEAN');
  assert.equal(redshiftType(column('int2')), 'SMALLINT');
  assert.equal(redshiftType(column('int4')), 'INTEGER');
  assert.equal(redshiftType(column('INT8')), 'BIGINT', 'Debezium reports upper case');
  assert.equal(redshiftType(column('integer')), 'INTEGER', 'SQL spellings are accepted too');
});

test('numeric keeps precision and scale, and is never a bare DECIMAL', () => {
  assert.equal(redshiftType(column('numeric', 12, 2)), 'DECIMAL(12,2)');
  assert.equal(redshiftType(column('numeric', 38, 0)), 'DECIMAL(38,0)');
  assert.equal(redshiftType(column('numeric', 10)), 'DECIMAL(10,0)', 'a missing scale is 0, as in PostgreSQL');
  assert.equal(redshiftType(column('numeric')), 'DECIMAL(38,10)', 'unconstrained');
  assert.equal(redshiftType(column('numeric', 50, 4)), 'DECIMAL(38,4)', 'p > 38 keeps a small scale');
  assert.equal(redshiftType(column('numeric', 60, 30)), 'DECIMAL(38,10)', 'p > 38 caps the scale at 10');
  assert.equal(redshiftType(column('money')), 'DECIMAL(19,2)');
});

test('strings: lengths become bytes, unbounded text is the maximum VARCHAR (TEXT would be 256)', () => {
  assert.equal(redshiftType(column('text')), 'VARCHAR(65535)');
  assert.equal(redshiftType(column('varchar')), 'VARCHAR(65535)');
  assert.equal(redshiftType(column('varchar', 100)), 'VARCHAR(400)');
  assert.equal(redshiftType(column('bpchar', 3)), 'VARCHAR(12)');
  assert.equal(redshiftType(column('varchar', 20000)), 'VARCHAR(65535)', 'capped at the Redshift limit');
  assert.equal(redshiftType(column('character varying', 10)), 'VARCHAR(40)');
});

test('semi-structured values become SUPER, binary VARBYTE', () => {
  for (const t of ['json', 'jsonb', 'hstore', '_int4', '_text', 'text[]']) assert.equal(redshiftType(column(t)), 'SUPER', t);
  assert.equal(redshiftType(column('bytea')), 'VARBYTE(1024000)');
});

test('dates and times keep their zone semantics', () => {
  assert.equal(redshiftType(column('date')), 'DATE');
  assert.equal(redshiftType(column('time')), 'TIME');
  assert.equal(redshiftType(column('timetz')), 'TIMETZ');
  assert.equal(redshiftType(column('timestamp')), 'TIMESTAMP');
  assert.equal(redshiftType(column('timestamptz')), 'TIMESTAMPTZ');
  assert.equal(redshiftType(column('timestamp with time zone')), 'TIMESTAMPTZ');
  assert.equal(redshiftType(column('interval')), 'VARCHAR(64)');
});

test('other types get a text form of the right width', () => {
  assert.equal(redshiftType(column('uuid')), 'CHAR(36)');
  assert.equal(redshiftType(column('inet')), 'VARCHAR(43)');
  assert.equal(redshiftType(column('cidr')), 'VARCHAR(43)');
  assert.equal(redshiftType(column('macaddr')), 'VARCHAR(17)');
  assert.equal(redshiftType(column('point')), 'VARCHAR(64)');
  assert.equal(redshiftType(column('geometry')), 'GEOMETRY');
  assert.equal(redshiftType(column('geography')), 'GEOMETRY');
  assert.equal(redshiftType(column('xml')), 'VARCHAR(65535)');
  assert.equal(redshiftType(column('bit', 8)), 'VARCHAR(8)');
  assert.equal(redshiftType(column('varbit')), 'VARCHAR(65535)');
  assert.equal(redshiftType(column('tsvector')), 'VARCHAR(65535)');
  assert.equal(redshiftType(column('my_enum')), 'VARCHAR(65535)', 'enums and unknown types');
});

test('types as Redshift reports them normalise to the spelling the mapping emits', () => {
  assert.equal(normaliseRedshiftType('character varying', { length: 256 }), 'VARCHAR(256)');
  assert.equal(normaliseRedshiftType('character varying(400)'), 'VARCHAR(400)');
  assert.equal(normaliseRedshiftType('numeric', { precision: 12, scale: 2 }), 'DECIMAL(12,2)');
  assert.equal(normaliseRedshiftType('numeric(38,10)'), 'DECIMAL(38,10)');
  assert.equal(normaliseRedshiftType('timestamp without time zone'), 'TIMESTAMP');
  assert.equal(normaliseRedshiftType('timestamp with time zone'), 'TIMESTAMPTZ');
  assert.equal(normaliseRedshiftType('time with time zone'), 'TIMETZ');
  assert.equal(normaliseRedshiftType('character', { length: 36 }), 'CHAR(36)');
  assert.equal(normaliseRedshiftType('double precision'), 'DOUBLE PRECISION');
  assert.equal(normaliseRedshiftType('super'), 'SUPER');
  assert.equal(normaliseRedshiftType('binary varying', { length: 1024000 }), 'VARBYTE(1024000)');
  assert.equal(normaliseRedshiftType('text'), 'VARCHAR(256)', "Redshift's TEXT is VARCHAR(256)");
  for (const type of ['BOOLEAN', 'VARCHAR(65535)', 'DECIMAL(38,10)', 'TIMESTAMPTZ', 'SUPER', 'VARBYTE(1024000)', 'CHAR(36)', 'GEOMETRY']) {
    assert.equal(normaliseRedshiftType(type), type, `${type} is a fixed point`);
  }
});

test('type shapes say what a column can hold', () => {
  assert.deepEqual(redshiftTypeShape('VARCHAR(400)'), { family: 'string', length: 400 });
  assert.deepEqual(redshiftTypeShape('BIGINT'), { family: 'integer', bytes: 8 });
  assert.deepEqual(redshiftTypeShape('DECIMAL(12,2)'), { family: 'decimal', precision: 12, scale: 2 });
  assert.deepEqual(redshiftTypeShape('CHAR(36)'), { family: 'exact', type: 'CHAR(36)' });
});
