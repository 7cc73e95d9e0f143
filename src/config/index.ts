export * from './canonical.js';
export * from './load.js';
