// Verified HTTP Basic credentials, remembered for a few minutes. CalDAV/CardDAV clients send
// the password with every request; an argon2 check (and an audit line) for each would cost a
// core's worth of CPU for a district whose phones sync every few minutes. A remembered pair is
// accepted only while the account is unchanged where it matters: still enabled, the same
// password hash (a password change ends it at once), and the app password it used still there.
// Keys are an HMAC under a per-process random key: the passwords themselves are never kept.
import { createHmac, randomBytes } from 'node:crypto';
import type { Id, Store, User } from '../../storage/index.js';
import { BoundedMap } from '../bounded-map.js';

export interface CredentialCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  userId: Id;
  passwordHash: string | null;
  appPasswordId: Id | null;
  expires: number;
}

export class CredentialCache {
  private readonly key = randomBytes(32);
  private readonly entries: BoundedMap<string, Entry>;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly store: Pick<Store, 'accounts'>, options: CredentialCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.entries = new BoundedMap(options.maxEntries ?? 10_000);
    this.now = options.now ?? Date.now;
  }

  /** The user these credentials were verified for, if that still holds; null otherwise. */
  async lookup(username: string, password: string): Promise<User | null> {
    const k = this.digest(username, password);
    const entry = this.entries.get(k);
    if (!entry) return null;
    const user = entry.expires > this.now() ? await this.store.accounts.getUser(entry.userId) : null;
    const appStill = !entry.appPasswordId || !user
      || (await this.store.accounts.listAppPasswords(user.id)).some((a) => a.id === entry.appPasswordId);
    if (!user || !user.enabled || user.passwordHash !== entry.passwordHash || !appStill) {
      this.entries.delete(k);
      return null;
    }
    return user;
  }

  /** After the Authenticator accepted these credentials. */
  remember(username: string, password: string, verified: { user: User; appPassword: { id: Id } | null }): void {
    const k = this.digest(username, password);
    this.entries.touch(k, {
      userId: verified.user.id, passwordHash: verified.user.passwordHash, appPasswordId: verified.appPassword?.id ?? null,
      expires: this.now() + this.ttlMs,
    });
  }

  private digest(username: string, password: string): string {
    return createHmac('sha256', this.key).update(username.toLowerCase()).update('\0').update(password).digest('hex');
  }
}
