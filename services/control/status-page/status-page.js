// The status page: every table from GET /v1/tables, refreshed every few seconds, with the table actions
// behind buttons that ask first. The token and the actor stay in this tab's sessionStorage; every value
// is put in the page as text (textContent), never as HTML: table names and errors are user data.
const REFRESH_SECONDS = 3;
const TOKEN_KEY = 'pgshift.control.token';
const ACTOR_KEY = 'pgshift.control.actor';
const ACTIONS = [
  { kind: 'pause', label: 'Pause', ask: (t) => `Pause ${t}? Its batches wait, in order, until it is resumed.`, shown: (v) => !v.paused },
  { kind: 'resume', label: 'Resume', ask: (t) => `Resume ${t}? It catches up on what waited.`, shown: (v) => v.paused },
  { kind: 'retry', label: 'Retry', ask: (t) => `Retry ${t}'s failed batch now?`, shown: (v) => v.state === 'stopped' },
  // Resync joins these once the control API has its route (POST /v1/tables/:table/resync).
];

const $ = (id) => document.getElementById(id);
let timer = null;

function credentials() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const actor = sessionStorage.getItem(ACTOR_KEY);
  return token && actor ? { token, actor } : null;
}

async function call(method, path) {
  const creds = credentials();
  if (!creds) throw new Error('no token');
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${creds.token}`, 'x-pgshift-actor': creds.actor },
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) {
    signOut('The token was refused (401). Enter the control service token.');
    throw new Error('unauthorized');
  }
  if (!response.ok) throw new Error(body.error ?? `${method} ${path}: HTTP ${response.status}`);
  return body;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function ago(iso, now) {
  if (!iso) return '—';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds}s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 129600) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}

function lag(view) {
  if (!view.lag) return '—';
  return `${view.lag.seconds}s · ${view.lag.batches} batch${view.lag.batches === 1 ? '' : 'es'}`;
}

function stateCell(view) {
  const cell = element('td');
  const state = element('span', view.state, `state state-${view.state.replace(/[^a-z-]/g, '')}`);
  cell.append(state);
  if (view.paused && view.control && !view.reason?.includes(view.control.updatedBy)) {
    cell.append(element('div', `by ${view.control.updatedBy}`, 'detail'));
  }
  if (view.reason) cell.append(element('div', view.reason, 'detail'));
  if (view.stale) cell.append(element('div', 'stale: no loader reports it', 'stale'));
  return cell;
}

function actionsCell(view) {
  const cell = element('td', null, 'actions');
  for (const action of ACTIONS) {
    if (!action.shown(view)) continue;
    const button = element('button', action.label);
    button.type = 'button';
    button.dataset.action = action.kind;
    button.addEventListener('click', () => act(button, view.table, action));
    cell.append(button);
  }
  return cell;
}

function row(view, now) {
  const tr = element('tr');
  tr.dataset.table = view.table;
  tr.dataset.state = view.state;
  tr.append(
    element('td', view.table, 'name'),
    stateCell(view),
    element('td', lag(view), 'num'),
    element('td', view.rowsApplied === null ? '—' : view.rowsApplied.toLocaleString('en'), 'num'),
    element('td', ago(view.lastBatchAt, now)),
    element('td', view.lastError ?? '', 'err'),
    actionsCell(view),
  );
  return tr;
}

function summary(views) {
  const counts = new Map();
  for (const view of views) counts.set(view.state, (counts.get(view.state) ?? 0) + 1);
  const parts = [...counts].map(([state, n]) => `${n} ${state}`);
  return `${views.length} table${views.length === 1 ? '' : 's'}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

async function refresh() {
  try {
    const { tables } = await call('GET', '/v1/tables');
    const now = Date.now();
    $('tables').tBodies[0].replaceChildren(...tables.map((view) => row(view, now)));
    $('summary').textContent = summary(tables);
    $('updated').textContent = new Date(now).toLocaleTimeString('en-GB');
    $('error').textContent = '';
  } catch (error) {
    if (credentials()) $('error').textContent = `Could not read the tables: ${error.message}`;
  }
}

async function act(button, table, action) {
  if (!window.confirm(action.ask(table))) return;
  button.disabled = true;
  try {
    await call('POST', `/v1/tables/${encodeURIComponent(table)}/${action.kind}`);
    $('error').textContent = '';
  } catch (error) {
    if (credentials()) $('error').textContent = `${action.label} ${table} failed: ${error.message}`;
  }
  await refresh();
}

function showTables() {
  $('sign-in').hidden = true;
  $('tables-section').hidden = false;
  $('sign-out').hidden = false;
  refresh();
  clearInterval(timer);
  timer = setInterval(refresh, REFRESH_SECONDS * 1000);
}

function signOut(message = '') {
  clearInterval(timer);
  sessionStorage.removeItem(TOKEN_KEY);
  $('tables').tBodies[0].replaceChildren();
  $('summary').textContent = '';
  $('tables-section').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message;
}

$('interval').textContent = String(REFRESH_SECONDS);
$('sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  sessionStorage.setItem(TOKEN_KEY, String(form.get('token')).trim());
  sessionStorage.setItem(ACTOR_KEY, String(form.get('actor')).trim());
  $('sign-in-error').textContent = '';
  showTables();
});
$('sign-out').addEventListener('click', () => signOut());
$('sign-in').elements.actor.value = sessionStorage.getItem(ACTOR_KEY) ?? '';
if (credentials()) showTables();
else signOut();
