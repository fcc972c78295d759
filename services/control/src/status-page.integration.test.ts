import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { applyControlAction, ControlState, controlChanges, encodeTableControl, parseSchedule } from '@pgshift/contracts';
import { createLogger } from '@pgshift/runtime';
import { type Browser, chromium } from 'playwright-core';
import { Registry } from 'prom-client';
import { buildControlApi } from './api.js';
import { createControlMetrics } from './metrics.js';
import { tableViews } from './table-views.js';

// The status page in Debian's chromium (playwright-core) over the API with an in-memory store: no
// stack needed, only the browser (scripts/ensure-chromium.sh). The pipeline end to end is in
// test/e2e/status-page.test.ts.

const token = 'browser-test-token-0123456789';
const hostile = 'shop.<img/src=x/onerror=window.pwned=1>';
const state = new ControlState();
const actions: { table: string; kind: string; actor: string }[] = [];
const app = buildControlApi({
  token,
  store: {
    views: () => tableViews(state.all(), [], Date.now(), 60_000),
    view: (table) => tableViews(state.all(), [], Date.now(), 60_000).find((v) => v.table === table) ?? null,
    act: async (table, action, actor) => {
      actions.push({ table, kind: action.kind, actor });
      const before = state.get(table);
      const after = applyControlAction(before, action, actor, new Date());
      state.apply(table, encodeTableControl(after));
      return { before, after, changes: controlChanges(before, after) };
    },
    replayRequest: async () => null,
  },
  logger: createLogger('control-test', 'silent'),
  metrics: createControlMetrics(new Registry()),
});
let browser: Browser;
let url: string;

before(async () => {
  for (const table of ['shop.orders', hostile]) {
    const after = applyControlAction(state.get(table), { kind: 'schedule', schedule: parseSchedule('continuous') }, 'setup', new Date());
    state.apply(table, encodeTableControl(after));
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: process.env.PGSHIFT_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  await app.close();
});

test('the page shows nothing without the token, then every table as text; a refused token signs out', async () => {
  const page = await browser.newPage();
  await page.goto(`${url}/`);
  await page.locator('#sign-in').waitFor();
  assert.equal(await page.locator('#tables tbody tr').count(), 0);
  await page.fill('input[name=token]', 'wrong-token-but-long-enough');
  await page.fill('input[name=actor]', 'alice');
  await page.click('button[type=submit]');
  await page.locator('#sign-in-error').filter({ hasText: '401' }).waitFor();
  assert.equal(await page.locator('#tables-section').isVisible(), false);

  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
  await page.locator(`#tables tbody tr[data-table="shop.orders"]`).waitFor();
  assert.equal(await page.locator('#sign-in').isVisible(), false, 'the sign-in form is hidden once signed in');
  const names = await page.locator('#tables tbody td.name').allInnerTexts();
  assert.deepEqual(names.sort(), ['shop.orders', hostile].sort());
  assert.equal(await page.locator('#tables img').count(), 0, 'a table name never becomes HTML');
  assert.equal(await page.evaluate('window.pwned'), undefined);
  await page.close();
});

test('pause asks first: dismissed nothing is sent; confirmed it is sent with the actor, and the row offers resume', async () => {
  const page = await browser.newPage();
  await page.goto(`${url}/status`);
  await page.fill('input[name=token]', token);
  await page.fill('input[name=actor]', 'alice');
  await page.click('button[type=submit]');
  const row = page.locator('#tables tbody tr[data-table="shop.orders"]');
  let answer = false;
  const asked: string[] = [];
  page.on('dialog', (dialog) => {
    asked.push(dialog.message());
    void (answer ? dialog.accept() : dialog.dismiss());
  });
  await row.locator('button[data-action=pause]').click();
  assert.equal(asked.length, 1);
  assert.deepEqual(actions, []);
  answer = true;
  await row.locator('button[data-action=pause]').click();
  await row.locator('button[data-action=resume]').waitFor();
  assert.deepEqual(actions, [{ table: 'shop.orders', kind: 'pause', actor: 'alice' }]);
  assert.equal(await row.locator('button[data-action=pause]').count(), 0);
  await page.close();
});
