// The one place where errors become admin API answers: typed core/store errors map to HTTP
// statuses with a JSON body { error: { code, message, field? } }; anything else is a 500 whose
// cause goes to the log, not to the client.
import type { ServerResponse } from 'node:http';
import { isFacteurError, type FacteurErrorCode } from '../core/errors.js';
import { BodyTooLarge } from '../core/http/index.js';
import type { Logger } from '../core/log.js';

const STATUS: Record<FacteurErrorCode, number> = {
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  OVER_QUOTA: 409,
  INVALID: 400,
  PRECONDITION_FAILED: 412,
  FORBIDDEN: 403,
  UNAVAILABLE: 503,
};

/** An HTTP-level refusal that is not a domain error (bad JSON, unknown route, no token). */
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = status === 204 ? '' : `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown, log: Logger, context: Record<string, unknown>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof HttpError) return sendJson(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
  if (err instanceof BodyTooLarge) return sendJson(res, 413, { error: { code: 'TOO_LARGE', message: err.message } });
  if (isFacteurError(err)) {
    const field = (err as { field?: string }).field;
    return sendJson(res, STATUS[err.code], { error: { code: err.code, message: err.message, ...(field ? { field } : {}) } });
  }
  log.error({ err, ...context }, 'admin API request failed');
  sendJson(res, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
}
