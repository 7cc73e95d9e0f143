export * from './strategy.js';
export * from './ensemble.js';
export * from './strategy-loader.js';
