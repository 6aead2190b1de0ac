// Password authentication for every protocol (SMTP submission, IMAP, DAV, webmail, admin API).
// The caller turns the result into its own reply; this module decides, throttles and audits.
//
// What a guesser must not learn:
//  - whether an address exists: unknown and malformed usernames run one argon2 verification
//    against a dummy hash, like a wrong password, and are counted by the guard like any other;
//  - whether an account is disabled: that is said only to someone who gave its right password.
// The store is read on every call (no cache): a password change, a disable or a new app
// password made from the CLI applies to the next login.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { AccountStore, AppPassword, AuditLog, Id, User } from '../../storage/index.js';
import { Invalid } from '../errors.js';
import { normalizeAddress } from '../accounts/address.js';
import { DEFAULT_HASH_PARAMS, hashPassword, verifyPassword, type HashParams } from '../accounts/password.js';
import { BruteForceGuard, type GuardOptions } from './guard.js';
import { canonicalIp } from './ip.js';

export type AuthProtocol = 'smtp' | 'imap' | 'dav' | 'webmail' | 'admin';

export const AUTH_PROTOCOLS: readonly AuthProtocol[] = ['smtp', 'imap', 'dav', 'webmail', 'admin'];

export interface AuthRequest {
  /** An address, in any case. */
  username: string;
  password: string;
  protocol: AuthProtocol;
  /** The client's address as the listener saw it. */
  ip: string;
  /** What the client says it is (IMAP ID, User-Agent...), for the audit log. */
  client?: string | null;
  /** The second factor this user must still give (webmail TOTP), or null: the audit entry of
   *  a right password then says the login is not complete yet. */
  secondFactor?: (user: User) => Promise<string | null>;
}

export type AuthFailureReason = 'invalid' | 'disabled' | 'throttled';

export type AuthResult =
  | { ok: true; user: User; appPassword: { id: Id; name: string } | null }
  /** 'invalid': unknown address or wrong password, deliberately not told apart. */
  | { ok: false; reason: 'invalid' | 'disabled' }
  /** Refused without checking the password; the client may retry after this long. */
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

export interface AuthenticatorOptions {
  /** The process-wide guard, or options to build it with. */
  guard?: BruteForceGuard | GuardOptions;
  /** Argon2 cost of the dummy hash; use the cost user passwords are hashed with, so that an
   *  unknown address takes as long as a known one. */
  hash?: HashParams;
  /** Where app passwords are accepted. By default the mail and DAV clients they are made for,
   *  not the webmail or the admin API: a password saved in a phone must not open the account
   *  settings (where app passwords are managed). */
  appPasswordProtocols?: readonly AuthProtocol[];
  /** Longer passwords are refused unhashed (argon2 time grows with input). */
  maxPasswordLength?: number;
  /** Clock in milliseconds, shared with a guard built here; for tests. */
  now?: () => number;
  /** How the guard's delay is waited for; a timer by default. */
  sleep?: (ms: number) => Promise<void>;
}

/** The parts of the store authentication reads and writes. */
export interface AuthStore {
  readonly accounts: Pick<AccountStore, 'getUserByAddress' | 'listAppPasswords' | 'touchAppPassword'>;
  readonly audit: Pick<AuditLog, 'append'>;
}

const MAX_ACTOR = 320; // RFC 5321 §4.5.3.1: 64 + 1 + 255
const MAX_CLIENT = 200;
const MAX_IP = 100;

type Outcome =
  | { kind: 'ok'; user: User; appPassword: AppPassword | null }
  | { kind: 'invalid'; user: User | null }
  | { kind: 'disabled'; user: User };

