export * from './address.js';
export * from './size.js';
export * from './password.js';
export * from './defaults.js';
export * from './service.js';
export * from './units.js';
