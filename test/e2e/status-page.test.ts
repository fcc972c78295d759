import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { tableSnapshot, waitForTableMatch } from '../support/compare.js';
import { ensureConnector } from '../support/connector.js';
import { withScenario } from '../support/scenario.js';
import { waitFor } from '../support/wait.js';
import { postgresTarget as target } from '../support/warehouse-targets.js';

// The status page in a real browser (Debian's chromium, driven by playwright-core), against the real
// pipeline: sign in with the control token, see the tables, pause one (confirming), see the loader stop
// applying it and the page say so, then resume it. One warehouse adapter (PostgreSQL): the page does not depend on it. Leaves a screenshot in docs/status-page.png.

const CHROMIUM = process.env.PGSHIFT_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = new URL('../../docs/status-page.png', import.meta.url);

before(async () => {
  await ensureConnector();
  await target.start();
});
after(() => target.close());

test('the status page asks for the token, lists the tables, and pauses and resumes a table end to end', { timeout: 10 * 60_000 }, () =>
  withScenario(target, { prefix: 'page' }, async (scenario) => {
    const { schema, source, warehouse } = scenario;
    for (const name of ['orders', 'customers']) {
      await source.query(`CREATE TABLE ${schema}.${name} (id int PRIMARY KEY, v text NOT NULL)`);
      await source.query(`INSERT INTO ${schema}.${name} SELECT g, '${name} ' || g FROM generate_series(1, 20) g`);
    }
    await scenario.start();
    const control = await scenario.startControl();
    for (const name of ['orders', 'customers']) await waitForTableMatch(source, warehouse, schema, name);
    const orders = scenario.qualified('orders');

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 360 } });
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.accept();
      });
      await waitFor('the control API serving the page', async () => (await fetch(`${control.url}/status`)).ok, { timeoutMs: 60_000 });
      await page.goto(`${control.url}/`);
      await page.locator('#sign-in').waitFor();
      assert.equal(await page.locator('#tables tbody tr').count(), 0, 'no data without the token');

      await page.fill('input[name=token]', control.token);
      await page.fill('input[name=actor]', 'page-operator');
      await page.click('button[type=submit]');
      const row = page.locator(`#tables tbody tr[data-table="${orders}"]`);
      await row.waitFor({ timeout: 30_000 });
      await waitFor('orders streaming on the page', async () => (await row.getAttribute('data-state')) === 'streaming', { timeoutMs: 60_000 });

      await row.locator('button[data-action=pause]').click();
      await waitFor('the confirmation asked', () => dialogs.length === 1);
      assert.deepEqual(dialogs, [`Pause ${orders}? Its batches wait, in order, until it is resumed.`]);
      await waitFor('orders paused on the page', async () => (await row.getAttribute('data-state')) === 'paused', { timeoutMs: 60_000 });
      assert.match(await row.innerText(), /by page-operator/);

      // End to end: the loader applies nothing of the paused table while the other keeps streaming.
      const frozen = await tableSnapshot(warehouse, schema, 'orders');
      for (let id = 21; id <= 40; id++) {
        await source.query(`INSERT INTO ${schema}.orders VALUES ($1::int, 'orders ' || $1::text)`, [id]);
        await source.query(`INSERT INTO ${schema}.customers VALUES ($1::int, 'customers ' || $1::text)`, [id]);
      }
      await waitForTableMatch(source, warehouse, schema, 'customers');
      await waitFor('the page shows the held batches as lag', async () => /[1-9]\d* batch/.test(await row.locator('td').nth(2).innerText()), {
        timeoutMs: 60_000,
      });
      assert.deepEqual(await tableSnapshot(warehouse, schema, 'orders'), frozen, 'nothing of the paused table was applied');
      await mkdir(new URL('.', SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT.pathname });

      await row.locator('button[data-action=resume]').click();
      await waitFor('the confirmation asked', () => dialogs.length === 2);
      await waitForTableMatch(source, warehouse, schema, 'orders');
      await waitFor('orders streaming again on the page', async () => (await row.getAttribute('data-state')) === 'streaming', { timeoutMs: 60_000 });

      await page.click('#sign-out');
      assert.equal(await page.locator('#tables tbody tr').count(), 0, 'forgetting the token hides the tables');
    } finally {
      await browser.close();
    }
  }),
);
