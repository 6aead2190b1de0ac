// The webmail: the JSON API under /api (webmail/api, contract in API.md) and the browser app
// at / (webmail/ui, served by ui-route.ts).
import type { HttpRoute } from '../core/http/index.js';
import { createApiRoute, type WebmailDeps } from './api/index.js';
import { createUiRoute } from './ui-route.js';

export type { WebmailDeps } from './api/index.js';

export function createWebmailRoutes(deps: WebmailDeps): HttpRoute[] {
  return [createApiRoute(deps), createUiRoute()];
}
