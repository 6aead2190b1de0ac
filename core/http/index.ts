// The shared HTTP listener's public face.
export type { HttpRoute } from './route.js';
export { RouteTable } from './route.js';
export { createHttpService, type HttpService, type HttpServiceOptions } from './service.js';
export { healthRoute, metricsRoute, type HealthProbe } from './health.js';
export { BodyTooLarge, readBody } from './body.js';
export { BASIC_CHALLENGE, isSecureChannel, parseBasicAuth, type BasicCredentials } from './basic-auth.js';
export { parsePrefer } from './prefer.js';
