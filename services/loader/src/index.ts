export { type LoaderConfig, loaderConfigShape, readLoaderConfig } from './config.js';
export { Loader, type LoaderDeps } from './loader.js';
export { createLoaderMetrics } from './metrics.js';
export { loggedResyncRequests, type ResyncRequests } from './resync-requests.js';
