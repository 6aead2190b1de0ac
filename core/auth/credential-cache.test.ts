import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../storage/sqlite/index.js';
import type { Store, User } from '../../storage/index.js';
import { CredentialCache } from './credential-cache.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-credcache-'));
let store: Store;
let user: User;
let now = 1_000_000;

beforeAll(async () => {
  store = await openSqliteStore({ dataDir: dir });
  await store.accounts.addDomain('ecole.test');
  user = await store.accounts.createUser({ address: 'alice@ecole.test', displayName: 'Alice', passwordHash: 'hash-1', quotaBytes: 0, role: 'user', unit: null, enabled: true });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('CredentialCache', () => {
  it('answers only for the exact pair it was told, until it expires', async () => {
    const cache = new CredentialCache(store, { ttlMs: 1000, now: () => now });
    expect(await cache.lookup('alice@ecole.test', 'secret')).toBeNull();
    cache.remember('alice@ecole.test', 'secret', { user, appPassword: null });
    expect((await cache.lookup('Alice@ecole.test', 'secret'))?.id).toBe(user.id);
    expect(await cache.lookup('alice@ecole.test', 'Secret')).toBeNull();
    now += 1000;
    expect(await cache.lookup('alice@ecole.test', 'secret')).toBeNull();
  });

  it('forgets at once a pair whose account changed: new password, disabled, app password revoked', async () => {
    const cache = new CredentialCache(store, { now: () => now });
    cache.remember('alice@ecole.test', 'secret', { user, appPassword: null });
    await store.accounts.updateUser(user.id, { passwordHash: 'hash-2' });
    expect(await cache.lookup('alice@ecole.test', 'secret')).toBeNull();

    const fresh = (await store.accounts.getUser(user.id))!;
    cache.remember('alice@ecole.test', 'secret', { user: fresh, appPassword: null });
    await store.accounts.updateUser(user.id, { enabled: false });
    expect(await cache.lookup('alice@ecole.test', 'secret')).toBeNull();
    await store.accounts.updateUser(user.id, { enabled: true });

    const app = await store.accounts.addAppPassword(user.id, 'phone', 'app-hash');
    const current = (await store.accounts.getUser(user.id))!;
    cache.remember('alice@ecole.test', 'app-secret', { user: current, appPassword: { id: app.id } });
    expect((await cache.lookup('alice@ecole.test', 'app-secret'))?.id).toBe(user.id);
    await store.accounts.removeAppPassword(user.id, app.id);
    expect(await cache.lookup('alice@ecole.test', 'app-secret')).toBeNull();
  });

  it('keeps at most maxEntries pairs, dropping the oldest', async () => {
    const cache = new CredentialCache(store, { maxEntries: 2, now: () => now });
    const fresh = (await store.accounts.getUser(user.id))!;
    for (const p of ['a', 'b', 'c']) cache.remember('alice@ecole.test', p, { user: fresh, appPassword: null });
    expect(await cache.lookup('alice@ecole.test', 'a')).toBeNull();
    expect(await cache.lookup('alice@ecole.test', 'c')).not.toBeNull();
  });
});
