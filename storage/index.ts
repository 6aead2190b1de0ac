// The storage contract's public face. Backends are chosen by name in server.ts and scripts/.
export * from './types.js';
