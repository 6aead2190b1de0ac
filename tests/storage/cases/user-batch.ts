// AccountStore.createUsers: bulk provisioning, each user all-or-nothing with its mailboxes,
// collections, unit and audit entry; a refused user does not stop the others.
import { expect } from 'vitest';
import { AlreadyExists, Invalid, NotFound } from '../../../core/errors.js';
import type { CreateUserOutcome, NewUser, NewUserBatchItem, Store, UserProvision } from '../../../storage/types.js';
import { DOMAIN, ensureDomain, makeUser } from '../fixtures.js';
import type { Suite } from '../suite.js';

const PROVISION: UserProvision = {
  mailboxes: [{ name: 'INBOX', specialUse: null }, { name: 'Sent', specialUse: '\\Sent' }, { name: 'Trash', specialUse: '\\Trash' }],
  collections: [
    { kind: 'calendar', slug: 'default', displayName: 'Agenda', components: ['VEVENT', 'VTODO'] },
    { kind: 'addressbook', slug: 'default', displayName: 'Contacts', components: [] },
  ],
};

function item(local: string, patch: Partial<NewUser> = {}, provision: UserProvision = PROVISION): NewUserBatchItem {
  const address = patch.address ?? `${local}@${DOMAIN}`;
  return {
    user: { address, displayName: local, passwordHash: null, quotaBytes: 1000, role: 'user', unit: null, enabled: true, ...patch },
    provision,
    audit: { actor: 'cli:test', ip: null, action: 'user.create', target: address, unit: patch.unit ?? null, success: true, details: { local } },
  };
}

function errorOf(outcome: CreateUserOutcome): Error {
  if (outcome.ok) throw new Error(`expected a refusal, got user ${outcome.user.address}`);
  return outcome.error;
}

/** Everything a user would leave behind if half-provisioned. */
async function traces(store: Store, address: string) {
  const user = await store.accounts.getUserByAddress(address);
  return {
    user: user !== null,
    mailboxes: user ? (await store.mail.listMailboxes(user.id)).length : 0,
    collections: user ? (await store.dav.listCollections('user', user.id)).length : 0,
    audit: (await store.audit.query({ target: address })).length,
  };
}

