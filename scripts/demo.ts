/**
 * The demo: a sample shop schema in the source, Debezium capturing it, the batcher and the loader
 * running in the background, a burst of writes, and the warehouse catching up. Re-running it keeps the
 * data and adds more writes. `npm run stack -- down` stops everything.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ShopWorkload } from '../test/fixtures/workload.js';
import { ensureConnector } from '../test/support/connector.js';
import { createSampleSchema } from '../test/support/pipeline.js';
import { pipelineEnv, SERVICE_NODE_FLAGS } from '../test/support/services.js';
import { stack } from '../test/support/stack.js';
import { waitFor } from '../test/support/wait.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const SCHEMA = 'shop';
const ports = { batcher: 59101, loader: 59102, control: 59103, controlApi: 59104 };

function say(text: string): void {
  process.stdout.write(`\x1b[1m[demo]\x1b[0m ${text}\n`);
}

function alive(pidFile: string): boolean {
  if (!existsSync(pidFile)) return false;
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a service detached, logging to .stack/logs/<name>.log; stack.sh down stops it. */
function startInBackground(service: 'batcher' | 'loader' | 'control', env: Record<string, string>): void {
  const pidFile = `${root}.stack/run/${service}.pid`;
  if (alive(pidFile)) {
    say(`${service} already running (pid ${readFileSync(pidFile, 'utf8').trim()})`);
    return;
  }
  mkdirSync(`${root}.stack/logs`, { recursive: true });
  const log = openSync(`${root}.stack/logs/${service}.log`, 'a');
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--conditions=source', '--import', 'tsx', `${root}services/${service}/src/main.ts`], {
    cwd: root,
    env: { ...process.env, ...pipelineEnv(), ...env, PGSHIFT_HTTP_PORT: String(ports[service]), PGSHIFT_INSTANCE_ID: `demo-${service}` },
    stdio: ['ignore', log, log],
    detached: true,
  });
  child.unref();
  writeFileSync(pidFile, String(child.pid));
  say(`${service} started (pid ${child.pid}), log: .stack/logs/${service}.log`);
}

async function main(): Promise<void> {
  const source = new pg.Client({ connectionString: stack.sourceUrl });
  await source.connect();
  const workload = new ShopWorkload(source, SCHEMA);

  const exists = (await source.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [SCHEMA])).rowCount === 1;
  if (!exists) {
    say(`creating the sample schema "${SCHEMA}" in the source (test/fixtures/sample-schema.sql)`);
    await createSampleSchema(source, SCHEMA);
    await workload.seed(200, 50);
  }
  await workload.resume();

  say('registering the Debezium connector (connect-config/pgshift-source.json)');
  await ensureConnector();
  await waitFor(
    'change topics of the sample schema',
    async () => {
      const response = await fetch(`${stack.registryUrl}/subjects`);
      const subjects = (await response.json()) as string[];
      return subjects.some((s) => s.startsWith(`${stack.topicPrefix}.${SCHEMA}.`));
    },
    { timeoutMs: 120_000 },
  );

  const topicPattern = `^${stack.topicPrefix}\\.(public|${SCHEMA})\\.[^.]+$`;
  startInBackground('batcher', { PGSHIFT_TOPIC_PATTERN: topicPattern, PGSHIFT_FLUSH_AGE: '2s', PGSHIFT_TOPIC_REFRESH: '10s' });
  startInBackground('loader', {});
  startInBackground('control', { PGSHIFT_CONTROL_TOKEN: controlToken(), PGSHIFT_CONTROL_PORT: String(ports.controlApi) });

  say('writing to the source for 15 seconds: new orders, payments, price changes, deletes');
  const until = Date.now() + 15_000;
  let steps = 0;
  while (Date.now() < until) {
    await workload.step();
    steps++;
  }
  say(`${steps} transactions written; \`pgshift verify\` waits for the warehouse to catch up, then compares every table`);
  await source.end();
  const verified = await verify();

  const ui = `
Where everything is (the batcher and loader keep running; \`npm run stack -- down\` stops it all):
  source       psql postgresql://pgshift:pgshift@127.0.0.1:55432/app        (write to ${SCHEMA}.* or public.*)
  warehouse    psql postgresql://pgshift:pgshift@127.0.0.1:55433/warehouse  (SELECT * FROM ${SCHEMA}.orders)
  Kafka        127.0.0.1:59092   topics pgshift.${SCHEMA}.<table>, pgshift.batches, pgshift.dead-letter
  Connect      ${stack.connectUrl}/connectors/pgshift-source/status
  registry     ${stack.registryUrl}/subjects
  S3           ${stack.s3.endpoint}/${stack.s3.bucket}  (batches/<schema>.<table>/<yyyy>/<mm>/<dd>/<batch id>/)
  batcher      http://127.0.0.1:${ports.batcher}/metrics  /readyz   log .stack/logs/batcher.log
  loader       http://127.0.0.1:${ports.loader}/metrics  /readyz   log .stack/logs/loader.log
  control      http://127.0.0.1:${ports.controlApi}/v1/tables (bearer token in .stack/run/control-token)   log .stack/logs/control.log
  tables       PGSHIFT_CONTROL_TOKEN=$(cat .stack/run/control-token) npm run pgshift -- tables   (pause|resume|retry|schedule <table>)
  verify       PGSHIFT_SOURCE_URL=${stack.sourceUrl} PGSHIFT_WAREHOUSE=postgres \\
               PGSHIFT_WAREHOUSE_URL=${stack.warehouseUrl} npm run pgshift -- verify --schema ${SCHEMA}
`;
  process.stdout.write(ui);
  if (verified !== 0) throw new Error('pgshift verify did not find the warehouse in sync with the source');
}

/** The demo control service's token: $PGSHIFT_CONTROL_TOKEN, else one made once and kept in .stack/run/control-token (mode 600). */
function controlToken(): string {
  if (process.env.PGSHIFT_CONTROL_TOKEN) return process.env.PGSHIFT_CONTROL_TOKEN;
  const file = `${root}.stack/run/control-token`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(`${root}.stack/run`, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** `pgshift verify --schema shop`, its report shown as it comes. */
async function verify(): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', `${root}packages/cli/src/main.ts`, 'verify', '--schema', SCHEMA, '--wait-timeout', '180s'],
    {
      cwd: root,
      env: { ...process.env, PGSHIFT_SOURCE_URL: stack.sourceUrl, PGSHIFT_WAREHOUSE: 'postgres', PGSHIFT_WAREHOUSE_URL: stack.warehouseUrl },
      stdio: 'inherit',
    },
  );
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
