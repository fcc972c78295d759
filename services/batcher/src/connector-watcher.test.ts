import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { pino } from 'pino';
import { Gauge, Registry } from 'prom-client';
import { ConnectorWatcher, summariseTrace } from './connector-watcher.js';

const TRACE = [
  'org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler',
  '\tat org.apache.kafka.connect.runtime.errors.RetryWithToleranceOperator.execAndHandleError(RetryWithToleranceOperator.java:259)',
  'Caused by: io.apicurio.registry.rest.client.exception.RestClientException',
  '\tat io.apicurio.rest.client.JdkHttpClient.sendRequest(JdkHttpClient.java:207)',
  'Caused by: java.net.ConnectException: Connection refused',
].join('\n');

function logCapture() {
  const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

test('a FAILED Connect task is reported by gauge, one log line with its trace summary, and describe(); running again clears it', async () => {
  let taskState = 'RUNNING';
  let answering = true;
  const server = createServer((request, response) => {
    assert.equal(request.url, '/connectors?expand=status');
    if (!answering) return void response.writeHead(503).end();
    response.setHeader('content-type', 'application/json');
    response.end(
      JSON.stringify({
        'pgshift-source': {
          status: {
            name: 'pgshift-source',
            connector: { state: 'RUNNING' },
            tasks: [{ id: 0, state: taskState, ...(taskState === 'FAILED' ? { trace: TRACE } : {}) }],
          },
        },
        other: { status: { connector: { state: 'RUNNING' }, tasks: [] } },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const registry = new Registry();
  const taskFailed = new Gauge({ name: 'pgshift_connector_task_failed', help: 'h', labelNames: ['connector', 'task'] as const, registers: [registry] });
  const { logger, lines } = logCapture();
  const watcher = new ConnectorWatcher({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, intervalMs: 50, logger, taskFailed });
  const gauge = async () => (await taskFailed.get()).values.find((v) => v.labels.connector === 'pgshift-source' && v.labels.task === '0')?.value;
  try {
    await watcher.poll();
    assert.equal(await gauge(), 0);
    assert.deepEqual(watcher.describe(), {});

    taskState = 'FAILED';
    await watcher.poll();
    await watcher.poll();
    assert.equal(await gauge(), 1);
    const summary =
      'org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler | Caused by: io.apicurio.registry.rest.client.exception.RestClientException | Caused by: java.net.ConnectException: Connection refused';
    assert.deepEqual(watcher.describe(), { failedTasks: [{ connector: 'pgshift-source', task: 0, summary }] });
    const errors = lines.filter((l) => l.level === 50);
    assert.equal(errors.length, 1, 'one log line per failure, not per poll');
    assert.equal(errors[0]!.summary, summary);
    assert.match(errors[0]!.msg, /FAILED/);

    answering = false;
    await watcher.poll();
    assert.deepEqual(watcher.describe().failedTasks?.length, 1, 'Connect not answering keeps what was known');
    assert.match(watcher.describe().connectUnreachable ?? '', /HTTP 503/);

    answering = true;
    taskState = 'RUNNING';
    // Polled by its own timer from here on.
    watcher.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await watcher.stop();
    assert.equal(await gauge(), 0);
    assert.deepEqual(watcher.describe(), {});
    assert.ok(lines.some((l) => l.msg === 'Kafka Connect task running again'));
  } finally {
    await watcher.stop();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a trace summary keeps the first line and the causes, not the frames', () => {
  assert.equal(summariseTrace('java.lang.IllegalStateException: boom\n\tat a.b(C.java:1)'), 'java.lang.IllegalStateException: boom');
  assert.equal(summariseTrace(''), '');
});
