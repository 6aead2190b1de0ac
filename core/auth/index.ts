// Authentication shared by every protocol: password and app-password checks, one brute-force guard.
export * from './authenticate.js';
export * from './credential-cache.js';
export * from './guard.js';
export { canonicalIp, ipKey, isLoopback } from './ip.js';
export * from './totp-factor.js';
export { SecretSealer, loadOrCreateKey } from './totp-seal.js';
export { base32Decode, matchTotp, totpCode, totpUri } from './totp.js';
