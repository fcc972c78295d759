export * from './avro-long.js';
export * from './registry.js';
export * from './change-event.js';
export * from './decoder.js';
export * from './logical-types.js';
export * from './connect-schema.js';
export * from './column-spec.js';
export * from './value-converter.js';
