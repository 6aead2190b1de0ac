// core: the domain, shared by every protocol. Import it through this file.
export * from './errors.js';
export * from './rpc.js';
export * from './bounded-map.js';
export * from './accounts/index.js';
export * from './mail/index.js';
export * from './delivery/index.js';
export * from './dkim/index.js';
export * from './auth/index.js';
export * from './dns/index.js';
export * from './calendar/index.js';
