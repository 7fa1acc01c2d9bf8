export * from './market-directory.js';
export * from './market-consumers.js';
