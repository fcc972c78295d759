import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createSchemaRegistry, isRegistryUnavailable, UnknownSchemaIdError } from './registry.js';

async function listen(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ url: string; server: Server; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    requests.push(request);
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests };
}

const SCHEMA = JSON.stringify({ schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] }) });

test('a registry that never answers fails each lookup within the timeout, as unavailable (not bad input)', async (t) => {
  const hung = await listen(() => {}); // accepts, reads, never answers
  t.after(() => hung.server.closeAllConnections());
  t.after(() => hung.server.close());
  const registry = createSchemaRegistry({ url: hung.url, timeoutMs: 300 });
  for (const [what, lookup] of [
    ['writer schema (change events)', () => registry.getWriterSchema(1)],
    ['library lookup (batch events)', () => registry.getSchema(1)],
  ] as const) {
    const started = performance.now();
    const error = await lookup().then(
      () => assert.fail(`${what}: expected a rejection`),
      (e: unknown) => e,
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 2_000, `${what}: rejected after ${Math.round(elapsed)} ms`);
    assert.equal(isRegistryUnavailable(error), true, `${what}: ${String(error)}`);
  }
  // The library makes one attempt (its own retries are off: the callers retry).
  assert.equal(hung.requests.length, 2);
});

test('credentials are sent as basic auth on both lookup paths', async (t) => {
  const registry = await listen((request, response) => {
    const ok = request.headers.authorization === `Basic ${Buffer.from('key:secret').toString('base64')}`;
    response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? SCHEMA : '{"message":"unauthorized"}');
  });
  t.after(() => registry.server.close());
  const client = createSchemaRegistry({ url: registry.url, timeoutMs: 2_000, auth: { username: 'key', password: 'secret' } });
  assert.equal((await client.getWriterSchema(1)).id, 1);
  assert.ok(await client.getSchema(2));
  const anonymous = createSchemaRegistry({ url: registry.url, timeoutMs: 2_000 });
  const refused = await anonymous.getSchema(3).catch((e: unknown) => e);
  assert.equal(isRegistryUnavailable(refused), true, 'a 401 is a configuration problem to wait on, not bad input');
});

test('an id the registry does not know is bad input, not unavailability', async (t) => {
  const registry = await listen((_request, response) =>
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error_code":40403,"message":"Schema not found"}'),
  );
  t.after(() => registry.server.close());
  const client = createSchemaRegistry({ url: registry.url, timeoutMs: 2_000 });
  const writer = await client.getWriterSchema(7).catch((e: unknown) => e);
  assert.ok(writer instanceof UnknownSchemaIdError);
  assert.equal(isRegistryUnavailable(writer), false);
  assert.equal(isRegistryUnavailable(await client.getSchema(7).catch((e: unknown) => e)), false);
});
