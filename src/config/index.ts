export * from './canonical.js';
export * from './load.js';
export * from './env.js';
