// Retention: per-folder policies (Trash, Junk) applied by a periodic pass.
export * from './retention.js';
