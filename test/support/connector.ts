import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stack } from './stack.js';
import { waitFor } from './wait.js';

export interface ConnectorStatus {
  connector?: { state: string };
  tasks?: { state: string; trace?: string }[];
}

interface ConnectorFile {
  name: string;
  config: Record<string, string>;
}

export function readConnectorConfig(file: string): ConnectorFile {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../connect-config/${file}`, import.meta.url)), 'utf8'));
}

/**
 * Registers (or updates) a connector from connect-config/ through Connect's REST API and waits until
 * its task runs. Idempotent: tests share one connector per config file.
 */
export async function ensureConnector(file = 'pgshift-source.json'): Promise<string> {
  const { name, config } = readConnectorConfig(file);
  const response = await fetch(`${stack.connectUrl}/connectors/${name}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  if (!response.ok) throw new Error(`registering connector ${name}: HTTP ${response.status} ${await response.text()}`);
  await waitFor(`connector ${name} to run`, async () => {
    const status = (await (await fetch(`${stack.connectUrl}/connectors/${name}/status`)).json()) as ConnectorStatus;
    const task = status.tasks?.[0];
    if (task?.state === 'FAILED') throw new Error(`connector ${name} failed: ${task.trace}`);
    return status.connector?.state === 'RUNNING' && task?.state === 'RUNNING';
  });
  return name;
}

export interface TestConnector {
  name: string;
  topicPrefix: string;
  /** Task states seen by every `status()` call so far. */
  states: string[];
  status(): Promise<ConnectorStatus>;
  remove(): Promise<void>;
}

/**
 * A connector of the test's own, from connect-config/pgshift-source.json with its own name, slot (dropped
 * when it stops) and topic prefix, capturing one source schema only; `overrides` change any setting
 * (e.g. the converters' registry URL). `remove()` deletes it and its replication slot.
 */
export async function startTestConnector(schema: string, overrides: Record<string, string> = {}): Promise<TestConnector> {
  const { config } = readConnectorConfig('pgshift-source.json');
  const name = `pgshift-test-${schema}`;
  const topicPrefix = `t${schema}`;
  const { 'schema.exclude.list': _excluded, ...base } = config;
  const ownConfig = {
    ...base,
    'topic.prefix': topicPrefix,
    'slot.name': schema,
    'slot.drop.on.stop': 'true',
    'schema.include.list': schema,
    ...overrides,
  };
  const response = await fetch(`${stack.connectUrl}/connectors/${name}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ownConfig),
  });
  if (!response.ok) throw new Error(`registering connector ${name}: HTTP ${response.status} ${await response.text()}`);
  const states: string[] = [];
  const status = async () => {
    const s = (await (await fetch(`${stack.connectUrl}/connectors/${name}/status`)).json()) as ConnectorStatus;
    for (const task of s.tasks ?? []) states.push(task.state);
    return s;
  };
  await waitFor(`connector ${name} to run`, async () => {
    const s = await status();
    const task = s.tasks?.[0];
    if (task?.state === 'FAILED') throw new Error(`connector ${name} failed: ${task.trace}`);
    return s.connector?.state === 'RUNNING' && task?.state === 'RUNNING';
  });
  return {
    name,
    topicPrefix,
    states,
    status,
    remove: async () => {
      await fetch(`${stack.connectUrl}/connectors/${name}`, { method: 'DELETE' });
      await waitFor(`connector ${name} to be gone`, async () => (await fetch(`${stack.connectUrl}/connectors/${name}`)).status === 404);
    },
  };
}
