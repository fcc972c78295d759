import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitForTableMatch } from '../support/compare.js';
import { ensureConnector, startTestConnector } from '../support/connector.js';
import { topicEnds } from '../support/consumer-groups.js';
import { kafka, listTopics, readTopic } from '../support/kafka.js';
import { connect } from '../support/pipeline.js';
import { readiness, withScenario } from '../support/scenario.js';
import { stack, uniqueName } from '../support/stack.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';
import { postgresTarget } from '../support/warehouse-targets.js';

// A schema registry outage, made without stopping the registry (others use it): the processes under test
// reach it through a TCP proxy that the test cuts and restores.

const registryPort = Number(new URL(stack.registryUrl).port);
let proxy: TcpProxy;

before(async () => {
  await ensureConnector();
  proxy = await startTcpProxy({ host: '127.0.0.1', port: registryPort });
});
after(() => proxy.close());

const OUTAGE_MS = 20_000;

test('a loader started on a fresh group while the registry is unreachable loses no batch: every row arrives, nothing is dead-lettered', {
  timeout: 10 * 60_000,
}, async () => {
  await proxy.restore();
  await withScenario(postgresTarget, { prefix: 'regout', loader: () => ({ PGSHIFT_SCHEMA_REGISTRY_URL: proxy.url('/apis/ccompat/v7') }) }, async (scenario) => {
    const { schema, source, warehouse, pipeline } = scenario;
    await source.query(`CREATE TABLE ${schema}.items (id int PRIMARY KEY, label text NOT NULL)`);
    await scenario.startBatcher(); // reaches the registry directly
    for (let chunk = 0; chunk < 4; chunk++) {
      await source.query(`INSERT INTO ${schema}.items SELECT g, 'item ' || g FROM generate_series(${chunk * 25 + 1}, ${chunk * 25 + 25}) g`);
    }
    await readTopic(pipeline.batchesTopic, (seen) => seen.length >= 1, { timeoutMs: 120_000 });

    await proxy.cut();
    const loader = await scenario.startLoader({ ready: false });
    await sleep(OUTAGE_MS);
    assert.equal(loader.child.exitCode, null, 'the loader keeps running through the outage');
    await proxy.restore();
    await source.query(`INSERT INTO ${schema}.items SELECT g, 'late ' || g FROM generate_series(101, 110) g`);

    await waitForTableMatch(source, warehouse, schema, 'items');
    const { rows } = await warehouse.query(`SELECT count(*)::int AS n FROM ${schema}.items`);
    assert.equal(rows[0].n, 110);
    const deadLetters = (await topicEnds([`${pipeline.batchesTopic}.dead-letter`])).get(`${pipeline.batchesTopic}.dead-letter`);
    assert.ok(!deadLetters || deadLetters.empty, `nothing dead-lettered (${deadLetters?.end} letters)`);
    await loader.ready();
    assert.equal((await readiness(loader)).status, 200);
  });
});

test('the Debezium source task keeps running through a registry outage of 20 s and every change arrives', { timeout: 10 * 60_000 }, async () => {
  await proxy.restore();
  const schema = uniqueName('regcut');
  const source = await connect(stack.sourceUrl);
  let connector: Awaited<ReturnType<typeof startTestConnector>> | undefined;
  try {
    await source.query(`CREATE SCHEMA ${schema}`);
    await source.query(`CREATE TABLE ${schema}.t (id int PRIMARY KEY, note text)`);
    const registryUrl = proxy.url('/apis/registry/v2');
    connector = await startTestConnector(schema, {
      'key.converter.apicurio.registry.url': registryUrl,
      'value.converter.apicurio.registry.url': registryUrl,
    });
    const topic = `${connector.topicPrefix}.${schema}.t`;
    let id = 0;
    const insert = async (n: number) => {
      for (let i = 0; i < n; i++) await source.query(`INSERT INTO ${schema}.t VALUES ($1, $2)`, [++id, `row ${id}`]);
    };
    await insert(5);
    await readTopic(topic, (seen) => seen.length >= 5, { timeoutMs: 60_000 });
    // The converter caches a schema for 30 s (apicurio.registry.check-period-ms): cut so that its
    // refresh falls inside the outage.
    await sleep(12_000);
    await proxy.cut();
    const cutUntil = Date.now() + OUTAGE_MS;
    while (Date.now() < cutUntil) {
      await insert(1);
      await connector.status();
      await sleep(1_000);
    }
    await proxy.restore();
    await insert(5);
    const seen = await readTopic(topic, (messages) => messages.filter((m) => m.message.value).length >= id, { timeoutMs: 120_000 }).catch(async (error) => {
      const status = await connector!.status();
      throw new Error(`${(error as Error).message}; task: ${JSON.stringify(status.tasks?.[0]).slice(0, 2000)}`);
    });
    assert.equal(seen.filter((m) => m.message.value).length, id, 'every change once');
    await connector.status();
    assert.ok(!connector.states.includes('FAILED'), `the task never failed (states seen: ${[...new Set(connector.states)].join(', ')})`);
  } finally {
    await connector?.remove().catch(() => undefined);
    await waitFor('the test slot to be dropped', async () => {
      const { rows } = await source.query(`SELECT active FROM pg_replication_slots WHERE slot_name = $1`, [schema]);
      if (rows.length === 0) return true;
      if (!rows[0].active) await source.query(`SELECT pg_drop_replication_slot($1)`, [schema]);
      return false;
    }).catch(() => undefined);
    await source.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await source.end();
    const topics = (await listTopics()).filter((t) => t.startsWith(`t${schema}.`) || t.endsWith(`.t${schema}`));
    const admin = kafka.admin();
    await admin.connect();
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  }
});
