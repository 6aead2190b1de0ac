// HTTP Basic authentication (RFC 7617) with an account or app password, through core's
// Authenticator (which throttles guessers). Credentials travel only over TLS or from the
// machine itself: on plain HTTP from elsewhere no password is asked for at all.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator, CredentialCache } from '../core/index.js';
import { BASIC_CHALLENGE as CHALLENGE, isSecureChannel, parseBasicAuth } from '../core/http/index.js';
import type { User } from '../storage/index.js';
import { sendText } from './http.js';

/** The user, or null once a refusal has been sent. */
export async function authenticate(authenticator: Authenticator, req: IncomingMessage, res: ServerResponse, cache?: CredentialCache): Promise<User | null> {
  if (!isSecureChannel(req)) {
    sendText(res, 403, 'use HTTPS: DAV does not take passwords over plain HTTP');
    return null;
  }
  const credentials = parseBasicAuth(req.headers.authorization);
  if (!credentials) {
    sendText(res, 401, 'authentication required', { 'www-authenticate': CHALLENGE });
    return null;
  }
  const known = await cache?.lookup(credentials.username, credentials.password);
  if (known) return known;
  const result = await authenticator.authenticate({
    username: credentials.username, password: credentials.password, protocol: 'dav',
    ip: req.socket.remoteAddress ?? '', client: req.headers['user-agent'] ?? null,
  });
  if (result.ok) {
    cache?.remember(credentials.username, credentials.password, result);
    return result.user;
  }
  if (result.reason === 'throttled') {
    sendText(res, 429, 'too many failed logins: try again later', { 'retry-after': String(Math.ceil(result.retryAfterMs / 1000)) });
  } else {
    // 'disabled' is told only to whoever gave the right password (core decides that).
    sendText(res, 401, result.reason === 'disabled' ? 'account disabled' : 'wrong user name or password', { 'www-authenticate': CHALLENGE });
  }
  return null;
}
