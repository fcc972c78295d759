/**
 * End to end, beside the peer (issue 12): real change events written to the source PostgreSQL and
 * captured by the stack's Debezium connector once — one wide 12-column table (inserts, updates of
 * earlier keys, deletes) and two small ones, 3 partitions each — then, from the beginning of those
 * topics, in one run:
 *   1. pgshift (one batcher, one loader, as processes) until every warehouse table equals the source;
 *   2. the Debezium JDBC sink (Connect, tuned as its documentation advises) into another warehouse schema;
 *   3. the floor: one COPY of the final tables, source → warehouse;
 *   4. streaming: pgbench inserting at a fixed rate with both pipelines running, lag from source commit
 *      to the warehouse transaction that wrote the row, p50/p99/max for each.
 *
 *   npm run bench:e2e [-- --small --keep --rate N --seconds N]
 *
 *   --small     ~20,000 events and 10 s of pgbench (the full suite runs this; figures mean little)
 *   --keep      leave the schemas, topics, connector and groups behind for inspection
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import { ensureConnector, readConnectorConfig } from '../test/support/connector.js';
import { connect, pipelineFor } from '../test/support/pipeline.js';
import { stack, uniqueName } from '../test/support/stack.js';
import { ChildUsageSampler } from './support/child-usage.js';
import { deleteSubject } from './support/debezium-schemas.js';
import { deleteGroups, deleteTopics, endOffsets, total } from './support/kafka-admin.js';
import { fmt, machineState, printFigures, progress } from './support/report.js';
import { createBenchS3Client, deletePrefix } from './support/s3.js';

const exec = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    small: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    rate: { type: 'string' },
    seconds: { type: 'string' },
  },
});
const SCALE = args.small ? 1 / 50 : 1;
const WIDE_ROWS = Math.round(600_000 * SCALE);
const ACCOUNT_ROWS = Math.round(30_000 * SCALE);
const TAG_ROWS = Math.round(20_000 * SCALE);
const CHUNK = Math.max(1000, Math.round(20_000 * SCALE));
const PGBENCH_RATE = Number(args.rate ?? (args.small ? 200 : 1000));
const PGBENCH_SECONDS = Number(args.seconds ?? (args.small ? 10 : 60));
const TICKS_PER_SECOND = 100;

const schema = uniqueName('bench_e2e');
const jdbcSchema = `${schema}_jdbc`;
const floorSchema = `${schema}_floor`;
const connectorName = `bench-e2e-jdbc-${schema}`;
const TABLES = ['wide', 'accounts', 'tags'] as const;
/** A column each table's updates change: summed into its fingerprint with the count and the keys. */
const FINGERPRINT_COLUMN: Record<(typeof TABLES)[number], string> = { wide: 'quantity', accounts: 'balance', tags: 'length(tag)' };
const topicOf = (table: string) => `${stack.topicPrefix}.${schema}.${table}`;
const TOPICS = [...TABLES, 'lag_probe'].map(topicOf);

const DDL: Record<string, string> = {
  wide: `(id bigint PRIMARY KEY, account_id integer NOT NULL, quantity integer, priority smallint, amount numeric(12, 2),
    label varchar(64), note text, active boolean NOT NULL, updated_at timestamptz NOT NULL, due_on date, attrs jsonb, ref uuid)`,
  accounts: '(id integer PRIMARY KEY, name text NOT NULL, balance numeric(12, 2) NOT NULL)',
  tags: '(id integer PRIMARY KEY, tag text NOT NULL)',
  lag_probe: '(id bigserial PRIMARY KEY, committed_epoch double precision NOT NULL, pad text)',
};

const kafka = new Kafka({ clientId: schema, brokers: [...stack.kafkaBrokers], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const s3 = createBenchS3Client();

// ---------------------------------------------------------------- process CPU and memory from /proc

function procTicks(pid: number, withChildren = false): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
}

function procRss(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** CPU seconds of a PostgreSQL cluster: the postmaster, its exited children (cutime) and its live backends. */
function clusterCpuMs(postmasterPid: number): number {
  let ticks = procTicks(postmasterPid, true);
  for (const entry of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) === postmasterPid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // exited meanwhile
    }
  }
  return (ticks / TICKS_PER_SECOND) * 1000;
}

