// What clients share, free of Node: the browser bundle imports it too.
export * from './room-cursor.js';
export * from './seen-ids.js';
export * from './backoff.js';
