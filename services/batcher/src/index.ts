export { Batcher, type BatcherDeps } from './batcher.js';
export { type BatcherConfig, batcherConfigShape, readBatcherConfig } from './config.js';
export { createBatcherMetrics } from './metrics.js';
