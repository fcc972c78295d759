import { renderTypeMapping } from './mapping.js';

process.stdout.write(renderTypeMapping());
