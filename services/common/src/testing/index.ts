export * from './clients.js';
export * from './fleet.js';
export * from './ports.js';
export * from './redis-server.js';
export * from './service-process.js';
export * from './prometheus.js';
export * from './ws-client.js';
export * from './browser.js';
