// HTTP Basic credentials (RFC 7617) and where a password may be sent at all. DAV, the
// configuration-profile download and the admin API's bearer tokens share the rule: only over
// TLS, or from this machine (plain HTTP on loopback never leaves it).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { isLoopback } from '../auth/ip.js';

export interface BasicCredentials {
  username: string;
  password: string;
}

/** The challenge to send with a 401; charset="UTF-8" is RFC 7617 §2.1's way to say that the
 *  credentials are read as UTF-8. */
export const BASIC_CHALLENGE = 'Basic realm="Facteur", charset="UTF-8"';

/** TLS from anywhere, or plain HTTP from a loopback address (however spelt). */
export function isSecureChannel(req: Pick<IncomingMessage, 'socket'>): boolean {
  return (req.socket as TLSSocket).encrypted === true || isLoopback(req.socket.remoteAddress ?? '');
}

/** The user-id and password of an `Authorization: Basic` header, or null when the header is
 *  absent, of another scheme, or not user-id ":" password. RFC 7617 §2: the user-id cannot
 *  hold a colon, the password can, so the split is at the first one. */
export function parseBasicAuth(header: string | undefined): BasicCredentials | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
