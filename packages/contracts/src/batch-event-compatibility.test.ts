import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { BATCH_READY_AVRO_SCHEMA } from './batch-event.js';

/**
 * Every batch-event schema ever registered stays readable: batchers and loaders of two versions run
 * side by side during a rollout, and a replay reads events years old. Each published schema is kept in
 * fixtures/batch-event.v<n>.avsc exactly as registered (add the current one there when it changes);
 * the current schema must read data written with each of them, and each of them data written with it
 * (Avro schema resolution, what the registry's FULL compatibility checks).
 */
const fixtures = new URL('./fixtures/', import.meta.url);
const published = readdirSync(fixtures)
  .filter((name) => /^batch-event\.v\d+\.avsc$/.test(name))
  .sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]));

/** Each parse with a registry of names of its own: both schemas name the same records. */
const parse = (schema: unknown) => avro.Type.forSchema(schema as avro.Schema, { registry: {} });
const current = parse(BATCH_READY_AVRO_SCHEMA);

/** The fields both schemas have, nested records (a column's) included, with the value each side sees of them. */
function commonFields(a: Record<string, unknown>, b: Record<string, unknown>): [Record<string, unknown>, Record<string, unknown>] {
  const common = (x: unknown, y: unknown): [unknown, unknown] => {
    if (Array.isArray(x) && Array.isArray(y) && x.length === y.length) {
      const pairs = x.map((item, i) => common(item, y[i]));
      return [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
    }
    if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null || Array.isArray(x) || Array.isArray(y)) return [x, y];
    const names = Object.keys(x).filter((name) => name in y);
    const pairs = names.map((n) => common((x as Record<string, unknown>)[n], (y as Record<string, unknown>)[n]));
    return [Object.fromEntries(names.map((n, i) => [n, pairs[i]![0]])), Object.fromEntries(names.map((n, i) => [n, pairs[i]![1]]))];
  };
  return common(a, b) as [Record<string, unknown>, Record<string, unknown>];
}

describe('the batch-ready schema stays compatible with every published version', () => {
  it('keeps at least the first published schema as a fixture', () => {
    assert.ok(published.includes('batch-event.v1.avsc'), `fixtures: ${published.join(', ')}`);
  });

  for (const name of published) {
    const earlier = parse(JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')));

    it(`reads events written with ${name}`, () => {
      const resolver = current.createResolver(earlier);
      for (let i = 0; i < 50; i++) {
        const written = earlier.random() as unknown as Record<string, unknown>;
        const read: Record<string, unknown> = current.fromBuffer(earlier.toBuffer(written), resolver);
        const [seen, sent] = commonFields(read, written);
        assert.deepEqual(JSON.parse(JSON.stringify(seen)), JSON.parse(JSON.stringify(sent)));
      }
    });

    it(`writes events that readers of ${name} read`, () => {
      const resolver = earlier.createResolver(current);
      for (let i = 0; i < 50; i++) {
        const written = current.random() as unknown as Record<string, unknown>;
        const read: Record<string, unknown> = earlier.fromBuffer(current.toBuffer(written), resolver);
        const [seen, sent] = commonFields(read, written);
        assert.deepEqual(JSON.parse(JSON.stringify(seen)), JSON.parse(JSON.stringify(sent)));
      }
    });
  }

  it('refuses a change that breaks compatibility (the check can fail)', () => {
    const fields = BATCH_READY_AVRO_SCHEMA.fields.map((field) => (field.name === 'rowCount' ? { name: 'rowCount', type: 'string' } : field));
    const broken = parse({ ...BATCH_READY_AVRO_SCHEMA, fields: [...fields, { name: 'required', type: 'string' }] });
    assert.throws(() => broken.createResolver(current));
    assert.throws(() => current.createResolver(broken));
  });
});
