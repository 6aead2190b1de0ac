import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../storage/sqlite/index.js';
import type { Store, User } from '../../storage/index.js';
import { hashPassword, type HashParams } from '../accounts/password.js';
import { Authenticator, type AuthenticatorOptions, type AuthRequest, type AuthStore } from './authenticate.js';

// Cheap argon2id so that the suite runs fast; the code under test does not depend on the cost.
const HASH: HashParams = { memoryKib: 256, iterations: 1, parallelism: 1 };
const MIN = 60_000;
const ALICE_PW = 'correct horse battery';

let dir: string;
let store: Store;
let alice: User;
let bob: User;
let now: number;
let sleeps: number[];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'facteur-auth-'));
  store = await openSqliteStore({ dataDir: dir });
  await store.accounts.addDomain('example.org');
  await store.accounts.ensureUnit({ name: 'lycee-hugo' });
  alice = await store.accounts.createUser({
    address: 'alice@example.org', displayName: 'Alice', passwordHash: await hashPassword(ALICE_PW, HASH),
    quotaBytes: 0, role: 'user', unit: 'lycee-hugo', enabled: true,
  });
  bob = await store.accounts.createUser({
    address: 'bob@example.org', displayName: 'Bob', passwordHash: await hashPassword('bob password', HASH),
    quotaBytes: 0, role: 'user', unit: null, enabled: true,
  });
  now = Date.UTC(2025, 0, 6, 8, 0, 0);
  sleeps = [];
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function makeAuth(options: AuthenticatorOptions = {}) {
  return new Authenticator(store, {
    hash: HASH,
    now: () => now,
    sleep: async (ms) => { sleeps.push(ms); },
    ...options,
  });
}

function req(username: string, password: string, extra: Partial<AuthRequest> = {}): AuthRequest {
  return { username, password, protocol: 'smtp', ip: '127.0.0.1', ...extra };
}

