export * from './errors.js';
export * from './timeframe.js';
export * from './market.js';
export * from './ports/market-data-store.js';
export * from './paths.js';
