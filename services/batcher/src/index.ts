export { Batcher, type BatcherDeps } from './batcher.js';
export { type BatcherConfig, readBatcherConfig } from './config.js';
export { createBatcherMetrics } from './metrics.js';
