import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { render, splitStatements, tokenize } from './sql-lexer.js';
import {
  bindParameters,
  type EmulatedType,
  isAlterColumnType,
  parseCopyFromS3,
  stripTableAttributes,
  tableDesignOf,
  translateFunctions,
  translateStatement,
  translateTypes,
} from './translate.js';

const types = (sql: string) => render(translateTypes(tokenize(sql)));
const functions = (sql: string) => render(translateFunctions(tokenize(sql)));
const strip = (sql: string) => render(stripTableAttributes(tokenize(sql)));

describe('Redshift → PostgreSQL translation', () => {
  it('maps SUPER to jsonb, VARBYTE(n) and GEOMETRY to domains it asks for, and VARCHAR(MAX) to varchar(65535)', () => {
    const required: EmulatedType[] = [];
    assert.equal(
      render(translateTypes(tokenize('CREATE TABLE t (a SUPER, b VARBYTE(1024), c varbyte, d GEOMETRY, e VARCHAR(MAX), f VARCHAR(10))'), 'sys', required)),
      'CREATE TABLE t (a jsonb, b sys.varbyte_1024, c sys.varbyte_64000, d sys.geometry, e VARCHAR(65535), f VARCHAR(10))',
    );
    assert.deepEqual(required, [
      { name: 'sys.varbyte_1024', definition: 'bytea CHECK (octet_length(VALUE) <= 1024)' },
      { name: 'sys.varbyte_64000', definition: 'bytea CHECK (octet_length(VALUE) <= 64000)' },
      { name: 'sys.geometry', definition: 'text' },
    ]);
  });

  it('turns literals with backslashes into E literals, since Redshift reads the escapes', () => {
    assert.equal(translateStatement(`SELECT '\\001N', 'it''s', 'a\\\\b'`).text, `SELECT E'\\001N', 'it''s', E'a\\\\b'`);
  });

  it('leaves type names inside literals and quoted identifiers alone', () => {
    assert.equal(types(`SELECT 'SUPER' AS "super" -- super\n`), `SELECT 'SUPER' AS "super" -- super\n`);
  });

  it('rewrites JSON_PARSE, FROM_HEX and TO_VARBYTE, nested and with literal arguments', () => {
    assert.equal(functions(`SELECT JSON_PARSE('{"a": "(x)"}')`), `SELECT ('{"a": "(x)"}')::jsonb`);
    assert.equal(functions(`SELECT from_hex(upper(x))`), `SELECT decode(upper(x), 'hex')`);
    assert.equal(functions(`SELECT TO_VARBYTE(x, 'hex')`), `SELECT decode(x, 'hex')`);
    assert.equal(functions(`SELECT json_parse(json_parse('1')::text)`), `SELECT (('1')::jsonb::text)::jsonb`);
  });

  it('rewrites GETDATE() and SYSDATE to UTC timestamps', () => {
    assert.equal(functions('SELECT GETDATE()'), `SELECT date_trunc('second', statement_timestamp() at time zone 'UTC')`);
    assert.equal(functions('SELECT sysdate'), 'SELECT transaction_timestamp()::timestamp');
  });

  it('rewrites pg_last_copy_count() to the session setting the COPY emulation writes', () => {
    assert.match(functions('SELECT pg_last_copy_count()'), /current_setting\('pgshift_redshift\.last_copy_count', true\)/);
  });

  it('strips DISTSTYLE, DISTKEY, SORTKEY, ENCODE and BACKUP clauses but not the encode() function', () => {
    assert.equal(
      strip('CREATE TABLE t (a int ENCODE az64 DISTKEY, b varchar(3) ENCODE lzo) BACKUP NO DISTSTYLE KEY DISTKEY(a) COMPOUND SORTKEY(a, b)')
        .replace(/\s+/g, ' ')
        .trim(),
      'CREATE TABLE t (a int , b varchar(3) )',
    );
    assert.equal(strip('CREATE TABLE t (a int) SORTKEY AUTO').trim(), 'CREATE TABLE t (a int)');
    assert.equal(strip(`SELECT encode(b, 'hex') FROM t`), `SELECT encode(b, 'hex') FROM t`);
  });

  it('keeps CREATE TEMP TABLE … (LIKE …) as it is', () => {
    assert.equal(translateStatement('CREATE TEMP TABLE stg (LIKE "s"."t")').text, 'CREATE TEMP TABLE stg (LIKE "s"."t")');
  });

  it('recognises ALTER TABLE … ALTER COLUMN … TYPE', () => {
    assert.equal(isAlterColumnType(tokenize('ALTER TABLE s.t ALTER COLUMN c TYPE varchar(300)')), true);
    assert.equal(isAlterColumnType(tokenize('ALTER TABLE s.t ADD COLUMN "type" int')), false);
  });

  it('records the physical design a CREATE TABLE asks for', () => {
    assert.deepEqual(
      tableDesignOf(
        'CREATE TABLE IF NOT EXISTS "s"."t" ("id" BIGINT NOT NULL, "customer" BIGINT ENCODE AZ64, "n" DECIMAL(12,2) ENCODE zstd, PRIMARY KEY ("id")) DISTSTYLE KEY DISTKEY ("customer") COMPOUND SORTKEY ("id")',
      ),
      { table: '"s"."t"', design: '"customer" ENCODE AZ64 "n" ENCODE ZSTD DISTSTYLE KEY DISTKEY ("customer") COMPOUND SORTKEY ("id")' },
    );
    assert.deepEqual(tableDesignOf('CREATE TABLE t (a int) DISTSTYLE AUTO SORTKEY AUTO'), { table: 't', design: 'DISTSTYLE AUTO SORTKEY AUTO' });
    assert.equal(tableDesignOf('CREATE TABLE t (a int)'), null);
    assert.equal(tableDesignOf(`SELECT encode(b, 'hex') FROM t`), null);
  });

  it('refuses ALTER COLUMN … TYPE to anything but a VARCHAR, as Redshift does', () => {
    assert.equal(translateStatement('ALTER TABLE "s"."t" ALTER COLUMN "c" TYPE VARCHAR(300)').text, 'ALTER TABLE "s"."t" ALTER COLUMN "c" TYPE VARCHAR(300)');
    assert.doesNotThrow(() => translateStatement('ALTER TABLE s.t ALTER COLUMN c TYPE character varying(300)'));
    for (const type of ['BIGINT', 'DECIMAL(20,2)', 'TEXT', 'INTEGER USING c::int']) {
      assert.throws(() => translateStatement(`ALTER TABLE "s"."t" ALTER COLUMN "c" TYPE ${type}`), /supports only VARCHAR length changes/, type);
    }
  });

  it('binds :name parameters to $n, reusing a number for a repeated name and skipping casts and literals', () => {
    assert.deepEqual(
      bindParameters(`SELECT :a::int, ':b', :b, :a`, [
        { name: 'a', value: '1' },
        { name: 'b', value: 'x' },
      ]),
      {
        text: `SELECT $1::int, ':b', $2, $1`,
        values: ['1', 'x'],
      },
    );
    assert.throws(() => bindParameters('SELECT :missing', [{ name: 'a', value: '1' }]), /"missing" is not provided/);
  });

  it('splits a script at top-level semicolons only', () => {
    assert.deepEqual(splitStatements(`SELECT ';'; SELECT $$;$$ ;  -- done\n`), [`SELECT ';'`, ` SELECT $$;$$ `]);
  });
});