export class Authenticator {
  /** The guard shared by every protocol this authenticator serves. */
  readonly guard: BruteForceGuard;
  private readonly hashParams: HashParams;
  private readonly appPasswordProtocols: ReadonlySet<AuthProtocol>;
  private readonly maxPasswordLength: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly store: AuthStore, options: AuthenticatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.guard = options.guard instanceof BruteForceGuard
      ? options.guard
      : new BruteForceGuard({ now: this.now, ...options.guard });
    this.hashParams = options.hash ?? DEFAULT_HASH_PARAMS;
    this.appPasswordProtocols = new Set(options.appPasswordProtocols ?? ['smtp', 'imap', 'dav']);
    this.maxPasswordLength = options.maxPasswordLength ?? 1024;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
  }

  async authenticate(request: AuthRequest): Promise<AuthResult> {
    if (!AUTH_PROTOCOLS.includes(request.protocol)) throw new Invalid(`unknown protocol "${request.protocol}"`, 'protocol');
    const given = String(request.username ?? '').trim().toLowerCase().slice(0, MAX_ACTOR);
    let address: string | null = null;
    try {
      address = normalizeAddress(given);
    } catch {
      // Malformed: goes on as an unknown user, so that it looks and costs the same.
    }

    const decision = this.guard.begin(request.ip, address ?? given);
    if (!decision.allowed) {
      await this.audit(request, given, null, false, { reason: 'throttled', retryAfterMs: decision.retryAfterMs });
      return { ok: false, reason: 'throttled', retryAfterMs: decision.retryAfterMs };
    }
    const { attempt, delayMs } = decision;
    let outcome: Outcome;
    try {
      if (delayMs > 0) await this.sleep(delayMs);
      outcome = await this.check(address, request.password, request.protocol);
      if (outcome.kind === 'ok' && outcome.appPassword) {
        await this.store.accounts.touchAppPassword(outcome.appPassword.id, new Date(this.now()));
      }
    } catch (err) {
      attempt.withdraw();
      throw err;
    }
    const slowed = delayMs > 0 ? { delayMs } : {};

    switch (outcome.kind) {
      case 'ok': {
        attempt.succeed();
        const app = outcome.appPassword;
        const pending = request.secondFactor && !app ? await request.secondFactor(outcome.user) : null;
        await this.audit(request, given, outcome.user, true, { ...slowed, ...(app ? { appPassword: app.name } : {}), ...(pending ? { secondFactor: pending } : {}) });
        return { ok: true, user: outcome.user, appPassword: app ? { id: app.id, name: app.name } : null };
      }
      case 'disabled':
        // The right password: not a guess, so it neither counts against the client nor clears
        // its earlier failures.
        attempt.withdraw();
        await this.audit(request, given, outcome.user, false, { reason: 'disabled', ...slowed });
        return { ok: false, reason: 'disabled' };
      case 'invalid':
        attempt.fail();
        await this.audit(request, given, outcome.user, false, { reason: 'invalid', ...slowed });
        return { ok: false, reason: 'invalid' };
    }
  }

  /** Verifies the password against the account password and, where allowed, every app
   *  password, all at once: argon2 runs on libuv's thread pool, so the response time hardly
   *  depends on how many app passwords the user has. */
  private async check(address: string | null, password: unknown, protocol: AuthProtocol): Promise<Outcome> {
    const dummy = await this.getDummyHash();
    if (typeof password !== 'string' || password.length === 0 || password.length > this.maxPasswordLength) {
      return { kind: 'invalid', user: null };
    }
    const user = address ? await this.store.accounts.getUserByAddress(address) : null;
    if (!user) {
      await verifyPassword(dummy, password);
      return { kind: 'invalid', user: null };
    }
    const apps = this.appPasswordProtocols.has(protocol) ? await this.store.accounts.listAppPasswords(user.id) : [];
    // A user without a password (login by password disabled) still costs one verification.
    const [accountOk, ...appOk] = await Promise.all([
      verifyPassword(user.passwordHash ?? dummy, password),
      ...apps.map((app) => verifyPassword(app.hash, password)),
    ]);
    const matched = accountOk && user.passwordHash !== null ? null : apps.find((_, i) => appOk[i]);
    if (matched === undefined) return { kind: 'invalid', user };
    if (!user.enabled) return { kind: 'disabled', user };
    return { kind: 'ok', user, appPassword: matched };
  }

  /** A hash of a random secret nobody knows, made once per process at the users' cost. */
  private getDummyHash(): Promise<string> {
    if (!this.dummyHash) {
      this.dummyHash = hashPassword(randomBytes(24).toString('base64url'), this.hashParams);
      this.dummyHash.catch(() => { this.dummyHash = null; });
    }
    return this.dummyHash;
  }

  private async audit(request: AuthRequest, actor: string, user: User | null, success: boolean, details: Record<string, unknown>) {
    const client = typeof request.client === 'string' && request.client !== '' ? { client: request.client.slice(0, MAX_CLIENT) } : {};
    await this.store.audit.append({
      at: new Date(this.now()),
      actor,
      action: `login.${request.protocol}`,
      target: user?.address ?? null,
      unit: user?.unit ?? null,
      ip: request.ip ? canonicalIp(request.ip).slice(0, MAX_IP) : null,
      success,
      details: { ...details, ...client },
    });
  }
}
