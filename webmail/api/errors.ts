// The one place where failures become webmail API answers: core's typed errors, the delivery
// pipeline's refusals and the API's own ApiError all end up as {error, code} with a status.
import type { ServerResponse } from 'node:http';
import { isFacteurError, type Decision } from '../../core/index.js';
import type { Logger } from '../../core/log.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The client went away before its request was read: no one to answer, and no fault of ours
 *  (anyone could fill the log with error lines by opening requests and dropping them). */
export class ClientGone extends Error {
  constructor(cause?: unknown) {
    super('the client closed the connection before the request was read', { cause });
  }
}

export const Errors = {
  badRequest: (message: string, field?: string) => new ApiError(400, 'bad_request', message, field ? { field } : {}),
  invalid: (message: string, field?: string) => new ApiError(400, 'invalid', message, field ? { field } : {}),
  unauthenticated: () => new ApiError(401, 'unauthenticated', 'Not logged in, or the session has ended'),
  badCredentials: () => new ApiError(401, 'bad_credentials', 'Wrong address or password'),
  csrf: () => new ApiError(403, 'csrf', 'Missing or wrong X-CSRF-Token header'),
  accountDisabled: () => new ApiError(403, 'account_disabled', 'This account is disabled'),
  throttled: (retryAfterMs: number) => new ApiError(429, 'throttled', 'Too many failed logins: try again later', {},
    { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) }),
  notFound: (what = 'Not found') => new ApiError(404, 'not_found', what),
  methodNotAllowed: (allowed: string[]) => new ApiError(405, 'method_not_allowed', 'Method not allowed', {}, { allow: allowed.join(', ') }),
  conflict: (message: string) => new ApiError(409, 'conflict', message),
  tooLarge: (limit: number) => new ApiError(413, 'too_large', `Request too large (at most ${limit} bytes)`),
  unsupportedMediaType: () => new ApiError(415, 'unsupported_media_type', 'Send the body as application/json'),
};

/** A refusal of the delivery pipeline, as the webmail says it. */
export function refusalError(decision: Extract<Decision, { ok: false }>): ApiError {
  const extra = { status: decision.status, smtpCode: decision.code };
  if (decision.status === '4.7.1' && decision.code === 450) return new ApiError(429, 'rate_limited', decision.text, extra);
  if (decision.status === '4.3.0') return new ApiError(503, 'unavailable', decision.text, extra);
  if (decision.status === '5.2.2') return new ApiError(507, 'over_quota', decision.text, extra);
  if (decision.status === '5.3.4') return new ApiError(413, 'too_large', decision.text, extra);
  return new ApiError(422, 'refused', decision.text, extra);
}

/** Maps any failure to an ApiError; null for a real fault (a bug, an I/O error we did not expect). */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (!isFacteurError(err)) return null;
  switch (err.code) {
    case 'NOT_FOUND': return new ApiError(404, 'not_found', err.message);
    case 'ALREADY_EXISTS': return new ApiError(409, 'already_exists', err.message);
    case 'CONFLICT': return new ApiError(409, 'conflict', err.message);
    case 'OVER_QUOTA': return new ApiError(507, 'over_quota', err.message);
    case 'INVALID': {
      const field = (err as { field?: string }).field;
      return new ApiError(400, 'invalid', err.message, field ? { field } : {});
    }
    case 'PRECONDITION_FAILED': return new ApiError(412, 'precondition_failed', err.message);
    case 'FORBIDDEN': return new ApiError(403, 'forbidden', err.message);
    case 'UNAVAILABLE': return new ApiError(503, 'unavailable', 'Temporary storage failure: try again in a moment', {}, { 'retry-after': '5' });
  }
  return null;
}

/** Answers with the error; a real fault is logged once, here, and shown as a bare 500. */
export function sendError(res: ServerResponse, err: unknown, log: Logger, context: Record<string, unknown>): void {
  if (err instanceof ClientGone) {
    log.debug({ ...context, reason: (err.cause as Error | undefined)?.message }, 'client closed the request');
    res.destroy();
    return;
  }
  const api = toApiError(err);
  if (!api) log.error({ err, ...context }, 'webmail API request failed');
  else if (api.status >= 500) log.warn({ code: api.code, ...context }, api.message);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = api?.status ?? 500;
  const body = api ? { error: api.message, code: api.code, ...api.extra } : { error: 'Internal error', code: 'internal' };
  res.writeHead(status, { ...jsonHeaders(), ...(api?.headers ?? {}) }).end(JSON.stringify(body));
}

export function jsonHeaders(): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
}
