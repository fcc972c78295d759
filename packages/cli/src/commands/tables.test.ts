import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { tablesCommand } from './tables.js';

// `pgshift tables …` against a fake control API started by the test: what it sends, what it prints.

const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
    response.setHeader('content-type', 'application/json');
    if (request.headers.authorization !== 'Bearer right-token') {
      response.statusCode = 401;
      response.end('{"error":"unauthorized"}');
    } else if (request.url === '/v1/tables') response.end('{"tables":[]}');
    else {
      const action = (request.url ?? '').split('/').pop();
      response.end(JSON.stringify({ table: 'shop.orders', action, actor: request.headers['x-pgshift-actor'], changes: {}, known: true, view: null }));
    }
  });
});
let url = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

async function run(args: string[], token = 'right-token'): Promise<{ out: string; error?: Error }> {
  const saved = { ...process.env };
  Object.assign(process.env, { PGSHIFT_CONTROL_URL: url, PGSHIFT_CONTROL_TOKEN: token });
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  // The command writes text; the test runner's own reports (buffers) pass through.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (typeof chunk !== 'string') return write(chunk, ...rest);
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await tablesCommand().exitOverride().parseAsync(args, { from: 'user' });
    return { out };
  } catch (error) {
    return { out, error: error as Error };
  } finally {
    process.stdout.write = write;
    process.env = saved;
  }
}

test('the actor, the token and the flags reach the API wherever the flags are given', async () => {
  seen.length = 0;
  await run(['pause', 'shop.orders', '--as', 'alice']);
  await run(['--as', 'bob', 'resume', 'shop.orders']);
  const { out } = await run(['schedule', 'shop.orders', 'at', '02:00,14:00', '--json', '--as', 'carol']);
  assert.deepEqual(
    seen.map((r) => [r.method, r.url, r.headers['x-pgshift-actor'], r.headers.authorization, r.body]),
    [
      ['POST', '/v1/tables/shop.orders/pause', 'alice', 'Bearer right-token', ''],
      ['POST', '/v1/tables/shop.orders/resume', 'bob', 'Bearer right-token', ''],
      ['PUT', '/v1/tables/shop.orders/schedule', 'carol', 'Bearer right-token', '{"schedule":"at 02:00,14:00"}'],
    ],
  );
  assert.equal(JSON.parse(out).actor, 'carol', '--json after the arguments still prints JSON');
});

test('a refused token is one clear error naming PGSHIFT_CONTROL_TOKEN', async () => {
  const { error } = await run(['--json'], 'wrong-token');
  assert.match(error?.message ?? '', /refused the token: set PGSHIFT_CONTROL_TOKEN/);
});
