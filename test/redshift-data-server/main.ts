/**
 * Runs the Redshift Data API-compatible server standalone on REDSHIFT_DATA_PORT (stack/ports.env):
 *   node --conditions=source --import tsx test/redshift-data-server/main.ts
 */
import { stack } from '../support/stack.js';
import { startRedshiftDataServer } from './server.js';

const server = await startRedshiftDataServer({
  port: stack.redshiftDataPort,
  warehouseUrl: process.env.WAREHOUSE_URL ?? stack.warehouseUrl,
  s3: stack.s3,
});
console.log(`Redshift Data API emulator listening on ${server.url} (SQL runs on ${stack.warehouseUrl.replace(/:[^:@/]*@/, ':***@')})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
