export * from './api.js';
export * from './auth.js';
export * from './config.js';
export * from './control-service.js';
export * from './table-views.js';
