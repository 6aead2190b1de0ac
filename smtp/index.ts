// smtp: the MX and submission listeners (service.ts) and the outbound queue worker (outbound/).
export { createSmtpService, type SmtpServiceOptions } from './service.js';
export * from './outbound/index.js';
