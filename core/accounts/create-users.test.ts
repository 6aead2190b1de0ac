// Accounts.createUser / createUsers against the real SQLite store: one code path for a single
// user (CLI `user add`, admin API) and for a bulk import.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlreadyExists, Invalid, NotFound } from '../errors.js';
import { openSqliteStore } from '../../storage/sqlite/index.js';
import type { Store } from '../../storage/index.js';
import { Accounts, type CreateUsersResult, type NewUserInput } from './service.js';
import { verifyPassword } from './password.js';

const D = 'ecole.example';
let dir: string;
let store: Store;
let other: Store;
let accounts: Accounts;

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-accounts-'));
  store = await openSqliteStore({ dataDir: dir });
  other = await openSqliteStore({ dataDir: dir });
  // A cheap hash: the cost is not what these tests are about.
  accounts = new Accounts(store, { hash: { memoryKib: 64, iterations: 1, parallelism: 1 }, defaultQuotaBytes: 5000 });
  await accounts.addDomain(D);
});

afterEach(async () => {
  await other.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Accounts.createUsers', () => {
  it('creates many users in order, each with folders, collections, unit and audit entry, refusing bad ones alone', async () => {
    await accounts.createUser({ address: `taken@${D}` });
    const inputs: NewUserInput[] = Array.from({ length: 230 }, (_, i) => ({
      address: `Prof${i}@${D.toUpperCase()}`, displayName: `Prof ${i}`, password: `motdepasse-${i}`, unit: `ecole-${i % 7}`,
    }));
    inputs[3] = { address: `taken@${D}`, password: 'whatever-long' };
    inputs[50] = { address: `short@${D}`, password: 'short' };
    inputs[120] = { address: `x@nowhere.example` };
    inputs[121] = { address: `boss@${D}`, role: 'boss' as NewUserInput['role'] };
    inputs[11] = { address: `prof10@${D}` };
    const seen: number[] = [];
    const visibleWhenReported: Promise<unknown>[] = [];
    const results = await accounts.createUsers(inputs, { name: 'cli:test', ip: null }, (i, r) => {
      seen.push(i);
      // Reported only once committed: another connection (a running server) sees the user.
      // (The SQLite store reads at call time; the promise only carries the answer.)
      if (r.ok) visibleWhenReported.push(other.accounts.getUserByAddress(r.user.address));
    });
    expect(results).toHaveLength(230);
    expect([...seen].sort((a, b) => a - b)).toEqual(inputs.map((_, i) => i));
    const refused = (r: CreateUsersResult) => (r.ok ? null : r.error);
    expect(refused(results[3])).toBeInstanceOf(Invalid);
    expect(refused(results[3])?.message).toBe(`address taken@${D} is already in use`);
    expect(refused(results[50])?.message).toBe('password too short: at least 8 characters');
    expect(refused(results[120])).toBeInstanceOf(NotFound);
    expect(refused(results[121])).toBeInstanceOf(Invalid);
    // Both were free when checked (hashed side by side): the store refuses one of the two.
    expect([refused(results[10]), refused(results[11])].filter((e) => e instanceof AlreadyExists)).toHaveLength(1);
    expect(results.filter((r) => r.ok)).toHaveLength(225);
    expect((await Promise.all(visibleWhenReported)).every((u) => u !== null)).toBe(true);
    expect(visibleWhenReported).toHaveLength(225);

    const prof7 = results[7].ok ? results[7].user : null;
    expect(prof7).toMatchObject({ address: `prof7@${D}`, displayName: 'Prof 7', unit: 'ecole-0', quotaBytes: 5000, role: 'user', enabled: true });
    expect(await verifyPassword(prof7!.passwordHash, 'motdepasse-7')).toBe(true);
    expect((await other.mail.listMailboxes(prof7!.id)).map((m) => m.name).sort()).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    expect((await other.dav.listCollections('user', prof7!.id)).map((c) => c.kind)).toEqual(['addressbook', 'calendar']);
    expect((await other.accounts.listUnits()).map((u) => u.name)).toEqual(Array.from({ length: 7 }, (_, i) => `ecole-${i}`));
    const audit = await other.audit.query({ action: 'user.create', limit: 1000 });
    expect(audit).toHaveLength(226);
    expect(audit.find((e) => e.target === `prof7@${D}`)).toMatchObject({ actor: 'cli:test', unit: 'ecole-0', details: { role: 'user', quotaBytes: 5000 } });
    expect(audit.some((e) => e.target === `short@${D}` || e.target === `x@nowhere.example`)).toBe(false);
  });

  it('createUser throws the refusal of its one user', async () => {
    await expect(accounts.createUser({ address: `a@nowhere.example` })).rejects.toThrow(NotFound);
    await expect(accounts.createUser({ address: 'not-an-address' })).rejects.toThrow('invalid address "not-an-address": expected local@domain');
    const created = await accounts.createUser({ address: `jeanne@${D}`, displayName: ' Jeanne ' }, { name: 'admin@ecole.example', ip: '192.0.2.1' });
    expect(created).toMatchObject({ address: `jeanne@${D}`, displayName: 'Jeanne', passwordHash: null });
    await expect(accounts.createUser({ address: `JEANNE@${D}` })).rejects.toThrow(`address jeanne@${D} is already in use`);
    expect((await store.audit.query({ target: `jeanne@${D}` }))).toMatchObject([{ action: 'user.create', actor: 'admin@ecole.example', ip: '192.0.2.1' }]);
    expect(await accounts.createUsers([])).toEqual([]);
  });
});
