import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { DecodeError } from './change-event.js';
import { createChangeEventDecoder } from './decoder.js';
import { createSchemaRegistry } from './registry.js';

// The batcher dead-letters a change event only for a DecodeError; anything else is rethrown and the
// batch is consumed again (services/batcher/src/batcher.ts consumeMessage). So a registry that cannot
// answer must never surface as a DecodeError, and a definitive "unknown id" must.

const avroMessage = (id: number) => {
  const value = Buffer.alloc(8);
  value.writeInt32BE(id, 1);
  return { topic: 'pgshift.app.accounts', key: null, value };
};

test('a change event whose writer schema cannot be fetched (registry unreachable or failing) is not a DecodeError; an id the registry answers 404 for is', async () => {
  const server = createServer((request, response) => {
    if (request.url === '/schemas/ids/404') return void response.writeHead(404).end('{"error_code":40403,"message":"Schema not found"}');
    response.writeHead(503).end('storage unavailable');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const decoder = createChangeEventDecoder({ registry: createSchemaRegistry(url) });
    await assert.rejects(decoder.decode(avroMessage(404)), (error: unknown) => error instanceof DecodeError && error.reason === 'unknown-schema-id');
    await assert.rejects(decoder.decode(avroMessage(7)), (error: unknown) => !(error instanceof DecodeError));
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  const unreachable = createChangeEventDecoder({ registry: createSchemaRegistry(url) });
  await assert.rejects(unreachable.decode(avroMessage(7)), (error: unknown) => !(error instanceof DecodeError));
  // Nothing is remembered from the outage: the same decoder asks again next time.
  await assert.rejects(unreachable.decode(avroMessage(7)), (error: unknown) => !(error instanceof DecodeError));
});
