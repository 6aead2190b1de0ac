export * from './analyze.js';
export * from './append.js';
export * from './analyze-pool.js';
export * from './mailbox-ids.js';
export { hasBareLf } from './bare-lf.js';
