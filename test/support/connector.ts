import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stack } from './stack.js';
import { waitFor } from './wait.js';

interface ConnectorStatus {
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
