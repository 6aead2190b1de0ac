// The brute-force guard: one per server process, in memory, shared by every protocol so that
// a guesser cannot spread attempts over SMTP, IMAP, DAV and the webmail.
//
// Failures are counted in a sliding window per client IP (IPv6 per /64, see ip.ts) and per
// account (any username, existing or not: treating unknown ones differently would reveal which
// addresses exist).
//  - Slowing: once an IP or an account has `slowAfter` failures in the window, each new attempt
//    waits baseDelayMs * 2^(failures - slowAfter), capped at maxDelayMs. The guard returns the
//    delay; the caller waits on a timer, never blocking the event loop.
//  - IP lock: at `lockIpAfter` failures the IP is refused outright, without checking any
//    password, for `lockoutMs`.
//  - Account lock: at `lockAccountAfter` failures the account is locked for `lockoutMs`, but
//    only against the IPs that failed on it. Refusing every IP would let anyone lock a
//    teacher out of their mail by typing wrong passwords for their address, and keep them out
//    for as long as the attack lasts. So, during an account lock:
//      * IPs that failed on the account (before the lock or during it) are refused;
//      * any other IP may still try, at the maximum delay; its first failure adds it to the
//        refused set, and only `slowAfter` of its attempts may be in flight at once (clients
//        such as Thunderbird open several connections together).
//    The real user, from an IP that has not failed, still gets in (slowly); a distributed
//    guesser gets one try per IP per lockout. If more than MAX_BLOCKED_IPS different IPs fail
//    during one lock, the lock covers every IP until it expires: a temporary outage for the
//    user is then the lesser evil.
//  - Attempts in flight are not failures: a school behind one NAT address, where every client
//    reconnects at once after an outage, must not be slowed or locked by its own logins. They
//    count where a burst is a guess: an account's attempts in flight slow the next attempt on
//    it, like failures. An IP may have at most `lockIpAfter` attempts in flight (more are
//    refused for a second), so that a parallel burst cannot overshoot the IP lock by more
//    than that. A success removes every failure of that IP on that account; an attempt that
//    ends neither way (store error, disabled account) is withdrawn.
//  - When a lock expires, its failures are forgotten: the lock was their punishment.
//  - Memory is bounded: at most maxTrackedKeys IPs and as many accounts; the entry touched
//    longest ago goes first. Flushing a lock this way takes thousands of IPs, each locked
//    itself after lockIpAfter attempts.
//  - Exempt addresses or networks (options.exempt) bypass the guard entirely. Loopback is not
//    exempt unless listed.
import type { BlockList } from 'node:net';
import { BoundedMap } from '../bounded-map.js';
import { Invalid } from '../errors.js';
import { ipKey, isExempt, parseExemptions } from './ip.js';

export interface GuardOptions {
  /** Length of the sliding window failures are counted in. */
  windowMs?: number;
  /** Failures (per IP or per account) after which attempts are slowed. */
  slowAfter?: number;
  /** Delay of the first slowed attempt; doubles with each further failure. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Failures per account in the window that lock it (against the failing IPs). */
  lockAccountAfter?: number;
  /** Failures per IP in the window that lock it out entirely. */
  lockIpAfter?: number;
  lockoutMs?: number;
  /** Cap on tracked IPs, and separately on tracked accounts. */
  maxTrackedKeys?: number;
  /** Addresses or CIDR networks never slowed nor locked ("127.0.0.1", "10.0.0.0/8"). */
  exempt?: readonly string[];
  /** Clock in milliseconds, for tests. */
  now?: () => number;
}

export const DEFAULT_GUARD_OPTIONS = {
  windowMs: 15 * 60_000,
  slowAfter: 5,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  lockAccountAfter: 20,
  lockIpAfter: 50,
  lockoutMs: 15 * 60_000,
  maxTrackedKeys: 100_000,
} as const;

/** How soon an IP with lockIpAfter attempts in flight may try again. */
const BURST_RETRY_MS = 1000;
/** Beyond this many distinct failing IPs during one account lock, the lock covers all IPs. */
const MAX_BLOCKED_IPS = 1000;
/** Longest account key kept (RFC 5321 §4.5.3.1: 64 + 1 + 255). */
const MAX_ACCOUNT_KEY = 320;
/** Trackers examined for expiry on each attempt, to bound the work per call. */
const SWEEP_BATCH = 64;

export type GuardDecision =
  | { allowed: true; delayMs: number; attempt: GuardAttempt }
  | { allowed: false; retryAfterMs: number };

