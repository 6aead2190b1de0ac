import { describe, expect, it } from 'vitest';
import { BruteForceGuard, type GuardDecision, type GuardOptions } from './guard.js';

const MIN = 60_000;

function setup(options: GuardOptions = {}) {
  let now = 1_000_000;
  const guard = new BruteForceGuard({ now: () => now, ...options });
  return {
    guard,
    advance(ms: number) { now += ms; },
    /** One attempt that fails (if let through); returns the decision. */
    fail(ip: string, account: string): GuardDecision {
      const d = guard.begin(ip, account);
      if (d.allowed) d.attempt.fail();
      return d;
    },
    /** The delay an attempt would get, without counting it. */
    probe(ip: string, account: string): number {
      const d = allowed(guard.begin(ip, account));
      d.attempt.withdraw();
      return d.delayMs;
    },
  };
}

function allowed(d: GuardDecision) {
  if (!d.allowed) throw new Error(`refused for ${d.retryAfterMs} ms`);
  return d;
}

describe('BruteForceGuard slowing', () => {
  it('lets the first failures through at full speed, then doubles the delay up to the cap', () => {
    const { guard, fail } = setup({ slowAfter: 3, baseDelayMs: 100, maxDelayMs: 1000 });
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      const d = allowed(guard.begin('192.0.2.1', `user${i}@example.org`));
      delays.push(d.delayMs);
      d.attempt.fail();
    }
    expect(delays).toEqual([0, 0, 0, 100, 200, 400, 800, 1000, 1000]);
    // Another IP guessing another account is not slowed.
    expect(allowed(fail('192.0.2.2', 'other@example.org')).delayMs).toBe(0);
  });

  it('slows every IP trying an account that collected failures', () => {
    const { guard, fail } = setup({ slowAfter: 2, baseDelayMs: 100 });
    fail('192.0.2.1', 'alice@example.org');
    fail('192.0.2.2', 'alice@example.org');
    expect(allowed(guard.begin('192.0.2.3', 'alice@example.org')).delayMs).toBe(100);
    expect(allowed(guard.begin('192.0.2.3', 'bob@example.org')).delayMs).toBe(0);
  });

  it('counts attempts still in flight, so a parallel burst is slowed too', () => {
    const { guard } = setup({ slowAfter: 2, baseDelayMs: 100 });
    const burst = Array.from({ length: 4 }, () => allowed(guard.begin('192.0.2.1', 'alice@example.org')));
    expect(burst.map((d) => d.delayMs)).toEqual([0, 0, 100, 200]);
  });

  it('does not slow nor lock a school behind one address whose clients all log in at once', () => {
    const { guard } = setup({ slowAfter: 5, baseDelayMs: 100, lockIpAfter: 50 });
    // After an outage every client of the school reconnects at the same moment.
    const burst = Array.from({ length: 50 }, (_, i) => allowed(guard.begin('192.0.2.1', `prof${i}@example.org`)));
    expect(burst.every((d) => d.delayMs === 0)).toBe(true);
    // More in flight than the IP lock threshold: asked to come back in a second, not locked.
    expect(guard.begin('192.0.2.1', 'late@example.org')).toEqual({ allowed: false, retryAfterMs: 1000 });
    for (const d of burst) d.attempt.succeed();
    expect(allowed(guard.begin('192.0.2.1', 'late@example.org')).delayMs).toBe(0);
  });

  it('locks an IP whose parallel burst of guesses fails, with no more checked than the threshold', () => {
    const { guard } = setup({ lockIpAfter: 10, lockAccountAfter: 1000 });
    const burst: GuardDecision[] = Array.from({ length: 30 }, (_, i) => guard.begin('192.0.2.1', `guess${i}@example.org`));
    expect(burst.filter((d) => d.allowed)).toHaveLength(10);
    for (const d of burst) if (d.allowed) d.attempt.fail();
    expect(guard.begin('192.0.2.1', 'guess99@example.org')).toMatchObject({ allowed: false, retryAfterMs: 15 * MIN });
  });

  it('forgets an IP\'s failures on an account when it succeeds, and withdrawn attempts', () => {
    const { guard, fail } = setup({ slowAfter: 2, baseDelayMs: 100 });
    fail('192.0.2.1', 'alice@example.org');
    fail('192.0.2.1', 'alice@example.org');
    const ok = allowed(guard.begin('192.0.2.1', 'alice@example.org'));
    expect(ok.delayMs).toBe(100);
    ok.attempt.succeed();
    expect(allowed(guard.begin('192.0.2.1', 'alice@example.org')).delayMs).toBe(0);

    const { guard: g2 } = setup({ slowAfter: 1, baseDelayMs: 100 });
    allowed(g2.begin('192.0.2.1', 'alice@example.org')).attempt.withdraw();
    expect(allowed(g2.begin('192.0.2.1', 'alice@example.org')).delayMs).toBe(0);
  });

  it('drops failures older than the window', () => {
    const { fail, advance, probe } = setup({ slowAfter: 2, windowMs: 10 * MIN });
    fail('192.0.2.1', 'alice@example.org');
    advance(6 * MIN);
    fail('192.0.2.1', 'alice@example.org');
    expect(probe('192.0.2.1', 'bob@example.org')).toBeGreaterThan(0);
    advance(5 * MIN); // the first failure is now 11 minutes old
    expect(probe('192.0.2.1', 'bob@example.org')).toBe(0);
  });
});

