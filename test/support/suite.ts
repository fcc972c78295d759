import { after, before } from 'node:test';
import type pg from 'pg';
import { ensureConnector } from './connector.js';
import { connect, type Pipeline } from './pipeline.js';
import { stack, uniqueName } from './stack.js';

/**
 * A test file's share of the stack: connections to the source and the warehouse, opened before its
 * tests, and every schema and pipeline its tests made, removed after them whether they passed or not.
 * Call at the top level of the file.
 */
export function useSuite() {
  const schemas: string[] = [];
  const pipelines: Pipeline[] = [];
  const suite = {
    source: undefined as unknown as pg.Client,
    warehouse: undefined as unknown as pg.Client,
    /** A unique schema name, dropped on both sides afterwards. */
    newSchema(prefix: string): string {
      const schema = uniqueName(prefix);
      schemas.push(schema);
      return schema;
    },
    /** A pipeline whose services are killed afterwards. */
    track(pipeline: Pipeline): Pipeline {
      pipelines.push(pipeline);
      return pipeline;
    },
  };
  before(async () => {
    suite.source = await connect(stack.sourceUrl);
    suite.warehouse = await connect(stack.warehouseUrl);
    await ensureConnector();
  });
  after(async () => {
    await Promise.all(pipelines.map((p) => p.stopAll()));
    for (const schema of schemas) {
      await suite.source.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await suite.warehouse.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
    await suite.source.end();
    await suite.warehouse.end();
  });
  return suite;
}
