export * from './canonical.js';
export * from './load.js';
export * from './instrument-schema.js';
export * from './env.js';
