export * from './batch-file-stats.js';
export * from './batch-file-writer.js';
export * from './decode.js';
export * from './decode-record.js';
export * from './encode-field.js';
export * from './encode-row.js';
export * from './manifest.js';
export type { BatchFilePart } from './part-file.js';
export * from './record-arena.js';
