export * from './batch-event.js';
export * from './cell-value.js';
export * from './columns.js';
export * from './csv-format.js';
export * from './metadata-columns.js';
export * from './s3-layout.js';
export * from './table-ref.js';