/** One attempt let through by the guard; settle it exactly once. */
export interface GuardAttempt {
  /** The password was right. */
  succeed(): void;
  /** The password was wrong (or the account unknown). */
  fail(): void;
  /** Neither: the attempt could not be judged (store fault) or is not a guess (disabled account). */
  withdraw(): void;
}

interface Failure {
  at: number;
  /** The account, in an IP's list; the IP key, in an account's list. */
  peer: string;
}

interface Tracker {
  /** Oldest first. */
  failures: Failure[];
  /** Attempts begun and not settled yet. */
  pending: Failure[];
  /** 0 when not locked. */
  lockedUntil: number;
  /** Account locks: the IP keys refused while locked. */
  blocked: Set<string>;
  blockAll: boolean;
}

const NOOP_ATTEMPT: GuardAttempt = { succeed() {}, fail() {}, withdraw() {} };

type Settings = { -readonly [K in keyof typeof DEFAULT_GUARD_OPTIONS]: number };

export class BruteForceGuard {
  private readonly settings: Settings;
  private readonly exempt: BlockList;
  private readonly now: () => number;
  private readonly ips: BoundedMap<string, Tracker>;
  private readonly accounts: BoundedMap<string, Tracker>;

  constructor(options: GuardOptions = {}) {
    const settings = { ...DEFAULT_GUARD_OPTIONS } as Settings;
    for (const key of Object.keys(DEFAULT_GUARD_OPTIONS) as (keyof Settings)[]) {
      const value = options[key];
      if (value === undefined) continue;
      const min = key === 'slowAfter' || key === 'baseDelayMs' || key === 'maxDelayMs' ? 0 : 1;
      if (!Number.isSafeInteger(value) || value < min) throw new Invalid(`brute-force guard: ${key} must be an integer >= ${min}`, key);
      settings[key] = value;
    }
    this.settings = settings;
    this.ips = new BoundedMap(settings.maxTrackedKeys);
    this.accounts = new BoundedMap(settings.maxTrackedKeys);
    this.exempt = parseExemptions(options.exempt ?? []);
    this.now = options.now ?? Date.now;
  }

