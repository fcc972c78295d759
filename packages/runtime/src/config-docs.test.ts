import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { env } from './config.js';
import { readmeSection, renderConfigTable, replaceReadmeSection, withMeanings } from './config-docs.js';

test('a table row per variable: the default as written, or required, unset, or what unset means', () => {
  const table = renderConfigTable([
    {
      PGSHIFT_A: env.duration().prefault('20s').describe('how long'),
      PGSHIFT_B: env.string().describe('the | bucket'),
    },
    {
      PGSHIFT_C: z.string().default('batches').describe('prefix'),
      PGSHIFT_D: z.string().optional().describe('maybe'),
      PGSHIFT_E: z.string().optional().meta({ description: 'where', whenUnset: 'the source schema' }),
    },
  ]);
  assert.equal(
    table,
    [
      '| variable | default | meaning |',
      '|---|---|---|',
      '| `PGSHIFT_A` | `20s` | how long |',
      '| `PGSHIFT_B` | required | the \\| bucket |',
      '| `PGSHIFT_C` | `batches` | prefix |',
      '| `PGSHIFT_D` | unset | maybe |',
      '| `PGSHIFT_E` | the source schema | where |',
      '',
    ].join('\n'),
  );
});

test('a variable without a description, or listed twice, cannot be rendered', () => {
  assert.throws(() => renderConfigTable([{ PGSHIFT_X: env.string() }]), /PGSHIFT_X has no description/);
  const twice = { PGSHIFT_X: env.string().describe('x') };
  assert.throws(() => renderConfigTable([twice, twice]), /PGSHIFT_X is in two/);
});

test('meanings can be attached to a shape defined elsewhere', () => {
  const shape = withMeanings(
    { PGSHIFT_X: env.string(), PGSHIFT_Y: z.string().optional() },
    { PGSHIFT_X: { description: 'x' }, PGSHIFT_Y: { description: 'y', whenUnset: 'for postgres' } },
  );
  assert.match(renderConfigTable([shape]), /\| `PGSHIFT_Y` \| for postgres \| y \|/);
  assert.throws(() => withMeanings({ PGSHIFT_X: env.string() }, { PGSHIFT_Z: { description: 'z' } } as never), /PGSHIFT_Z is not in the shape/);
});

test('a README section is replaced between its markers and nothing else changes', () => {
  const readme = 'intro\n<!-- config:batcher -->\nold\n<!-- /config:batcher -->\noutro\n';
  const updated = replaceReadmeSection(readme, 'batcher', 'new\n');
  assert.equal(updated, 'intro\n<!-- config:batcher -->\nnew\n<!-- /config:batcher -->\noutro\n');
  assert.equal(readmeSection(updated, 'batcher'), 'new\n');
  assert.throws(() => readmeSection(readme, 'loader'), /no <!-- config:loader -->/);
});
