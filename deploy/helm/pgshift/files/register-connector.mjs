// Registers (or updates) the Debezium connector over Kafka Connect's REST API: PUT /connectors/NAME/config
// is idempotent. The password comes from the environment (the Secret) and is never printed.
import { readFile } from 'node:fs/promises';

const url = `${process.env.CONNECT_URL.replace(/\/$/, '')}/connectors/${encodeURIComponent(process.env.CONNECTOR_NAME)}/config`;
const config = JSON.parse(await readFile('/connector/connector.json', 'utf8'));
config['database.password'] = process.env.PGSHIFT_SOURCE_PASSWORD;
const response = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) });
const body = await response.text();
if (!response.ok) {
  // Connect's error message names the bad key; it never echoes config values.
  console.error(JSON.stringify({ msg: 'connector registration failed', status: response.status, body: body.slice(0, 2000) }));
  process.exit(1);
}
console.log(JSON.stringify({ msg: response.status === 201 ? 'connector created' : 'connector updated', connector: process.env.CONNECTOR_NAME }));
