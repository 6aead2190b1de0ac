// The audit log: append-only, queried newest first with filters.
import { expect } from 'vitest';
import type { AuditEntry, Store } from '../../../storage/types.js';
import type { Suite } from '../suite.js';

const T = (iso: string) => new Date(`2025-09-0${iso}Z`);

async function seed(store: Store): Promise<AuditEntry[]> {
  const rows: Parameters<Store['audit']['append']>[0][] = [
    { at: T('1T08:00:00'), actor: 'cli:root', action: 'user.create', target: 'alice@ecole.example', unit: 'ecole-a', ip: null, success: true, details: { quotaBytes: 1000 } },
    { at: T('3T08:00:00'), actor: 'alice@ecole.example', action: 'login.imap', target: 'alice@ecole.example', unit: 'ecole-a', ip: '192.0.2.10', success: false, details: { reason: 'bad password' } },
    // Inserted out of time order: "newest first" is about `at`, not insertion.
    { at: T('2T08:00:00'), actor: 'admin@ecole.example', action: 'user.update', target: 'bob@ecole.example', unit: 'ecole-b', ip: '2001:db8::1', success: true, details: {} },
    { at: T('4T08:00:00'), actor: 'system', action: 'queue.expire', target: null, unit: null, ip: null, success: true, details: { id: 'q1', nested: { list: [1, 2] } } },
  ];
  const out = [];
  for (const r of rows) out.push(await store.audit.append(r));
  return out;
}

export function registerAuditTests({ test }: Suite): void {
  test('audit entries are stored as given and listed newest first', async ({ store }) => {
    const [create, login, update, expire] = await seed(store);
    expect(login).toMatchObject({ actor: 'alice@ecole.example', action: 'login.imap', target: 'alice@ecole.example', unit: 'ecole-a', ip: '192.0.2.10', success: false, details: { reason: 'bad password' } });
    expect(new Set([create.id, login.id, update.id, expire.id]).size).toBe(4);
    const all = await store.audit.query();
    expect(all.map((e) => e.id)).toEqual([expire.id, login.id, update.id, create.id]);
    expect(all[0]).toEqual(expire);
    expect(all[0].at.getTime()).toBe(T('4T08:00:00').getTime());

    const before = Date.now();
    const now = await store.audit.append({ actor: 'system', action: 'server.start', target: null, unit: null, ip: null, success: true, details: {} });
    expect(now.at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(now.at.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });

  test('audit queries filter by actor, target, action, units, time and limit', async ({ store }) => {
    const [create, login, update, expire] = await seed(store);
    const q = async (query: Parameters<Store['audit']['query']>[0]) => (await store.audit.query(query)).map((e) => e.id);
    expect(await q({ actor: 'alice@ecole.example' })).toEqual([login.id]);
    expect(await q({ target: 'alice@ecole.example' })).toEqual([login.id, create.id]);
    expect(await q({ action: 'user.update' })).toEqual([update.id]);
    expect(await q({ units: ['ecole-a'] })).toEqual([login.id, create.id]);
    expect(await q({ units: ['ecole-a', 'ecole-b'] })).toEqual([login.id, update.id, create.id]);
    expect(await q({ since: T('1T12:00:00'), until: T('3T12:00:00') })).toEqual([login.id, update.id]);
    expect(await q({ since: T('3T12:00:00') })).toEqual([expire.id]);
    expect(await q({ until: T('1T12:00:00') })).toEqual([create.id]);
    expect(await q({ limit: 2 })).toEqual([expire.id, login.id]);
    expect(await q({ target: 'alice@ecole.example', units: ['ecole-a'], limit: 1 })).toEqual([login.id]);
    expect(await q({ actor: 'nobody' })).toEqual([]);
  });
}
