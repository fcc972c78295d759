/**
 * The Data API emulator driven by the real RedshiftDataClient, running SQL on the warehouse PostgreSQL and
 * reading COPY files from the S3 server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementResponse,
  ExecuteStatementCommand,
  type ExecuteStatementInput,
  type Field,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NULL_SENTINEL } from '@pgshift/contracts';
import { stack, uniqueName } from '../support/stack.js';
import { type RedshiftDataServer, startRedshiftDataServer } from './server.js';

const TARGET = { ClusterIdentifier: 'pgshift-test', Database: 'warehouse', DbUser: 'pgshift' };

let server: RedshiftDataServer;
let client: RedshiftDataClient;
const s3 = new S3Client({
  endpoint: stack.s3.endpoint,
  region: stack.s3.region,
  forcePathStyle: true,
  credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
});
const schema = uniqueName('rsdata');

async function waitDone(id: string): Promise<DescribeStatementResponse> {
  const seen = new Set<string>();
  for (let attempt = 0; attempt < 400; attempt++) {
    const described = await client.send(new DescribeStatementCommand({ Id: id }));
    seen.add(described.Status!);
    if (['FINISHED', 'FAILED', 'ABORTED'].includes(described.Status!)) return Object.assign(described, { seen });
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`statement ${id} did not finish`);
}

async function execute(sql: string, extra: Partial<ExecuteStatementInput> = {}): Promise<DescribeStatementResponse> {
  const { Id } = await client.send(new ExecuteStatementCommand({ ...TARGET, Sql: sql, ...extra }));
  return waitDone(Id!);
}

async function executeOk(sql: string, extra: Partial<ExecuteStatementInput> = {}): Promise<DescribeStatementResponse> {
  const described = await execute(sql, extra);
  assert.equal(described.Status, 'FINISHED', `${sql}: ${described.Error}`);
  return described;
}

async function batch(sqls: string[]): Promise<DescribeStatementResponse> {
  const { Id } = await client.send(new BatchExecuteStatementCommand({ ...TARGET, Sqls: sqls }));
  return waitDone(Id!);
}

async function rows(id: string): Promise<Field[][]> {
  const records: Field[][] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new GetStatementResultCommand({ Id: id, NextToken: token }));
    records.push(...page.Records!);
    token = page.NextToken;
  } while (token);
  return records;
}

async function select(sql: string): Promise<Field[][]> {
  return rows((await executeOk(sql)).Id!);
}

async function putGzip(key: string, text: string): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: stack.s3.bucket, Key: key, Body: gzipSync(text) }));
  return `s3://${stack.s3.bucket}/${key}`;
}

async function putManifest(key: string, urls: string[]): Promise<string> {
  const manifest = { entries: urls.map((url) => ({ url, mandatory: true, meta: { content_length: 1 } })) };
  await s3.send(new PutObjectCommand({ Bucket: stack.s3.bucket, Key: key, Body: JSON.stringify(manifest) }));
  return `s3://${stack.s3.bucket}/${key}`;
}

// NULL AS spelled as Redshift reads it: the sentinel's control character as an octal escape.
const copySql = (table: string, manifestUrl: string, extra = '') =>
  `COPY ${table} FROM '${manifestUrl}' IAM_ROLE 'arn:aws:iam::123456789012:role/load' MANIFEST FORMAT AS CSV GZIP IGNOREHEADER 1 ` +
  `NULL AS '${NULL_SENTINEL.replace('\u0001', '\\001')}' TIMEFORMAT 'auto' DATEFORMAT 'auto' ACCEPTINVCHARS COMPUPDATE OFF STATUPDATE OFF REGION 'us-east-1' ${extra}`;

before(async () => {
  server = await startRedshiftDataServer({ port: 0, warehouseUrl: stack.warehouseUrl, s3: stack.s3, resultPageSize: 2 });
  client = new RedshiftDataClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
  });
  await executeOk(`CREATE SCHEMA "${schema}"`);
});

after(async () => {
  await execute(`DROP SCHEMA "${schema}" CASCADE`);
  client.destroy();
  s3.destroy();
  await server.close();
});

describe('Redshift Data API emulator', () => {
  it('runs a statement asynchronously and returns typed fields, NULLs and Redshift type names', async () => {
    const { Id } = await client.send(
      new ExecuteStatementCommand({
        ...TARGET,
        Sql: `SELECT 42::int4 AS i, 9007199254740991::int8 AS big, 1.25::float8 AS f, 12.50::numeric(10,2) AS n, true AS b,
                     'x' AS s, NULL::varchar AS nothing, JSON_PARSE('{"a":[1,2]}') AS doc, FROM_HEX('ff00') AS bin`,
      }),
    );
    const described = (await waitDone(Id!)) as DescribeStatementResponse & { seen: Set<string> };
    assert.equal(described.Status, 'FINISHED');
    assert.ok(described.seen.has('FINISHED'));
    assert.equal(described.HasResultSet, true);
    assert.equal(described.ResultRows, 1);
    const result = await client.send(new GetStatementResultCommand({ Id }));
    assert.deepEqual(
      result.ColumnMetadata!.map((c) => [c.name, c.typeName]),
      [
        ['i', 'int4'],
        ['big', 'int8'],
        ['f', 'float8'],
        ['n', 'numeric'],
        ['b', 'bool'],
        ['s', 'varchar'],
        ['nothing', 'varchar'],
        ['doc', 'super'],
        ['bin', 'varbyte'],
      ],
    );
    const [row] = result.Records!;
    assert.deepEqual(row!.slice(0, 8), [
      { longValue: 42 },
      { longValue: 9007199254740991 },
      { doubleValue: 1.25 },
      { stringValue: '12.50' },
      { booleanValue: true },
      { stringValue: 'x' },
      { isNull: true },
      { stringValue: '{"a": [1, 2]}' },
    ]);
    assert.deepEqual([...(row![8] as { blobValue: Uint8Array }).blobValue], [0xff, 0x00]);
  });

  it('pages results with NextToken', async () => {
    const records = await select('SELECT g FROM generate_series(1, 5) AS g ORDER BY g');
    assert.deepEqual(
      records.map((r) => r[0]!.longValue),
      [1, 2, 3, 4, 5],
    );
  });

  it('binds :name parameters', async () => {
    const described = await executeOk('SELECT :word || :word AS twice, :n::int + 1 AS next', {
      Parameters: [
        { name: 'word', value: 'ab' },
        { name: 'n', value: '41' },
      ],
    });
    assert.deepEqual(await rows(described.Id!), [[{ stringValue: 'abab' }, { longValue: 42 }]]);
  });

  it('reports a failed statement with Redshift-style error text', async () => {
    const described = await execute('SELECT * FROM no_such_table_anywhere');
    assert.equal(described.Status, 'FAILED');
    assert.equal(described.Error, 'ERROR: relation "no_such_table_anywhere" does not exist');
  });

  it('rejects a request without a cluster or workgroup as the service does', async () => {
    await assert.rejects(
      client.send(new ExecuteStatementCommand({ Sql: 'SELECT 1', Database: 'warehouse' })),
      (error: Error) => error.name === 'ValidationException',
    );
  });

  it('runs a batch in one transaction: a failing third statement rolls back the first two', async () => {
    const table = `"${schema}"."atomic"`;
    await executeOk(`CREATE TABLE ${table} (id int)`);
    const described = await batch([`INSERT INTO ${table} VALUES (1)`, `INSERT INTO ${table} VALUES (2)`, `INSERT INTO ${table} VALUES ('not a number')`]);
    assert.equal(described.Status, 'FAILED');
    assert.match(described.Error!, /^Query #3 failed with ERROR: invalid input syntax for type integer/);
    const subs = described.SubStatements!;
    assert.deepEqual(
      subs.map((s) => [s.Id, s.Status]),
      [
        [`${described.Id}:1`, 'FINISHED'],
        [`${described.Id}:2`, 'FINISHED'],
        [`${described.Id}:3`, 'FAILED'],
      ],
    );
    assert.match(subs[2]!.Error!, /^ERROR: invalid input syntax for type integer/);
    assert.deepEqual(await select(`SELECT count(*)::int FROM ${table}`), [[{ longValue: 0 }]]);
  });

  it('commits a successful batch and serves each sub-statement result by <id>:N', async () => {
    const table = `"${schema}"."batch_ok"`;
    await executeOk(`CREATE TABLE ${table} (id int, at timestamp)`);
    const described = await batch([`INSERT INTO ${table} VALUES (1, GETDATE()), (2, SYSDATE)`, `SELECT id FROM ${table} ORDER BY id`]);
    assert.equal(described.Status, 'FINISHED', described.Error);
    assert.equal(described.SubStatements![0]!.ResultRows, 2);
    assert.deepEqual(await rows(`${described.Id}:2`), [[{ longValue: 1 }], [{ longValue: 2 }]]);
    await assert.rejects(client.send(new GetStatementResultCommand({ Id: described.Id })), /sub-statement id/);
  });

  it('refuses ALTER COLUMN … TYPE inside a batch, as Redshift does inside a transaction block', async () => {
    const table = `"${schema}"."widen"`;
    await executeOk(`CREATE TABLE ${table} (v varchar(3))`);
    const described = await batch([`ALTER TABLE ${table} ALTER COLUMN v TYPE varchar(10)`]);
    assert.equal(described.Status, 'FAILED');
    assert.match(described.Error!, /cannot run inside a transaction block/);
    await executeOk(`ALTER TABLE ${table} ALTER COLUMN v TYPE varchar(10)`);
  });

  it('creates Redshift DDL with SUPER, VARBYTE and physical-design clauses', async () => {
    await executeOk(
      `CREATE TABLE "${schema}"."ddl" (id bigint ENCODE az64, doc SUPER, bin VARBYTE(64), shape GEOMETRY) DISTSTYLE KEY DISTKEY(id) SORTKEY(id) BACKUP NO`,
    );
    const columns = await select(
      `SELECT column_name, data_type FROM svv_columns WHERE table_schema = '${schema}' AND table_name = 'ddl' ORDER BY ordinal_position`,
    );
    assert.deepEqual(
      columns.map((r) => r.map((f) => f.stringValue)),
      [
        ['id', 'bigint'],
        ['doc', 'super'],
        ['bin', 'binary varying'],
        ['shape', 'geometry'],
      ],
    );
    assert.deepEqual(
      await select(`SELECT character_maximum_length FROM svv_columns WHERE table_schema = '${schema}' AND table_name = 'ddl' AND column_name = 'bin'`),
      [[{ longValue: 64 }]],
    );
  });

  it('keeps temp tables within a session and drops them between sessionless statements', async () => {
    const first = await executeOk('CREATE TEMP TABLE stg (LIKE pg_catalog.pg_namespace)', { SessionKeepAliveSeconds: 60 });
    assert.ok(first.SessionId);
    const inSession = await executeOk('SELECT count(*)::int FROM stg', {
      SessionId: first.SessionId,
      ClusterIdentifier: undefined,
      Database: undefined,
      DbUser: undefined,
    });
    assert.deepEqual(await rows(inSession.Id!), [[{ longValue: 0 }]]);
    await executeOk('CREATE TEMP TABLE lonely (id int)');
    const outside = await execute('SELECT * FROM lonely');
    assert.equal(outside.Status, 'FAILED');
  });

  it('cancels a running statement', async () => {
    const { Id } = await client.send(new ExecuteStatementCommand({ ...TARGET, Sql: 'SELECT pg_sleep(30)' }));
    for (let i = 0; i < 100; i++) {
      const d = await client.send(new DescribeStatementCommand({ Id }));
      if (d.Status === 'STARTED') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const cancelled = await client.send(new CancelStatementCommand({ Id }));
    assert.equal(cancelled.Status, true);
    const described = await waitDone(Id!);
    assert.equal(described.Status, 'ABORTED');
  });
});

describe('COPY from S3 emulation', () => {
  const prefix = `redshift-data-server-test/${schema}`;

  it('loads a manifest of gzipped CSV parts with SUPER, VARBYTE, the NULL sentinel, empty strings and quoted newlines', async () => {
    const table = `"${schema}"."loaded"`;
    await executeOk(`CREATE TABLE ${table} (id int, name varchar(20), doc SUPER, bin VARBYTE(16), at timestamp, note varchar(10))`);
    const N = NULL_SENTINEL;
    const part1 = await putGzip(
      `${prefix}/loaded/part-00000.csv.gz`,
      `id,name,doc,bin,at,note\n1,"Ann, ""the"" first","{""a"": [1, 2]}",deadbeef,2024-05-01 10:00:00.123456,\n2,${N},${N},${N},${N},${N}\n`,
    );
    const part2 = await putGzip(`${prefix}/loaded/part-00001.csv.gz`, `id,name,doc,bin,at,note\n3,"two\nlines","[]",,2024-05-02T00:00:00Z,""\n`);
    const manifest = await putManifest(`${prefix}/loaded/manifest.json`, [part1, part2]);
    const described = await batch([copySql(table, manifest), 'SELECT pg_last_copy_count()']);
    assert.equal(described.Status, 'FINISHED', described.Error);
    assert.equal(described.SubStatements![0]!.ResultRows, 3);
    assert.deepEqual(await rows(`${described.Id}:2`), [[{ longValue: 3 }]]);

    const loaded = await select(`SELECT id, name, doc, encode(bin, 'hex'), at::text, note, note IS NULL FROM ${table} ORDER BY id`);
    assert.deepEqual(loaded, [
      [
        { longValue: 1 },
        { stringValue: 'Ann, "the" first' },
        { stringValue: '{"a": [1, 2]}' },
        { stringValue: 'deadbeef' },
        { stringValue: '2024-05-01 10:00:00.123456' },
        { stringValue: '' },
        { booleanValue: false },
      ],
      [{ longValue: 2 }, { isNull: true }, { isNull: true }, { isNull: true }, { isNull: true }, { isNull: true }, { booleanValue: true }],
      [
        { longValue: 3 },
        { stringValue: 'two\nlines' },
        { stringValue: '[]' },
        { stringValue: '' },
        { stringValue: '2024-05-02 00:00:00' },
        { stringValue: '' },
        { booleanValue: false },
      ],
    ]);
  });

  it('loads into a temp staging table inside the batch transaction, with a column list', async () => {
    const table = `"${schema}"."target"`;
    await executeOk(`CREATE TABLE ${table} (id int, v varchar(5))`);
    const part = await putGzip(`${prefix}/staged/part-00000.csv.gz`, `v,id\nabc,1\n`);
    const manifest = await putManifest(`${prefix}/staged/manifest.json`, [part]);
    const described = await batch([`CREATE TEMP TABLE stg (LIKE ${table})`, copySql('stg ("v", "id")', manifest), `INSERT INTO ${table} SELECT * FROM stg`]);
    assert.equal(described.Status, 'FINISHED', described.Error);
    assert.deepEqual(await select(`SELECT id, v FROM ${table}`), [[{ longValue: 1 }, { stringValue: 'abc' }]]);
  });

  it('fails the COPY when a mandatory manifest entry is missing', async () => {
    const table = `"${schema}"."missing"`;
    await executeOk(`CREATE TABLE ${table} (id int)`);
    const present = await putGzip(`${prefix}/missing/part-00000.csv.gz`, 'id\n1\n');
    const manifest = await putManifest(`${prefix}/missing/manifest.json`, [present, `s3://${stack.s3.bucket}/${prefix}/missing/part-00001.csv.gz`]);
    const described = await batch([copySql(table, manifest)]);
    assert.equal(described.Status, 'FAILED');
    assert.match(described.Error!, /Query #1 failed with ERROR: Manifest file entry '.*part-00001\.csv\.gz' is mandatory/);
    assert.deepEqual(await select(`SELECT count(*)::int FROM ${table}`), [[{ longValue: 0 }]]);
  });

  it('records a bad value in sys_load_error_detail with its file, line, column and raw line', async () => {
    const table = `"${schema}"."bad"`;
    await executeOk(`CREATE TABLE ${table} (id int, name varchar(10))`);
    const good = await putGzip(`${prefix}/bad/part-00000.csv.gz`, 'id,name\n1,a\n2,b\n');
    const bad = await putGzip(`${prefix}/bad/part-00001.csv.gz`, 'id,name\n3,c\nfour,d\n5,e\n');
    const manifest = await putManifest(`${prefix}/bad/manifest.json`, [good, bad]);
    const described = await batch([copySql(table, manifest)]);
    assert.equal(described.Status, 'FAILED');
    assert.match(described.SubStatements![0]!.Error!, /^ERROR: Load into table '.*bad' failed\. Check 'sys_load_error_detail' system table for details\.$/);
    const queryId = described.SubStatements![0]!.RedshiftQueryId!;
    assert.ok(queryId > 0);
    const errors = await select(`SELECT file_name, line_number, column_name, error_code, raw_line FROM sys_load_error_detail WHERE query_id = ${queryId}`);
    assert.deepEqual(errors, [[{ stringValue: bad }, { longValue: 3 }, { stringValue: 'id' }, { longValue: 1207 }, { stringValue: 'four,d' }]]);
  });

  it('refuses a VARCHAR value longer in bytes than the column, unless TRUNCATECOLUMNS', async () => {
    const table = `"${schema}"."narrow"`;
    await executeOk(`CREATE TABLE ${table} (v varchar(4))`);
    // Four characters, six bytes: PostgreSQL would take it, Redshift counts bytes.
    const part = await putGzip(`${prefix}/narrow/part-00000.csv.gz`, 'v\nébcé\n');
    const manifest = await putManifest(`${prefix}/narrow/manifest.json`, [part]);
    const refused = await batch([copySql(table, manifest)]);
    assert.equal(refused.Status, 'FAILED');
    const queryId = refused.SubStatements![0]!.RedshiftQueryId!;
    assert.deepEqual(await select(`SELECT error_code, column_name FROM sys_load_error_detail WHERE query_id = ${queryId}`), [
      [{ longValue: 1204 }, { stringValue: 'v' }],
    ]);
    const truncated = await batch([copySql(table, manifest, 'TRUNCATECOLUMNS')]);
    assert.equal(truncated.Status, 'FINISHED', truncated.Error);
    assert.deepEqual(await select(`SELECT v FROM ${table}`), [[{ stringValue: 'ébc' }]]);
  });
});
