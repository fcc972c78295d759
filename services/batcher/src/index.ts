export { Batcher, type BatcherDeps } from './batcher.js';
export { readBatcherConfig, type BatcherConfig } from './config.js';
export { createBatcherMetrics } from './metrics.js';
