export * from './errors.js';
export * from './auth.js';
export * from './money.js';
export * from './wallet.js';
export * from './engine.js';
export * from './markets.js';
export * from './risk.js';
export * from './orders.js';
