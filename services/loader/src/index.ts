export { Loader, type LoaderDeps } from './loader.js';
export { readLoaderConfig, type LoaderConfig } from './config.js';
export { createLoaderMetrics } from './metrics.js';
