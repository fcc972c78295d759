import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client, type S3RetryLayer } from './s3.js';

/** How many requests one failing PutObject makes against a server that answers 503 to everything. */
async function attemptsOfOnePut(retry: S3RetryLayer): Promise<number> {
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    request.resume();
    request.on('end', () => response.writeHead(503, { 'content-type': 'application/xml' }).end('<Error><Code>ServiceUnavailable</Code></Error>'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const s3 = createS3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, forcePathStyle: true }, retry);
  try {
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' })));
    return requests;
  } finally {
    s3.destroy();
    server.close();
  }
}

test('a client whose caller retries makes exactly one attempt per request', async () => {
  assert.equal(await attemptsOfOnePut({ retriedBy: 'caller' }), 1);
});

test('a client the SDK retries makes its configured attempts', async () => {
  assert.equal(await attemptsOfOnePut({ retriedBy: 'sdk', maxAttempts: 2 }), 2);
});
