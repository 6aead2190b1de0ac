// Webmail sessions: a random secret in an HttpOnly cookie, only its SHA-256 in the store, an
// anti-CSRF token per session, an idle and an absolute lifetime. Sessions are kept in the store
// (not in memory) so that a restart does not log everyone out.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { User, WebSession } from '../../storage/index.js';
import type { WebmailDeps } from './context.js';
import { isHttps, parseCookies } from './http.js';

export const COOKIE = 'facteur_session';
/** lastSeenAt is written at most this often: not one database write per request. */
const TOUCH_EVERY_MS = 60_000;
const PURGE_EVERY_MS = 10 * 60_000;

export class Sessions {
  private lastPurge = 0;
  /** 'end' (sessionId, userId | null): what holds a session open (event streams) lets go. */
  readonly ended = new EventEmitter().setMaxListeners(0);

  constructor(private readonly deps: WebmailDeps, private readonly now: () => number = Date.now) {}

  private get idleMs() { return this.deps.sessionIdleMinutes * 60_000; }
  private get maxMs() { return this.deps.sessionMaxHours * 3600_000; }

  async create(user: User): Promise<{ session: WebSession; token: string }> {
    const token = randomBytes(32).toString('base64url');
    const at = new Date(this.now());
    const session = await this.deps.store.webSessions.create({
      id: hashToken(token), userId: user.id, csrf: randomBytes(24).toString('base64url'),
      createdAt: at, lastSeenAt: at, expiresAt: new Date(at.getTime() + this.maxMs),
    });
    await this.purgeNowAndThen();
    return { session, token };
  }

  /** The session and its user, as stored now (a disabled or deleted user has none). */
  async resolve(req: IncomingMessage): Promise<{ session: WebSession; user: User } | null> {
    const token = parseCookies(req.headers.cookie).get(COOKIE);
    if (!token || token.length > 100) return null;
    const store = this.deps.store;
    const session = await store.webSessions.get(hashToken(token));
    if (!session) return null;
    const now = this.now();
    if (session.expiresAt.getTime() <= now || session.lastSeenAt.getTime() + this.idleMs <= now) {
      await store.webSessions.delete(session.id);
      return null;
    }
    const user = await store.accounts.getUser(session.userId);
    if (!user || !user.enabled) {
      await store.webSessions.delete(session.id);
      return null;
    }
    if (now - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) await store.webSessions.touch(session.id, new Date(now));
    return { session, user };
  }

  /** Whether the session still holds, without counting this as activity. */
  async stillValid(id: string): Promise<boolean> {
    const session = await this.deps.store.webSessions.get(id);
    const now = this.now();
    return !!session && session.expiresAt.getTime() > now && session.lastSeenAt.getTime() + this.idleMs > now;
  }

  checkCsrf(session: WebSession, header: string | string[] | undefined): boolean {
    if (typeof header !== 'string' || header.length === 0) return false;
    const a = Buffer.from(header);
    const b = Buffer.from(session.csrf);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  async destroy(session: WebSession): Promise<void> {
    await this.deps.store.webSessions.delete(session.id);
    this.ended.emit('end', session.id, null);
  }

  /** Ends every session of the user but `keep` (after a password change). */
  async destroyOthers(session: WebSession): Promise<void> {
    await this.deps.store.webSessions.deleteForUser(session.userId, session.id);
    this.ended.emit('end', null, { userId: session.userId, except: session.id });
  }

  cookie(req: IncomingMessage, token: string): string {
    return [`${COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(this.maxMs / 1000)}`,
      ...(isHttps(req) ? ['Secure'] : [])].join('; ');
  }

  clearCookie(req: IncomingMessage): string {
    return [`${COOKIE}=`, 'Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=0', ...(isHttps(req) ? ['Secure'] : [])].join('; ');
  }

  private async purgeNowAndThen(): Promise<void> {
    const now = this.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    await this.deps.store.webSessions.deleteExpired(new Date(now), new Date(now - this.idleMs));
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
