export * from './autoreply.js';
export * from './decision.js';
export * from './dsn.js';
export * from './pipeline.js';
export * from './recipients.js';
export * from './sender.js';
export * from './sign.js';
export * from './itip-mail.js';
