export * from './types.js';
export * from './book-side.js';
export * from './order-book.js';
