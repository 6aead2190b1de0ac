// District operations shared by the admin API and the CLI: tokens, scoped rights, durations.
export * from './duration.js';
export * from './scope.js';
export * from './tokens.js';
export * from './audit.js';
export * from './queue.js';
export * from './deletions.js';