describe('Authenticator: passwords', () => {
  it('accepts the account password, whatever the case of the address', async () => {
    const auth = makeAuth();
    const result = await auth.authenticate(req('  Alice@EXAMPLE.org ', ALICE_PW, { client: 'Thunderbird 128' }));
    expect(result).toMatchObject({ ok: true, user: { id: alice.id, address: 'alice@example.org' }, appPassword: null });
  });

  it('says "invalid" alike for a wrong password, an unknown address, a malformed one and an empty password', async () => {
    const auth = makeAuth();
    for (const [user, pw] of [['alice@example.org', 'wrong'], ['nobody@example.org', ALICE_PW], ['not an address', ALICE_PW], ['alice@example.org', '']]) {
      expect(await auth.authenticate(req(user, pw))).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('reveals that an account is disabled only to someone with its password', async () => {
    await store.accounts.updateUser(alice.id, { enabled: false });
    const auth = makeAuth();
    expect(await auth.authenticate(req('alice@example.org', 'wrong'))).toEqual({ ok: false, reason: 'invalid' });
    expect(await auth.authenticate(req('alice@example.org', ALICE_PW))).toEqual({ ok: false, reason: 'disabled' });
  });

  it('refuses password login to a user without a password', async () => {
    await store.accounts.updateUser(alice.id, { passwordHash: null });
    expect(await makeAuth().authenticate(req('alice@example.org', ''))).toEqual({ ok: false, reason: 'invalid' });
    expect(await makeAuth().authenticate(req('alice@example.org', 'null'))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('sees changes made in the store at the next attempt', async () => {
    const auth = makeAuth();
    expect((await auth.authenticate(req('alice@example.org', ALICE_PW))).ok).toBe(true);
    await store.accounts.updateUser(alice.id, { passwordHash: await hashPassword('a new password', HASH) });
    expect(await auth.authenticate(req('alice@example.org', ALICE_PW))).toEqual({ ok: false, reason: 'invalid' });
    expect((await auth.authenticate(req('alice@example.org', 'a new password'))).ok).toBe(true);
    await store.accounts.updateUser(alice.id, { enabled: false });
    expect(await auth.authenticate(req('alice@example.org', 'a new password'))).toEqual({ ok: false, reason: 'disabled' });
    await store.accounts.updateUser(alice.id, { enabled: true });
    const app = await store.accounts.addAppPassword(alice.id, 'phone', await hashPassword('abcd-efgh-jkmn-pqrs', HASH));
    expect(await auth.authenticate(req('alice@example.org', 'abcd-efgh-jkmn-pqrs'))).toMatchObject({ ok: true, appPassword: { id: app.id } });
    await store.accounts.removeAppPassword(alice.id, app.id);
    expect(await auth.authenticate(req('alice@example.org', 'abcd-efgh-jkmn-pqrs'))).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('Authenticator: app passwords', () => {
  it('accepts any of the user\'s app passwords for mail and DAV clients, and records its use', async () => {
    await store.accounts.addAppPassword(alice.id, 'laptop', await hashPassword('laptop-secret-0001', HASH));
    const phone = await store.accounts.addAppPassword(alice.id, 'phone', await hashPassword('phone-secret-0002', HASH));
    const auth = makeAuth();
    const result = await auth.authenticate(req('alice@example.org', 'phone-secret-0002', { protocol: 'imap' }));
    expect(result).toMatchObject({ ok: true, user: { id: alice.id }, appPassword: { id: phone.id, name: 'phone' } });
    const apps = await store.accounts.listAppPasswords(alice.id);
    expect(apps.find((a) => a.id === phone.id)?.lastUsedAt?.getTime()).toBe(now);
    expect(apps.find((a) => a.name === 'laptop')?.lastUsedAt).toBeNull();
    // Another user's app password opens nothing.
    expect(await auth.authenticate(req('bob@example.org', 'phone-secret-0002', { protocol: 'dav' }))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('does not accept them for the webmail or the admin API unless configured to', async () => {
    await store.accounts.addAppPassword(alice.id, 'phone', await hashPassword('phone-secret-0002', HASH));
    for (const protocol of ['webmail', 'admin'] as const) {
      expect(await makeAuth().authenticate(req('alice@example.org', 'phone-secret-0002', { protocol }))).toEqual({ ok: false, reason: 'invalid' });
    }
    const open = makeAuth({ appPasswordProtocols: ['webmail'] });
    expect((await open.authenticate(req('alice@example.org', 'phone-secret-0002', { protocol: 'webmail' }))).ok).toBe(true);
  });

  it('still reports a disabled account when an app password is right', async () => {
    await store.accounts.addAppPassword(alice.id, 'phone', await hashPassword('phone-secret-0002', HASH));
    await store.accounts.updateUser(alice.id, { enabled: false });
    expect(await makeAuth().authenticate(req('alice@example.org', 'phone-secret-0002'))).toEqual({ ok: false, reason: 'disabled' });
  });
});

describe('Authenticator: throttling', () => {
  const guard = { slowAfter: 2, baseDelayMs: 100, maxDelayMs: 400, lockAccountAfter: 5, lockIpAfter: 8, lockoutMs: 15 * MIN };

  it('slows then refuses an IP guessing one account, without checking the password, and the lock expires', async () => {
    const auth = makeAuth({ guard });
    for (let i = 0; i < 5; i++) {
      expect(await auth.authenticate(req('alice@example.org', `guess ${i}`))).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(sleeps).toEqual([100, 200, 400]);
    // Even the right password is refused from this IP now: it is not even checked.
    expect(await auth.authenticate(req('alice@example.org', ALICE_PW))).toEqual({ ok: false, reason: 'throttled', retryAfterMs: 15 * MIN });
    // Bob is not affected from the same IP, nor Alice from another IP.
    expect(await auth.authenticate(req('bob@example.org', 'bob password'))).toMatchObject({ ok: true, user: { id: bob.id } });
    expect((await auth.authenticate(req('alice@example.org', ALICE_PW, { ip: '192.0.2.10' }))).ok).toBe(true);

    now += 15 * MIN;
    expect((await auth.authenticate(req('alice@example.org', ALICE_PW))).ok).toBe(true);
  });

  it('refuses an IP that guesses many accounts, for every account, but not other IPs', async () => {
    const auth = makeAuth({ guard });
    for (let i = 0; i < 8; i++) await auth.authenticate(req(`user${i}@example.org`, 'password', { ip: '::1' }));
    expect(await auth.authenticate(req('bob@example.org', 'bob password', { ip: '::1' }))).toMatchObject({ ok: false, reason: 'throttled' });
    expect((await auth.authenticate(req('bob@example.org', 'bob password', { ip: '127.0.0.1' }))).ok).toBe(true);
  });

  it('does not count the failures of an IP once it logs in', async () => {
    const auth = makeAuth({ guard });
    for (let i = 0; i < 4; i++) await auth.authenticate(req('alice@example.org', 'typo'));
    expect((await auth.authenticate(req('alice@example.org', ALICE_PW))).ok).toBe(true);
    sleeps = [];
    for (let i = 0; i < 4; i++) await auth.authenticate(req('alice@example.org', 'typo'));
    expect(sleeps).toEqual([100, 200]); // counting from zero again, and no lock at 8 in total
    expect((await auth.authenticate(req('alice@example.org', ALICE_PW))).ok).toBe(true);
  });

  it('exempts listed networks only', async () => {
    const auth = makeAuth({ guard: { ...guard, exempt: ['10.0.0.0/8'] } });
    for (let i = 0; i < 10; i++) await auth.authenticate(req('alice@example.org', 'wrong', { ip: '10.1.1.1' }));
    expect((await auth.authenticate(req('alice@example.org', ALICE_PW, { ip: '10.1.1.1' }))).ok).toBe(true);
    expect(sleeps).toEqual([]);
  });
});

describe('Authenticator: audit', () => {
  it('writes one entry per attempt, never the password', async () => {
    const phone = 'phone-secret-0002';
    await store.accounts.addAppPassword(alice.id, 'phone', await hashPassword(phone, HASH));
    const auth = makeAuth({ guard: { lockAccountAfter: 2 } });
    await auth.authenticate(req('Alice@Example.org', ALICE_PW, { client: 'Thunderbird 128' }));
    await auth.authenticate(req('alice@example.org', phone, { protocol: 'imap', ip: '::ffff:192.0.2.5' }));
    await auth.authenticate(req('ghost@example.org', 'Secret-Guess-1', { protocol: 'dav' }));
    await auth.authenticate(req('alice@example.org', 'Secret-Guess-2'));
    await auth.authenticate(req('alice@example.org', 'Secret-Guess-3'));
    await auth.authenticate(req('alice@example.org', 'Secret-Guess-4'));
    await store.accounts.updateUser(alice.id, { enabled: false });
    await auth.authenticate(req('ALICE@example.org', ALICE_PW, { protocol: 'webmail', ip: '192.0.2.9' }));
    await auth.authenticate(req('x'.repeat(400), 'Secret-Guess-5', { protocol: 'admin', ip: '192.0.2.9' }));

    const entries = (await store.audit.query({ limit: 100 })).filter((e) => e.action.startsWith('login.')).reverse();
    expect(entries.map((e) => [e.action, e.actor, e.ip, e.success, e.details.reason ?? null])).toEqual([
      ['login.smtp', 'alice@example.org', '127.0.0.1', true, null],
      ['login.imap', 'alice@example.org', '192.0.2.5', true, null],
      ['login.dav', 'ghost@example.org', '127.0.0.1', false, 'invalid'],
      ['login.smtp', 'alice@example.org', '127.0.0.1', false, 'invalid'],
      ['login.smtp', 'alice@example.org', '127.0.0.1', false, 'invalid'],
      ['login.smtp', 'alice@example.org', '127.0.0.1', false, 'throttled'],
      ['login.webmail', 'alice@example.org', '192.0.2.9', false, 'disabled'],
      ['login.admin', 'x'.repeat(320), '192.0.2.9', false, 'invalid'],
    ]);
    expect(entries[0]).toMatchObject({ target: 'alice@example.org', unit: 'lycee-hugo', details: { client: 'Thunderbird 128' } });
    expect(entries[1].details).toEqual({ appPassword: 'phone' });
    expect(entries[2]).toMatchObject({ target: null, unit: null });
    expect(entries[5].details).toMatchObject({ retryAfterMs: 15 * MIN });
    const dump = JSON.stringify(await store.audit.query({ limit: 100 }));
    for (const secret of [ALICE_PW, phone, 'Secret-Guess']) expect(dump).not.toContain(secret);
  });

  it('does not count an attempt the store could not answer', async () => {
    const failing: AuthStore = {
      accounts: {
        getUserByAddress: async () => { throw new Error('disk on fire'); },
        listAppPasswords: (id) => store.accounts.listAppPasswords(id),
        touchAppPassword: (id, at) => store.accounts.touchAppPassword(id, at),
      },
      audit: store.audit,
    };
    const auth = new Authenticator(failing, { hash: HASH, now: () => now, sleep: async (ms) => { sleeps.push(ms); }, guard: { slowAfter: 1, baseDelayMs: 100 } });
    await expect(auth.authenticate(req('alice@example.org', ALICE_PW))).rejects.toThrow(/disk on fire/);
    await expect(auth.authenticate(req('alice@example.org', ALICE_PW))).rejects.toThrow(/disk on fire/);
    expect(sleeps).toEqual([]);
  });
});
