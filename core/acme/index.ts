// Optional ACME certificates (acme-client) and the watch that reloads configured certificate
// files when they change.
export { ACME_CHALLENGE_PREFIX, AcmeManager, acmeDomains, type AcmeOptions } from './manager.js';
export { watchFiles } from './watch.js';