  /** Decides whether an attempt from `ip` for `account` may go ahead, and how slowly. */
  begin(ip: string, account: string): GuardDecision {
    if (isExempt(this.exempt, ip)) return { allowed: true, delayMs: 0, attempt: NOOP_ATTEMPT };
    const now = this.now();
    const s = this.settings;
    const ipk = ipKey(ip);
    const acct = account.slice(0, MAX_ACCOUNT_KEY);
    this.sweep(this.ips, now);
    this.sweep(this.accounts, now);

    const ipTracker = this.current(this.ips, ipk, now);
    if (ipTracker && this.lockedNow(ipTracker, s.lockIpAfter, now, 'ip')) {
      return { allowed: false, retryAfterMs: ipTracker.lockedUntil - now };
    }
    if (ipTracker && ipTracker.pending.length >= s.lockIpAfter) return { allowed: false, retryAfterMs: BURST_RETRY_MS };
    const acctTracker = this.current(this.accounts, acct, now);
    const accountLocked = acctTracker !== undefined && this.lockedNow(acctTracker, s.lockAccountAfter, now, 'account');
    if (accountLocked) {
      const inFlight = acctTracker.pending.filter((f) => f.peer === ipk).length;
      if (acctTracker.blockAll || acctTracker.blocked.has(ipk) || inFlight >= Math.max(1, s.slowAfter)) {
        return { allowed: false, retryAfterMs: acctTracker.lockedUntil - now };
      }
    }

    const accountCount = (acctTracker?.failures.length ?? 0) + (acctTracker?.pending.length ?? 0);
    const delayMs = accountLocked ? s.maxDelayMs : this.delayFor(Math.max(ipTracker?.failures.length ?? 0, accountCount));
    const ipPending: Failure = { at: now, peer: acct };
    const acctPending: Failure = { at: now, peer: ipk };
    this.touch(this.ips, ipk).pending.push(ipPending);
    this.touch(this.accounts, acct).pending.push(acctPending);
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      const ipT = this.ips.get(ipk);
      if (ipT) ipT.pending = ipT.pending.filter((f) => f !== ipPending);
      const acctT = this.accounts.get(acct);
      if (acctT) acctT.pending = acctT.pending.filter((f) => f !== acctPending);
      outcome();
    };
    return {
      allowed: true,
      delayMs,
      attempt: {
        succeed: () => settle(() => this.forgive(ipk, acct)),
        fail: () => settle(() => {
          const at = this.now();
          this.record(this.ips, ipk, { at, peer: acct }, s.lockIpAfter);
          this.record(this.accounts, acct, { at, peer: ipk }, s.lockAccountAfter);
          this.lockIfDue(ipk, acct);
        }),
        withdraw: () => settle(() => undefined),
      },
    };
  }

  /** How many IPs and accounts are tracked (for metrics and tests). */
  get size(): { ips: number; accounts: number } {
    return { ips: this.ips.size, accounts: this.accounts.size };
  }

  private delayFor(failures: number): number {
    const s = this.settings;
    if (failures < s.slowAfter) return 0;
    return Math.min(s.maxDelayMs, s.baseDelayMs * 2 ** Math.min(failures - s.slowAfter, 30));
  }

  /** Whether the tracker is locked at `now`, locking it if it reached its threshold (counting
   *  attempts in flight, so that a parallel burst cannot overshoot). */
  private lockedNow(t: Tracker, threshold: number, now: number, kind: 'ip' | 'account'): boolean {
    if (t.lockedUntil > now) return true;
    if (t.lockedUntil !== 0) this.unlock(t);
    if (t.failures.length < threshold) return false;
    t.lockedUntil = now + this.settings.lockoutMs;
    if (kind === 'account') {
      for (const f of t.failures) t.blocked.add(f.peer);
      t.blockAll = t.blocked.size > MAX_BLOCKED_IPS;
    }
    t.failures = [];
    return true;
  }

  /** An expired lock goes with the failures that earned it. */
  private unlock(t: Tracker): void {
    t.lockedUntil = 0;
    t.blocked.clear();
    t.blockAll = false;
    t.failures = [];
  }

  /** The tracker for `key` with failures outside the window dropped; undefined if it holds
   *  nothing any more. */
  private current(map: Map<string, Tracker>, key: string, now: number): Tracker | undefined {
    const t = map.get(key);
    if (!t) return undefined;
    if (t.lockedUntil !== 0 && t.lockedUntil <= now) this.unlock(t);
    const start = now - this.settings.windowMs;
    const firstLive = t.failures.findIndex((f) => f.at > start);
    if (firstLive !== 0) t.failures.splice(0, firstLive < 0 ? t.failures.length : firstLive);
    // An attempt never settled (a caller's fault) must not hold the IP back for ever.
    if (t.pending.length > 0 && t.pending[0].at <= start) t.pending = t.pending.filter((f) => f.at > start);
    if (t.failures.length === 0 && t.pending.length === 0 && t.lockedUntil === 0) {
      map.delete(key);
      return undefined;
    }
    return t;
  }

  /** The key's tracker, made the most recently touched (created if need be; the oldest evicted). */
  private touch(map: BoundedMap<string, Tracker>, key: string): Tracker {
    const t = map.get(key) ?? { failures: [], pending: [], lockedUntil: 0, blocked: new Set(), blockAll: false };
    map.touch(key, t);
    return t;
  }

  /** Appends a failure. */
  private record(map: BoundedMap<string, Tracker>, key: string, failure: Failure, keep: number): void {
    const t = this.touch(map, key);
    t.failures.push(failure);
    // Counts never need to exceed the lock threshold: reaching it locks and clears the list.
    if (t.failures.length > keep) t.failures.splice(0, t.failures.length - keep);
  }

  private forgive(ipk: string, acct: string): void {
    this.remove(this.ips.get(ipk), (f) => f.peer === acct);
    this.remove(this.accounts.get(acct), (f) => f.peer === ipk);
  }

  /** A failure may reach a threshold: the lock starts now, not at the next attempt. During an
   *  account lock, a failing IP joins the refused set. */
  private lockIfDue(ipk: string, acct: string): void {
    const now = this.now();
    const ipTracker = this.ips.get(ipk);
    if (ipTracker) this.lockedNow(ipTracker, this.settings.lockIpAfter, now, 'ip');
    const acctTracker = this.accounts.get(acct);
    if (acctTracker && this.lockedNow(acctTracker, this.settings.lockAccountAfter, now, 'account')) {
      acctTracker.blocked.add(ipk);
      if (acctTracker.blocked.size > MAX_BLOCKED_IPS) acctTracker.blockAll = true;
    }
  }

  private remove(t: Tracker | undefined, match: (f: Failure) => boolean): void {
    if (t) t.failures = t.failures.filter((f) => !match(f));
  }

  /** Drops a few expired trackers from the least recently touched end. */
  private sweep(map: Map<string, Tracker>, now: number): void {
    let examined = 0;
    for (const key of map.keys()) {
      if (examined++ >= SWEEP_BATCH) break;
      this.current(map, key, now);
    }
  }
}
