export * from './avro-long.js';
export * from './registry.js';