describe('COPY parsing', () => {
  it('reads the options the loader uses', () => {
    const copy = parseCopyFromS3(
      `COPY "s"."t" ("a", b) FROM 's3://pgshift/x/manifest.json' IAM_ROLE 'arn:aws:iam::1:role/r' MANIFEST FORMAT AS CSV GZIP
       IGNOREHEADER 1 NULL AS '\\001N' TIMEFORMAT 'auto' DATEFORMAT 'auto' ACCEPTINVCHARS TRUNCATECOLUMNS COMPUPDATE OFF
       STATUPDATE OFF REGION 'us-east-1' EMPTYASNULL`,
    );
    assert.deepEqual(copy, {
      table: '"s"."t"',
      columns: ['a', 'b'],
      from: 's3://pgshift/x/manifest.json',
      manifest: true,
      gzip: true,
      delimiter: ',',
      quote: '"',
      ignoreHeader: 1,
      nullAs: '\u0001N',
      emptyAsNull: true,
      blanksAsNull: false,
      truncateColumns: true,
      acceptInvChars: '?',
      maxError: 0,
    });
  });

  it('takes a NULL AS literal holding the control character itself', () => {
    assert.equal(parseCopyFromS3(`COPY t FROM 's3://b/k' IAM_ROLE 'r' CSV NULL AS '\u0001N'`)?.nullAs, '\u0001N');
  });

  it('is null for statements that are not a COPY from S3', () => {
    assert.equal(parseCopyFromS3('SELECT 1'), null);
    assert.equal(parseCopyFromS3('COPY t FROM STDIN'), null);
  });

  it('refuses formats and options it does not emulate', () => {
    assert.throws(() => parseCopyFromS3(`COPY t FROM 's3://b/k' IAM_ROLE 'r' FORMAT AS PARQUET`), /CSV only/);
    assert.throws(() => parseCopyFromS3(`COPY t FROM 's3://b/k' IAM_ROLE 'r' CSV FILLRECORD`), /FILLRECORD/);
  });
});