async function listenerPid(port: number): Promise<number> {
  const { stdout } = await exec('ss', ['-Hltnp', `sport = :${port}`]);
  const match = /pid=(\d+)/.exec(stdout);
  if (!match) throw new Error(`no process listens on port ${port}`);
  return Number(match[1]);
}

async function postmasterPid(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ dir: string }>(`SELECT current_setting('data_directory') AS dir`);
  return Number(readFileSync(join(rows[0]!.dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

// ---------------------------------------------------------------- the source workload

interface Written {
  events: number;
  deletes: number;
  byOp: Record<string, number>;
}

async function writeSource(source: pg.Client): Promise<Written> {
  await source.query(`CREATE SCHEMA ${schema}`);
  for (const [table, ddl] of Object.entries(DDL)) await source.query(`CREATE TABLE ${schema}.${table} ${ddl}`);
  const counts = { c: 0, u: 0, d: 0 };
  const chunks = async (rows: number, sql: string, op: 'c' | 'u' | 'd') => {
    for (let from = 1; from <= rows; from += CHUNK) {
      const result = await source.query(sql, [from, Math.min(rows, from + CHUNK - 1)]);
      counts[op] += result.rowCount ?? 0;
    }
  };
  const w = `${schema}.wide`;
  await chunks(
    WIDE_ROWS,
    `INSERT INTO ${w} SELECT g, g % 1000, g % 97, (g % 5)::smallint, (g % 100000) / 100.0 + 0.01, 'label-' || g,
       repeat('note ', 1 + (g % 8)::int) || g, g % 2 = 0, timestamptz '2026-01-01 00:00:00.123457+00' + g * interval '1 second',
       date '2026-01-01' + (g % 365)::int, jsonb_build_object('k', g, 'tags', jsonb_build_array('a', 'b')), md5(g::text)::uuid
     FROM generate_series($1::bigint, $2::bigint) g`,
    'c',
  );
  await chunks(ACCOUNT_ROWS, `INSERT INTO ${schema}.accounts SELECT g, 'account ' || g, g * 1.25 FROM generate_series($1::int, $2::int) g`, 'c');
  await chunks(TAG_ROWS, `INSERT INTO ${schema}.tags SELECT g, 'tag-' || g FROM generate_series($1::int, $2::int) g`, 'c');
  // Updates of earlier keys: every odd wide row once (half of them), two thirds of the accounts.
  await chunks(
    WIDE_ROWS,
    `UPDATE ${w} SET quantity = coalesce(quantity, 0) + 1, amount = amount + 1, active = NOT active,
       updated_at = updated_at + interval '1 day', attrs = attrs || '{"v": 1}' WHERE id BETWEEN $1 AND $2 AND id % 2 = 1`,
    'u',
  );
  await chunks(ACCOUNT_ROWS, `UPDATE ${schema}.accounts SET balance = balance + 10 WHERE id BETWEEN $1 AND $2 AND id % 3 <> 0`, 'u');
  // Deletes: 5% of the wide rows, half of the tags.
  await chunks(WIDE_ROWS, `DELETE FROM ${w} WHERE id BETWEEN $1 AND $2 AND id % 20 = 0`, 'd');
  await chunks(TAG_ROWS, `DELETE FROM ${schema}.tags WHERE id BETWEEN $1 AND $2 AND id % 2 = 0`, 'd');
  // One probe row, so that its topic exists before the sink subscribes (the streaming case writes the rest).
  await source.query(`INSERT INTO ${schema}.lag_probe (committed_epoch, pad) VALUES (extract(epoch from clock_timestamp()), 'seed')`);
  counts.c += 1;
  return { events: counts.c + counts.u + counts.d, deletes: counts.d, byOp: counts };
}

/** Debezium sends a delete and then a tombstone: the topics hold events + deletes messages once captured. */
async function waitForCapture(expected: number): Promise<number> {
  const startedAt = performance.now();
  for (;;) {
    const existing = new Set(await admin.listTopics());
    let sum = 0;
    for (const topic of TOPICS) if (existing.has(topic)) sum += total(await endOffsets(admin, topic));
    if (sum >= expected) return performance.now() - startedAt;
    if (performance.now() - startedAt > 300_000) throw new Error(`Debezium captured ${sum} of ${expected} messages in 5 minutes`);
    await sleep(500);
  }
}

// ---------------------------------------------------------------- equality

async function fingerprint(client: pg.Client, inSchema: string, table: (typeof TABLES)[number]): Promise<string> {
  const { rows } = await client.query<{ f: string }>(
    `SELECT count(*) || ':' || coalesce(sum(id), 0) || ':' || coalesce(round(sum((${FINGERPRINT_COLUMN[table]})::numeric), 2), 0) AS f
       FROM ${inSchema}.${table}`,
  );
  return rows[0]!.f;
}

async function fingerprints(client: pg.Client, inSchema: string): Promise<string[]> {
  const out: string[] = [];
  for (const table of TABLES) out.push(await fingerprint(client, inSchema, table).catch(() => 'missing'));
  return out;
}

/** Polls until every table of `inSchema` in the warehouse has the source's fingerprint; resolves at that moment. */
async function waitForEqual(warehouse: pg.Client, inSchema: string, expected: string[], isAlive: () => void, timeoutMs = 180_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let seen: string[] = [];
  for (;;) {
    seen = await fingerprints(warehouse, inSchema);
    if (seen.every((f, i) => f === expected[i])) return performance.now();
    isAlive();
    if (performance.now() > deadline) throw new Error(`${inSchema} is not equal to the source: ${seen.join(' ')} ≠ ${expected.join(' ')}`);
    await sleep(250);
  }
}

// ---------------------------------------------------------------- the JDBC sink

function jdbcSinkConfig(): Record<string, string> {
  const { config: source } = readConnectorConfig('pgshift-source.json');
  const converters = Object.fromEntries(Object.entries(source).filter(([k]) => k.startsWith('key.converter') || k.startsWith('value.converter')));
  return {
    'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
    'tasks.max': '3',
    topics: TOPICS.join(','),
    'connection.url': stack.warehouseUrl.replace(/^postgresql:\/\/pgshift:pgshift@/, 'jdbc:postgresql://'),
    'connection.username': 'pgshift',
    'connection.password': 'pgshift',
    'insert.mode': 'upsert',
    'primary.key.mode': 'record_key',
    'delete.enabled': 'true',
    'schema.evolution': 'basic',
    'use.reduction.buffer': 'true',
    'batch.size': '10000',
    'consumer.override.max.poll.records': '10000',
    'consumer.override.auto.offset.reset': 'earliest',
    'collection.name.format': `${jdbcSchema}.\${source.table}`,
    ...converters,
  };
}

async function connectorState(): Promise<{ connector?: { state: string }; tasks?: { state: string; trace?: string }[] }> {
  return (await (await fetch(`${stack.connectUrl}/connectors/${connectorName}/status`)).json()) as never;
}

async function startJdbcSink(): Promise<void> {
  const plugins = await (await fetch(`${stack.connectUrl}/connector-plugins`)).text();
  if (!plugins.includes('JdbcSinkConnector')) throw new Error('Connect does not list the JDBC sink: run `npm run stack -- up` (it installs the plugin)');
  const response = await fetch(`${stack.connectUrl}/connectors/${connectorName}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(jdbcSinkConfig()),
  });
  if (!response.ok) throw new Error(`registering ${connectorName}: HTTP ${response.status} ${await response.text()}`);
}

function jdbcSinkAlive(): () => Promise<void> {
  let last = 0;
  return async () => {
    if (performance.now() - last < 2000) return;
    last = performance.now();
    const status = await connectorState();
    const failed = status.tasks?.find((t) => t.state === 'FAILED');
    if (failed) throw new Error(`the JDBC sink's task failed: ${failed.trace?.slice(0, 2000)}`);
  };
}

async function removeJdbcSink(): Promise<void> {
  await fetch(`${stack.connectUrl}/connectors/${connectorName}`, { method: 'DELETE' });
  for (let i = 0; i < 60; i++) {
    if ((await fetch(`${stack.connectUrl}/connectors/${connectorName}`)).status === 404) return;
    await sleep(500);
  }
}

// ---------------------------------------------------------------- the floor and the streaming case

async function copyFloor(warehouse: pg.Client): Promise<number> {
  await warehouse.query(`CREATE SCHEMA ${floorSchema}`);
  for (const table of TABLES) await warehouse.query(`CREATE TABLE ${floorSchema}.${table} ${DDL[table]}`);
  const startedAt = performance.now();
  const script = TABLES.map(
    (t) => `psql -X -q "$SOURCE" -c "\\copy ${schema}.${t} TO STDOUT" | psql -X -q "$WAREHOUSE" -c "\\copy ${floorSchema}.${t} FROM STDIN"`,
  ).join(' && ');
  await exec('bash', ['-o', 'pipefail', '-c', script], { env: { ...process.env, SOURCE: stack.sourceUrl, WAREHOUSE: stack.warehouseUrl } });
  return performance.now() - startedAt;
}

async function runPgbench(): Promise<string> {
  const script = join(tmpdir(), `${schema}.pgbench.sql`);
  writeFileSync(script, `INSERT INTO ${schema}.lag_probe (committed_epoch, pad) VALUES (extract(epoch from clock_timestamp()), repeat('x', 100));\n`);
  const url = new URL(stack.sourceUrl);
  const { stdout } = await exec(
    'pgbench',
    [
      '-n',
      '-h',
      url.hostname,
      '-p',
      url.port,
      '-U',
      url.username,
      '-c',
      '4',
      '-j',
      '2',
      '-R',
      String(PGBENCH_RATE),
      '-T',
      String(PGBENCH_SECONDS),
      '-f',
      script,
      url.pathname.slice(1),
    ],
    { env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) } },
  );
  return /tps = ([\d.]+)/.exec(stdout)?.[1] ?? '?';
}

interface Lag {
  rows: number;
  p50: number;
  p99: number;
  max: number;
}

async function lagOf(warehouse: pg.Client, table: string, seenColumn: string): Promise<Lag> {
  const { rows } = await warehouse.query<{ n: number; p50: number; p99: number; max: number }>(
    `SELECT count(*)::int AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY l) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY l) AS p99, max(l) AS max
       FROM (SELECT extract(epoch FROM ${seenColumn}) - committed_epoch AS l FROM ${table} WHERE pad <> 'seed') lags`,
  );
  const r = rows[0]!;
  return { rows: r.n, p50: Number(r.p50), p99: Number(r.p99), max: Number(r.max) };
}

// ---------------------------------------------------------------- the run

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  await admin.connect();
  const source = await connect(stack.sourceUrl);
  const warehouse = await connect(stack.warehouseUrl);
  const pipeline = pipelineFor(schema);
  const samplers: ChildUsageSampler[] = [];
  let jdbcStarted = false;
  try {
    await ensureConnector();
    progress(`writing the workload to ${schema} in the source`);
    const writeStart = performance.now();
    const written = await writeSource(source);
    const writeMs = performance.now() - writeStart;
    progress(`${fmt.int(written.events)} change events written in ${fmt.ms(writeMs)} (${JSON.stringify(written.byOp)}); waiting for Debezium`);
    const captureMs = await waitForCapture(written.events + written.deletes);
    progress(`Debezium captured them ${fmt.ms(captureMs)} after the last write`);
    const expected = await fingerprints(source, schema);
    const finalRows = Number(
      (
        await source.query(
          `SELECT (SELECT count(*) FROM ${schema}.wide) + (SELECT count(*) FROM ${schema}.accounts) + (SELECT count(*) FROM ${schema}.tags) AS n`,
        )
      ).rows[0].n,
    );

    const whPid = await postmasterPid(warehouse);
    const connectPid = await listenerPid(Number(new URL(stack.connectUrl).port));

    // 1. pgshift
    progress('pgshift: batcher and loader from the beginning of the topics');
    const whCpu0 = clusterCpuMs(whPid);
    const pgStart = performance.now();
    const batcher = pipeline.startBatcher('e2e-batcher');
    const loader = pipeline.startLoader('e2e-loader');
    const batcherUsage = new ChildUsageSampler(batcher.child.pid!);
    const loaderUsage = new ChildUsageSampler(loader.child.pid!);
    samplers.push(batcherUsage, loaderUsage);
    const pgEnd = await waitForEqual(warehouse, schema, expected, () => {
      if (batcher.child.exitCode !== null) throw new Error(`the batcher exited; log ${batcher.logFile}`);
      if (loader.child.exitCode !== null) throw new Error(`the loader exited; log ${loader.logFile}`);
    });
    batcherUsage.sample();
    loaderUsage.sample();
    const pgshift = {
      ms: pgEnd - pgStart,
      batcherCpuMs: batcherUsage.cpuMs,
      loaderCpuMs: loaderUsage.cpuMs,
      warehouseCpuMs: clusterCpuMs(whPid) - whCpu0,
      batcherRss: batcherUsage.peakRssBytes,
      loaderRss: loaderUsage.peakRssBytes,
    };
    progress(`pgshift: equal after ${fmt.ms(pgshift.ms)}`);

    // 2. the JDBC sink
    progress('JDBC sink: from the beginning of the topics');
    await warehouse.query(`CREATE SCHEMA ${jdbcSchema}`);
    await warehouse.query(
      `CREATE TABLE ${jdbcSchema}.lag_probe (id bigint PRIMARY KEY, committed_epoch double precision, pad text, seen_at timestamptz DEFAULT now())`,
    );
    const connectCpu0 = procTicks(connectPid);
    const whCpu1 = clusterCpuMs(whPid);
    const jdbcStart = performance.now();
    jdbcStarted = true;
    await startJdbcSink();
    const alive = jdbcSinkAlive();
    let aliveError: Error | null = null;
    const jdbcEnd = await waitForEqual(warehouse, jdbcSchema, expected, () => {
      if (aliveError) throw aliveError;
      void alive().catch((e: Error) => {
        aliveError = e;
      });
    });
    const jdbc = {
      ms: jdbcEnd - jdbcStart,
      connectCpuMs: ((procTicks(connectPid) - connectCpu0) / TICKS_PER_SECOND) * 1000,
      warehouseCpuMs: clusterCpuMs(whPid) - whCpu1,
      connectRss: procRss(connectPid),
    };
    progress(`JDBC sink: equal after ${fmt.ms(jdbc.ms)}`);

    // 3. the floor
    const floorMs = await copyFloor(warehouse);
    progress(`floor: one COPY of ${fmt.int(finalRows)} rows in ${fmt.ms(floorMs)}`);

    // 4. streaming, both pipelines running side by side
    progress(`streaming: pgbench inserting ${PGBENCH_RATE}/s for ${PGBENCH_SECONDS} s with both pipelines running`);
    const tps = await runPgbench();
    const probeRows = Number((await source.query(`SELECT count(*) AS n FROM ${schema}.lag_probe`)).rows[0].n);
    const drained = async (table: string) => {
      for (let i = 0; i < 240; i++) {
        const n = Number((await warehouse.query(`SELECT count(*) AS n FROM ${table}`).catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n);
        if (n >= probeRows) return;
        await sleep(250);
      }
      throw new Error(`${table} did not receive the ${probeRows} probe rows within a minute`);
    };
    await Promise.all([drained(`${schema}.lag_probe`), drained(`${jdbcSchema}.lag_probe`)]);
    const pgshiftLag = await lagOf(warehouse, `${schema}.lag_probe`, '_pgshift_loaded_at');
    const jdbcLag = await lagOf(warehouse, `${jdbcSchema}.lag_probe`, 'seen_at');

    const eventsPerS = (ms: number) => (written.events / ms) * 1000;
    const mainCpu = (pgshift.batcherCpuMs + pgshift.loaderCpuMs) / 1000;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const lagText = (l: Lag) => `p50 ${l.p50.toFixed(2)} s, p99 ${l.p99.toFixed(2)} s, max ${l.max.toFixed(2)} s (${fmt.int(l.rows)} rows)`;
    printFigures(
      `End to end: ${fmt.int(written.events)} change events (${written.byOp.c} inserts, ${written.byOp.u} updates, ${written.byOp.d} deletes), 3 tables, 3 partitions`,
      [
        ['pgshift (1 batcher, 1 loader)', `${s(pgshift.ms)}, ${fmt.rate(eventsPerS(pgshift.ms), 'events')}`],
        ['  CPU', `batcher ${s(pgshift.batcherCpuMs)}, loader ${s(pgshift.loaderCpuMs)}, warehouse PostgreSQL ${s(pgshift.warehouseCpuMs)}`],
        ['  peak RSS', `batcher ${fmt.mib(pgshift.batcherRss)}, loader ${fmt.mib(pgshift.loaderRss)}`],
        ['Debezium JDBC sink 3.6.0 (3 tasks)', `${s(jdbc.ms)}, ${fmt.rate(eventsPerS(jdbc.ms), 'events')}`],
        ['  CPU', `Connect worker ${s(jdbc.connectCpuMs)}, warehouse PostgreSQL ${s(jdbc.warehouseCpuMs)}`],
        ['  RSS', `Connect worker ${fmt.mib(jdbc.connectRss)} (the shared worker, at the end)`],
        ['floor: one COPY of the final tables', `${s(floorMs)} (${fmt.int(finalRows)} rows)`],
        ['ratio pgshift / JDBC sink (events/s)', `${(jdbc.ms / pgshift.ms).toFixed(2)}×`],
        ['ratio CPU (pgshift services / Connect)', `${(mainCpu / (jdbc.connectCpuMs / 1000)).toFixed(2)}×`],
        [`streaming (pgbench ${PGBENCH_RATE}/s × ${PGBENCH_SECONDS} s, ${tps} tps)`, ''],
        ['  pgshift lag', lagText(pgshiftLag)],
        ['  JDBC sink lag', lagText(jdbcLag)],
        ['source workload', `written in ${s(writeMs)}, captured by Debezium ${s(captureMs)} after`],
        ['machine', machineState(loadAtStart)],
      ],
      {
        events: written.events,
        inserts: written.byOp.c,
        updates: written.byOp.u,
        deletes: written.byOp.d,
        finalRows,
        pgshift: {
          seconds: pgshift.ms / 1000,
          eventsPerS: eventsPerS(pgshift.ms),
          batcherCpuS: pgshift.batcherCpuMs / 1000,
          loaderCpuS: pgshift.loaderCpuMs / 1000,
          warehouseCpuS: pgshift.warehouseCpuMs / 1000,
          batcherPeakRss: pgshift.batcherRss,
          loaderPeakRss: pgshift.loaderRss,
        },
        jdbcSink: {
          seconds: jdbc.ms / 1000,
          eventsPerS: eventsPerS(jdbc.ms),
          connectCpuS: jdbc.connectCpuMs / 1000,
          warehouseCpuS: jdbc.warehouseCpuMs / 1000,
          connectRss: jdbc.connectRss,
        },
        floorSeconds: floorMs / 1000,
        ratio: jdbc.ms / pgshift.ms,
        streaming: { rate: PGBENCH_RATE, seconds: PGBENCH_SECONDS, pgshift: pgshiftLag, jdbcSink: jdbcLag },
        loadAtStart,
        loadAtEnd: loadavg()[0],
      },
    );
  } finally {
    for (const sampler of samplers) sampler.stop();
    // SIGTERM: a clean exit leaves the consumer groups, so that they can be deleted below.
    await Promise.all(pipeline.services.map((service) => service.stop()));
    if (!args.keep) {
      progress('cleaning up');
      if (jdbcStarted) await removeJdbcSink().catch(() => undefined);
      await source.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      for (const s of [schema, jdbcSchema, floorSchema]) await warehouse.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`).catch(() => undefined);
      const leftovers = [
        ...(await deleteTopics(admin, [...TOPICS, pipeline.batchesTopic, `${pipeline.batchesTopic}.dead-letter`, pipeline.controlTopic, pipeline.statusTopic])),
      ];
      // A group can be deleted only once its members have left (the sink's tasks leave a moment after the connector is deleted).
      let groupsLeft: string[] = [];
      for (let attempt = 0; attempt < 20; attempt++) {
        groupsLeft = await deleteGroups(admin, [pipeline.batcherGroup, pipeline.loaderGroup, `connect-${connectorName}`]);
        if (groupsLeft.length === 0) break;
        await sleep(1000);
      }
      leftovers.push(...groupsLeft);
      for (const topic of TOPICS) {
        await deleteSubject(`${topic}-value`).catch(() => undefined);
        await deleteSubject(`${topic}-key`).catch(() => undefined);
      }
      await deleteSubject(`${pipeline.batchesTopic}-value`).catch(() => undefined);
      await deletePrefix(s3, `tests/${schema}`).catch(() => undefined);
      if (leftovers.length > 0) progress(`left behind: ${leftovers.join('; ')}`);
    }
    await source.end();
    await warehouse.end();
    await admin.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