export function registerUserBatchTests({ test }: Suite): void {
  test('createUsers creates each user with its folders, collections, unit and audit entry', async ({ store }) => {
    await ensureDomain(store);
    const out = await store.accounts.createUsers([
      item('anne', { unit: 'ecole-jaures', role: 'unit-admin', passwordHash: '$argon2id$v=19$m=7168,t=5,p=1$c2FsdA$aGFzaA' }),
      item('bruno', { quotaBytes: 0, enabled: false }),
    ]);
    expect(out.map((o) => o.ok)).toEqual([true, true]);
    const [anne, bruno] = out.map((o) => (o.ok ? o.user : null)!);
    expect(anne).toMatchObject({
      address: `anne@${DOMAIN}`, domain: DOMAIN, displayName: 'anne', quotaBytes: 1000, usedBytes: 0, role: 'unit-admin',
      unit: 'ecole-jaures', enabled: true, passwordHash: '$argon2id$v=19$m=7168,t=5,p=1$c2FsdA$aGFzaA',
    });
    expect(bruno).toMatchObject({ address: `bruno@${DOMAIN}`, quotaBytes: 0, enabled: false, unit: null });
    expect(await store.accounts.getUser(anne.id)).toEqual(anne);
    for (const u of [anne, bruno]) {
      expect((await store.mail.listMailboxes(u.id)).map((m) => [m.name, m.specialUse]).sort()).toEqual([['INBOX', null], ['Sent', '\\Sent'], ['Trash', '\\Trash']]);
      expect((await store.dav.listCollections('user', u.id)).map((c) => [c.kind, c.slug, c.displayName]))
        .toEqual([['addressbook', 'default', 'Contacts'], ['calendar', 'default', 'Agenda']]);
    }
    expect((await store.accounts.listUnits()).map((u) => [u.name, u.displayName, u.parent])).toEqual([['ecole-jaures', 'ecole-jaures', null]]);
    const audit = await store.audit.query({ action: 'user.create' });
    expect(audit.map((e) => e.target).sort()).toEqual([`anne@${DOMAIN}`, `bruno@${DOMAIN}`]);
    expect(audit.find((e) => e.target === `anne@${DOMAIN}`)).toMatchObject({ actor: 'cli:test', unit: 'ecole-jaures', success: true, details: { local: 'anne' } });
    expect(await store.accounts.createUsers([])).toEqual([]);
  });

  test('createUsers refuses a bad item without stopping the others, and leaves nothing of it', async ({ store }) => {
    await makeUser(store, 'taken');
    await store.accounts.addAlias(`alias@${DOMAIN}`, ['someone@elsewhere.example']);
    await store.accounts.ensureUnit({ name: 'ecole-a', displayName: 'École A' });
    // The provision fails after the user row, its unit and first folder are written: all of it goes.
    const broken = item('broken', { unit: 'ghost-unit' }, { ...PROVISION, mailboxes: [{ name: 'INBOX', specialUse: null }, { name: 'inbox', specialUse: null }] });
    const out = await store.accounts.createUsers([
      item('first', { unit: 'ecole-a' }),
      item('taken'),
      item('alias'),
      item('x', { address: 'x@unknown.example' }),
      item('badrole', { role: 'boss' as NewUser['role'] }),
      item('bad', { address: 'not an address' }),
      broken,
      item('twice'),
      item('twice'),
      item('last', { unit: 'ecole-a' }),
    ]);
    expect(out.map((o) => o.ok)).toEqual([true, false, false, false, false, false, false, true, false, true]);
    expect(errorOf(out[1])).toBeInstanceOf(AlreadyExists);
    expect(errorOf(out[2])).toBeInstanceOf(AlreadyExists);
    expect(errorOf(out[3])).toBeInstanceOf(NotFound);
    expect(errorOf(out[4])).toBeInstanceOf(Invalid);
    expect(errorOf(out[5])).toBeInstanceOf(Invalid);
    expect(errorOf(out[6])).toBeInstanceOf(AlreadyExists);
    expect(errorOf(out[8])).toBeInstanceOf(AlreadyExists);

    expect(await traces(store, `broken@${DOMAIN}`)).toEqual({ user: false, mailboxes: 0, collections: 0, audit: 0 });
    expect(await traces(store, 'x@unknown.example')).toEqual({ user: false, mailboxes: 0, collections: 0, audit: 0 });
    expect(await traces(store, `badrole@${DOMAIN}`)).toEqual({ user: false, mailboxes: 0, collections: 0, audit: 0 });
    expect((await store.audit.query({ target: `taken@${DOMAIN}` })).length).toBe(0);
    expect((await store.accounts.resolveAddress(`alias@${DOMAIN}`))?.kind).toBe('alias');
    for (const local of ['first', 'twice', 'last']) {
      expect(await traces(store, `${local}@${DOMAIN}`)).toEqual({ user: true, mailboxes: 3, collections: 2, audit: 1 });
    }
    // The unit only the broken user named was rolled back with it; an existing one is left as it was.
    expect((await store.accounts.listUnits()).map((u) => [u.name, u.displayName])).toEqual([['ecole-a', 'École A']]);
    expect(await store.accounts.countUsers()).toBe(4);
  });

  test('users from createUsers are durable and seen by another store at once', async ({ store, reopen, openAnother }) => {
    await ensureDomain(store);
    const other = await openAnother();
    const out = await store.accounts.createUsers(Array.from({ length: 30 }, (_, i) => item(`u${i}`, { unit: `ecole-${i % 3}` })));
    expect(out.every((o) => o.ok)).toBe(true);
    expect(await other.accounts.countUsers({ domain: DOMAIN })).toBe(30);
    const again = await reopen();
    expect(await again.accounts.countUsers({ domain: DOMAIN })).toBe(30);
    expect((await again.accounts.listUnits()).map((u) => u.name)).toEqual(['ecole-0', 'ecole-1', 'ecole-2']);
    expect((await again.audit.query({ action: 'user.create', limit: 100 })).length).toBe(30);
  });
}
