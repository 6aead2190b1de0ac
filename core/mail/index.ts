export * from './analyze.js';
export * from './append.js';
