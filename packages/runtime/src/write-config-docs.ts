/**
 * `npm run docs`: rewrites README.md's configuration tables from the config shapes. Arguments are
 * modules that export `configDocs` (a ConfigDocs), e.g. services/batcher/src/config.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ConfigDocs, renderConfigTable, replaceReadmeSection } from './config-docs.js';

const readmePath = resolve('README.md');
let readme = readFileSync(readmePath, 'utf8');
for (const modulePath of process.argv.slice(2)) {
  const { configDocs } = (await import(pathToFileURL(resolve(modulePath)).href)) as { configDocs?: ConfigDocs };
  if (!configDocs) throw new Error(`${modulePath} exports no configDocs`);
  readme = replaceReadmeSection(readme, configDocs.section, renderConfigTable(configDocs.shapes));
}
writeFileSync(readmePath, readme);
