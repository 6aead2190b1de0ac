// The half-done logins of users with a second factor: the password was right, a code is still
// due. Held in memory only (a restart asks for the password again), found by the SHA-256 of a
// random token the browser holds for a few minutes, good for a few tries, used once.
import { createHash, randomBytes } from 'node:crypto';
import { BoundedMap } from '../../core/index.js';
import type { Id } from '../../storage/index.js';

const TTL_MS = 5 * 60_000;
export const MAX_CODE_TRIES = 5;
const MAX_PENDING = 10_000;

interface Pending { userId: Id; expiresAt: number; tries: number }

export class LoginChallenges {
  private readonly pending = new BoundedMap<string, Pending>(MAX_PENDING);

  constructor(private readonly now: () => number = Date.now) {}

  create(userId: Id): string {
    this.sweep();
    const token = randomBytes(24).toString('base64url');
    this.pending.set(hash(token), { userId, expiresAt: this.now() + TTL_MS, tries: 0 });
    return token;
  }

  /** The user a live challenge is for, or null (unknown, expired, used up). */
  peek(token: unknown): Id | null {
    if (typeof token !== 'string' || token.length === 0 || token.length > 100) return null;
    const p = this.pending.get(hash(token));
    if (!p || p.expiresAt <= this.now() || p.tries >= MAX_CODE_TRIES) return null;
    return p.userId;
  }

  /** A wrong code: the challenge dies after MAX_CODE_TRIES of them. Returns the tries left. */
  failed(token: string): number {
    const key = hash(token);
    const p = this.pending.get(key);
    if (!p) return 0;
    p.tries++;
    if (p.tries >= MAX_CODE_TRIES) this.pending.delete(key);
    return Math.max(0, MAX_CODE_TRIES - p.tries);
  }

  consume(token: string): void {
    this.pending.delete(hash(token));
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, p] of this.pending) if (p.expiresAt <= now) this.pending.delete(k);
  }
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