describe('BruteForceGuard IP lock', () => {
  it('refuses an IP after too many failures, leaves other IPs alone, and lets it back after the lockout', () => {
    const { guard, fail, advance } = setup({ lockIpAfter: 5, lockAccountAfter: 100, lockoutMs: 15 * MIN });
    for (let i = 0; i < 5; i++) allowed(fail('127.0.0.1', `guess${i}@example.org`));
    const refused = guard.begin('127.0.0.1', 'bob@example.org');
    expect(refused).toEqual({ allowed: false, retryAfterMs: 15 * MIN });
    expect(guard.begin('127.0.0.2', 'bob@example.org').allowed).toBe(true);

    advance(10 * MIN);
    expect(guard.begin('127.0.0.1', 'bob@example.org')).toEqual({ allowed: false, retryAfterMs: 5 * MIN });
    advance(5 * MIN);
    const back = allowed(guard.begin('127.0.0.1', 'bob@example.org'));
    expect(back.delayMs).toBe(0); // the lock was the punishment: its failures are forgotten
  });

  it('counts an IPv4-mapped address as the IPv4 address, and an IPv6 /64 as one client', () => {
    const { guard, fail } = setup({ lockIpAfter: 2, lockAccountAfter: 100 });
    fail('192.0.2.7', 'a@example.org');
    fail('::ffff:192.0.2.7', 'b@example.org');
    expect(guard.begin('192.0.2.7', 'c@example.org').allowed).toBe(false);

    fail('2001:db8:1:2::1', 'a@example.org');
    fail('2001:db8:1:2:ffff::9', 'b@example.org');
    expect(guard.begin('2001:0db8:0001:0002:0:0:0:42', 'c@example.org').allowed).toBe(false);
    expect(guard.begin('2001:db8:1:3::1', 'c@example.org').allowed).toBe(true);
  });

  it('leaves exempt networks alone, loopback included only when listed', () => {
    const { guard, fail } = setup({ lockIpAfter: 2, exempt: ['127.0.0.0/8', '::1', '10.1.0.0/16'] });
    for (let i = 0; i < 10; i++) fail('127.0.0.1', `x${i}@example.org`);
    for (let i = 0; i < 10; i++) fail('10.1.2.3', `x${i}@example.org`);
    expect(allowed(guard.begin('127.0.0.1', 'x@example.org')).delayMs).toBe(0);
    expect(allowed(guard.begin('::1', 'x@example.org')).delayMs).toBe(0);
    expect(allowed(guard.begin('10.1.2.3', 'x@example.org')).delayMs).toBe(0);
    expect(guard.size).toEqual({ ips: 0, accounts: 0 });
  });
});

