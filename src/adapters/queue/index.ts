export * from './trial-queue.js';
