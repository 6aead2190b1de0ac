// DKIM keys: generation, DNS records, the per-domain key service.
export * from './keys.js';
export * from './record.js';
export * from './service.js';