describe('BruteForceGuard account lock', () => {
  const options: GuardOptions = { lockAccountAfter: 4, lockIpAfter: 100, slowAfter: 2, baseDelayMs: 100, maxDelayMs: 1000, lockoutMs: 15 * MIN };

  it('refuses the IPs that failed on the account, not a clean IP (slowed), nor other accounts', () => {
    const { guard, fail } = setup(options);
    fail('198.51.100.1', 'alice@example.org');
    fail('198.51.100.1', 'alice@example.org');
    fail('198.51.100.2', 'alice@example.org');
    fail('198.51.100.2', 'alice@example.org');
    expect(guard.begin('198.51.100.1', 'alice@example.org')).toEqual({ allowed: false, retryAfterMs: 15 * MIN });
    expect(guard.begin('198.51.100.2', 'alice@example.org').allowed).toBe(false);
    // The attackers can still try other accounts (slowed by their own failures), and the
    // real user gets in from home.
    expect(allowed(guard.begin('198.51.100.1', 'bob@example.org')).delayMs).toBe(100);
    const home = allowed(guard.begin('203.0.113.9', 'alice@example.org'));
    expect(home.delayMs).toBe(1000);
    home.attempt.succeed();
    expect(guard.begin('203.0.113.9', 'alice@example.org').allowed).toBe(true);
  });

  it('adds a clean IP to the refused set at its first failure during the lock', () => {
    const { guard, fail } = setup(options);
    for (let i = 0; i < 4; i++) fail('198.51.100.1', 'alice@example.org');
    expect(fail('198.51.100.3', 'alice@example.org').allowed).toBe(true);
    expect(guard.begin('198.51.100.3', 'alice@example.org').allowed).toBe(false);
  });

  it('limits how many attempts a clean IP has in flight during the lock', () => {
    const { guard, fail } = setup(options);
    for (let i = 0; i < 4; i++) fail('198.51.100.1', 'alice@example.org');
    expect(guard.begin('203.0.113.9', 'alice@example.org').allowed).toBe(true);
    expect(guard.begin('203.0.113.9', 'alice@example.org').allowed).toBe(true);
    expect(guard.begin('203.0.113.9', 'alice@example.org').allowed).toBe(false);
  });

  it('expires', () => {
    const { guard, fail, advance } = setup(options);
    for (let i = 0; i < 4; i++) fail('198.51.100.1', 'alice@example.org');
    advance(15 * MIN - 1);
    expect(guard.begin('198.51.100.1', 'alice@example.org')).toEqual({ allowed: false, retryAfterMs: 1 });
    advance(1);
    expect(allowed(guard.begin('198.51.100.1', 'alice@example.org')).delayMs).toBe(0);
  });

  it('covers every IP once too many distinct IPs failed during one lock', () => {
    const { guard, fail } = setup({ ...options, lockIpAfter: 5 });
    for (let i = 0; i < 4; i++) fail('198.51.100.1', 'alice@example.org');
    for (let i = 0; i < 1000; i++) allowed(fail(`10.${i >> 8}.${i & 255}.1`, 'alice@example.org'));
    expect(guard.begin('203.0.113.9', 'alice@example.org').allowed).toBe(false);
    expect(guard.begin('203.0.113.9', 'bob@example.org').allowed).toBe(true);
  });
});

describe('BruteForceGuard memory', () => {
  it('tracks at most maxTrackedKeys IPs and accounts, evicting the least recently touched', () => {
    const { guard, fail } = setup({ maxTrackedKeys: 10, slowAfter: 1, baseDelayMs: 100 });
    for (let i = 0; i < 500; i++) fail(`10.0.${i >> 8}.${i & 255}`, `u${i}@example.org`);
    expect(guard.size).toEqual({ ips: 10, accounts: 10 });
    // The newest keys are the ones kept.
    expect(allowed(guard.begin('10.0.1.243', 'new@example.org')).delayMs).toBe(100);
    expect(allowed(guard.begin('10.0.0.0', 'new2@example.org')).delayMs).toBe(0);
  });

  it('refuses nonsensical options', () => {
    expect(() => new BruteForceGuard({ windowMs: 0 })).toThrow(/windowMs/);
    expect(() => new BruteForceGuard({ lockIpAfter: 2.5 })).toThrow(/lockIpAfter/);
    expect(() => new BruteForceGuard({ exempt: ['10.0.0.0/33'] })).toThrow(/10\.0\.0\.0\/33/);
    expect(() => new BruteForceGuard({ exempt: ['localhost'] })).toThrow(/localhost/);
  });
});
