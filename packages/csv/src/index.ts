export * from './encode-field.js';
export * from './encode-row.js';
export * from './batch-file-stats.js';
export type { BatchFilePart } from './part-file.js';
export * from './batch-file-writer.js';
export * from './manifest.js';
export * from './decode.js';
export * from './record-arena.js';
export * from './decode-record.js';
