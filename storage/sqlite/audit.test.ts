import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../types.js';
import { openSqliteStore } from './index.js';

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'facteur-audit-'));
  store = await openSqliteStore({ dataDir: dir });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const t = (minutes: number) => new Date(Date.UTC(2025, 0, 6, 8, minutes));

async function seed() {
  await store.audit.append({ at: t(0), actor: 'admin@district.test', action: 'user.create', target: 'a@school1.test', unit: 'school1', ip: '10.0.0.1', success: true, details: { quotaBytes: 1024 } });
  await store.audit.append({ at: t(1), actor: 'a@school1.test', action: 'login.imap', target: 'a@school1.test', unit: 'school1', ip: '10.0.0.2', success: false, details: {} });
  await store.audit.append({ at: t(2), actor: 'cli:root', action: 'user.create', target: 'b@school2.test', unit: 'school2', ip: null, success: true, details: {} });
  await store.audit.append({ at: t(3), actor: 'system', action: 'queue.expire', target: null, unit: null, ip: null, success: true, details: {} });
}

describe('audit log', () => {
  it('returns what was appended, newest first', async () => {
    await seed();
    const all = await store.audit.query();
    expect(all.map((e) => e.at.getTime())).toEqual([t(3), t(2), t(1), t(0)].map((d) => d.getTime()));
    const first = all[3];
    expect(first).toMatchObject({ actor: 'admin@district.test', action: 'user.create', target: 'a@school1.test', unit: 'school1', ip: '10.0.0.1', success: true, details: { quotaBytes: 1024 } });
    expect(all[2].success).toBe(false);
    expect(new Set(all.map((e) => e.id)).size).toBe(4);
  });

  it('filters by actor, target, action, units and time', async () => {
    await seed();
    const actions = async (q: Parameters<Store['audit']['query']>[0]) => (await store.audit.query(q)).map((e) => `${e.action}:${e.target}`);
    expect(await actions({ actor: 'cli:root' })).toEqual(['user.create:b@school2.test']);
    expect(await actions({ target: 'a@school1.test' })).toEqual(['login.imap:a@school1.test', 'user.create:a@school1.test']);
    expect(await actions({ action: 'user.create' })).toEqual(['user.create:b@school2.test', 'user.create:a@school1.test']);
    expect(await actions({ units: ['school2'] })).toEqual(['user.create:b@school2.test']);
    expect(await actions({ units: ['school1', 'school2'], action: 'user.create' })).toEqual(['user.create:b@school2.test', 'user.create:a@school1.test']);
    // A unit administrator of no unit sees nothing, not everything.
    expect(await actions({ units: [] })).toEqual([]);
    expect(await actions({ since: t(1), until: t(2) })).toEqual(['user.create:b@school2.test', 'login.imap:a@school1.test']);
    expect(await actions({ since: t(3) })).toEqual(['queue.expire:null']);
    expect(await actions({ until: t(0) })).toEqual(['user.create:a@school1.test']);
  });

  it('returns 100 entries unless asked otherwise', async () => {
    for (let i = 0; i < 105; i++) {
      await store.audit.append({ at: new Date(1_700_000_000_000 + i), actor: 'system', action: 'tick', target: null, unit: null, ip: null, success: true, details: { i } });
    }
    const page = await store.audit.query();
    expect(page.length).toBe(100);
    expect(page[0].details).toEqual({ i: 104 });
    expect((await store.audit.query({ limit: 3 })).map((e) => e.details.i)).toEqual([104, 103, 102]);
  });

  it('keeps the order of entries appended in the same millisecond', async () => {
    const at = new Date();
    for (const action of ['one', 'two', 'three']) {
      await store.audit.append({ at, actor: 'system', action, target: null, unit: null, ip: null, success: true, details: {} });
    }
    expect((await store.audit.query()).map((e) => e.action)).toEqual(['three', 'two', 'one']);
  });

  it('refuses to rewrite an entry, even through SQL', async () => {
    await seed();
    const raw = new Database(path.join(dir, 'facteur.db'));
    try {
      expect(() => raw.prepare("UPDATE audit_log SET success = 1 WHERE action = 'login.imap'").run()).toThrow(/append-only/);
    } finally {
      raw.close();
    }
    expect((await store.audit.query({ action: 'login.imap' }))[0].success).toBe(false);
  });
});
