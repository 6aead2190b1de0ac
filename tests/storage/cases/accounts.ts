// Accounts: domains, users, aliases, groups, address resolution, app passwords, DKIM, units.
import { expect } from 'vitest';
import { AlreadyExists, Conflict, NotFound } from '../../../core/errors.js';
import { append, DOMAIN, ensureDomain, makeUser, rawMessage, rejects, sleep } from '../fixtures.js';
import type { Suite } from '../suite.js';

export function registerAccountTests({ test }: Suite): void {
  test('domains are added, listed, found and removed', async ({ store }) => {
    const d = await store.accounts.addDomain('lycee.example');
    expect(d.name).toBe('lycee.example');
    expect(d.createdAt).toBeInstanceOf(Date);
    await store.accounts.addDomain('college.example');
    expect((await store.accounts.getDomain('lycee.example'))?.name).toBe('lycee.example');
    expect(await store.accounts.getDomain('nowhere.example')).toBeNull();
    expect((await store.accounts.listDomains()).map((x) => x.name).sort()).toEqual(['college.example', 'lycee.example']);
    await rejects(store.accounts.addDomain('lycee.example'), AlreadyExists);
    await store.accounts.removeDomain('college.example');
    expect(await store.accounts.getDomain('college.example')).toBeNull();
  });

  test('a domain with users, aliases or groups cannot be removed', async ({ store }) => {
    const user = await makeUser(store, 'alice');
    await rejects(store.accounts.removeDomain(DOMAIN), Conflict);
    await store.accounts.deleteUser(user.id);
    await store.accounts.addAlias(`info@${DOMAIN}`, ['someone@elsewhere.example']);
    await rejects(store.accounts.removeDomain(DOMAIN), Conflict);
    await store.accounts.removeAlias(`info@${DOMAIN}`);
    const group = await store.accounts.createGroup({ address: `profs@${DOMAIN}`, displayName: 'Profs', unit: null, memberIds: [] });
    await rejects(store.accounts.removeDomain(DOMAIN), Conflict);
    await store.accounts.deleteGroup(group.id);
    await store.accounts.removeDomain(DOMAIN);
    expect(await store.accounts.getDomain(DOMAIN)).toBeNull();
  });

  test('createUser stores every field and starts with zero usage', async ({ store }) => {
    await ensureDomain(store);
    await store.accounts.ensureUnit({ name: 'ecole-jaures' });
    const user = await store.accounts.createUser({
      address: `jeanne@${DOMAIN}`, displayName: 'Jeanne Dupré', passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
      quotaBytes: 5_000_000, role: 'unit-admin', unit: 'ecole-jaures', enabled: true,
    });
    expect(typeof user.id).toBe('string');
    expect(user).toMatchObject({
      address: `jeanne@${DOMAIN}`, domain: DOMAIN, displayName: 'Jeanne Dupré', quotaBytes: 5_000_000,
      usedBytes: 0, role: 'unit-admin', unit: 'ecole-jaures', enabled: true,
      passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
    });
    expect(user.createdAt).toBeInstanceOf(Date);
    expect(await store.accounts.getUser(user.id)).toEqual(user);
    expect(await store.accounts.getUserByAddress(`jeanne@${DOMAIN}`)).toEqual(user);
    expect(await store.accounts.getUser('no-such-id')).toBeNull();
    expect(await store.accounts.getUserByAddress(`nobody@${DOMAIN}`)).toBeNull();
  });

  test('createUser in an unknown domain is NotFound', async ({ store }) => {
    await rejects(store.accounts.createUser({
      address: 'x@unknown.example', displayName: 'X', passwordHash: null, quotaBytes: 0, role: 'user', unit: null, enabled: true,
    }), NotFound);
    expect(await store.accounts.countUsers()).toBe(0);
  });

  test('an address is unique across users, aliases and groups', async ({ store }) => {
    await makeUser(store, 'alice');
    await store.accounts.addAlias(`direction@${DOMAIN}`, [`alice@${DOMAIN}`]);
    await store.accounts.createGroup({ address: `profs@${DOMAIN}`, displayName: 'Profs', unit: null, memberIds: [] });
    for (const taken of ['alice', 'direction', 'profs']) {
      await rejects(makeUser(store, taken), AlreadyExists);
      await rejects(store.accounts.addAlias(`${taken}@${DOMAIN}`, ['x@elsewhere.example']), AlreadyExists);
      await rejects(store.accounts.createGroup({ address: `${taken}@${DOMAIN}`, displayName: 'G', unit: null, memberIds: [] }), AlreadyExists);
    }
    expect(await store.accounts.countUsers()).toBe(1);
    expect(await store.accounts.listAliases()).toHaveLength(1);
    expect(await store.accounts.listGroups()).toHaveLength(1);
  });

  test('listUsers filters by domain and unit and pages by address', async ({ store }) => {
    await ensureDomain(store, 'autre.example');
    await store.accounts.ensureUnit({ name: 'u1' });
    await store.accounts.ensureUnit({ name: 'u2' });
    for (const local of ['emma', 'basile', 'zoe', 'anna', 'louis']) {
      await makeUser(store, local, { unit: local < 'f' ? 'u1' : 'u2' });
    }
    await makeUser(store, 'paul', { address: 'paul@autre.example' });
    const all = await store.accounts.listUsers({ domain: DOMAIN });
    expect(all.map((u) => u.address)).toEqual(['anna', 'basile', 'emma', 'louis', 'zoe'].map((l) => `${l}@${DOMAIN}`));
    expect(await store.accounts.countUsers()).toBe(6);
    expect(await store.accounts.countUsers({ domain: 'autre.example' })).toBe(1);
    expect((await store.accounts.listUsers({ units: ['u1'] })).map((u) => u.address)).toEqual(['anna', 'basile', 'emma'].map((l) => `${l}@${DOMAIN}`));
    expect(await store.accounts.countUsers({ units: ['u1', 'u2'] })).toBe(5);
    const page1 = await store.accounts.listUsers({ domain: DOMAIN, limit: 2 });
    const page2 = await store.accounts.listUsers({ domain: DOMAIN, limit: 2, after: page1[1].address });
    const page3 = await store.accounts.listUsers({ domain: DOMAIN, limit: 2, after: page2[1].address });
    expect([...page1, ...page2, ...page3].map((u) => u.address)).toEqual(all.map((u) => u.address));
  });

  test('updateUser changes only the patched fields', async ({ store }) => {
    await store.accounts.ensureUnit({ name: 'college' });
    const user = await makeUser(store, 'alice', { quotaBytes: 100 });
    await sleep(5);
    const updated = await store.accounts.updateUser(user.id, { displayName: 'Alice Martin', quotaBytes: 2000, enabled: false, role: 'admin', unit: 'college', passwordHash: 'phc' });
    expect(updated).toMatchObject({ id: user.id, address: user.address, displayName: 'Alice Martin', quotaBytes: 2000, enabled: false, role: 'admin', unit: 'college', passwordHash: 'phc', usedBytes: 0 });
    expect(updated.createdAt.getTime()).toBe(user.createdAt.getTime());
    expect(updated.updatedAt.getTime()).toBeGreaterThan(user.updatedAt.getTime());
    expect(await store.accounts.getUser(user.id)).toEqual(updated);
    const again = await store.accounts.updateUser(user.id, { passwordHash: null });
    expect(again).toMatchObject({ displayName: 'Alice Martin', passwordHash: null, quotaBytes: 2000 });
    await rejects(store.accounts.updateUser('no-such-id', { displayName: 'x' }), NotFound);
  });

  test('deleteUser removes everything the user owns and releases blobs', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const bob = await makeUser(store, 'bob');
    const inbox = await store.mail.createMailbox(alice.id, 'INBOX');
    const sub = await store.mail.createMailbox(alice.id, 'Projets/2025');
    const bobInbox = await store.mail.createMailbox(bob.id, 'INBOX');
    const own = rawMessage({ body: 'only alice has this' });
    const shared = rawMessage({ body: 'both have this' });
    const a1 = await append(store, inbox.id, own);
    await append(store, sub.id, shared);
    const b1 = await append(store, bobInbox.id, shared);
    const ownBlob = (await store.mail.getMessageById(a1.id))!.blobId;
    const sharedBlob = (await store.mail.getMessageById(b1.id))!.blobId;
    await store.accounts.addAppPassword(alice.id, 'Thunderbird', 'hash');
    const group = await store.accounts.createGroup({ address: `profs@${DOMAIN}`, displayName: 'Profs', unit: null, memberIds: [alice.id, bob.id] });
    const cal = await store.dav.createCollection({ ownerType: 'user', ownerId: alice.id, kind: 'calendar', slug: 'default', displayName: 'Agenda', description: '', color: null, components: ['VEVENT'], props: {} });
    const bobUsed = (await store.accounts.getUser(bob.id))!.usedBytes;

    await store.accounts.deleteUser(alice.id);

    expect(await store.accounts.getUser(alice.id)).toBeNull();
    expect(await store.accounts.resolveAddress(alice.address)).toBeNull();
    expect(await store.mail.listMailboxes(alice.id)).toEqual([]);
    expect(await store.mail.getMailbox(inbox.id)).toBeNull();
    expect(await store.mail.getMailbox(sub.id)).toBeNull();
    expect(await store.mail.getMessageById(a1.id)).toBeNull();
    expect(await store.blobs.has(ownBlob)).toBe(false);
    expect(await store.blobs.has(sharedBlob)).toBe(true);
    expect((await store.blobs.get(sharedBlob)).equals(shared)).toBe(true);
    expect(await store.accounts.listAppPasswords(alice.id)).toEqual([]);
    expect((await store.accounts.getGroup(group.id))!.memberIds).toEqual([bob.id]);
    expect(await store.accounts.listGroupsOfUser(alice.id)).toEqual([]);
    expect(await store.dav.getCollection(cal.id)).toBeNull();
    expect(await store.dav.listCollections('user', alice.id)).toEqual([]);
    expect((await store.accounts.getUser(bob.id))!.usedBytes).toBe(bobUsed);
    await rejects(store.accounts.deleteUser(alice.id), NotFound);
  });

  test('groups keep their members', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const bob = await makeUser(store, 'bob');
    const carol = await makeUser(store, 'carol');
    await store.accounts.ensureUnit({ name: 'lycee' });
    const g = await store.accounts.createGroup({ address: `maths@${DOMAIN}`, displayName: 'Maths', unit: 'lycee', memberIds: [alice.id, bob.id] });
    expect(g).toMatchObject({ address: `maths@${DOMAIN}`, domain: DOMAIN, displayName: 'Maths', unit: 'lycee' });
    expect([...g.memberIds].sort()).toEqual([alice.id, bob.id].sort());
    expect(await store.accounts.getGroup(g.id)).toEqual(g);
    expect(await store.accounts.getGroupByAddress(`maths@${DOMAIN}`)).toEqual(g);
    expect(await store.accounts.getGroup('no-such-group')).toBeNull();

    const withCarol = await store.accounts.addGroupMember(g.id, carol.id);
    expect([...withCarol.memberIds].sort()).toEqual([alice.id, bob.id, carol.id].sort());
    const withoutAlice = await store.accounts.removeGroupMember(g.id, alice.id);
    expect([...withoutAlice.memberIds].sort()).toEqual([bob.id, carol.id].sort());
    expect((await store.accounts.listGroupsOfUser(carol.id)).map((x) => x.id)).toEqual([g.id]);
    expect(await store.accounts.listGroupsOfUser(alice.id)).toEqual([]);
    await rejects(store.accounts.addGroupMember('no-such-group', alice.id), NotFound);

    await ensureDomain(store, 'autre.example');
    await store.accounts.createGroup({ address: 'club@autre.example', displayName: 'Club', unit: null, memberIds: [] });
    expect((await store.accounts.listGroups(DOMAIN)).map((x) => x.address)).toEqual([`maths@${DOMAIN}`]);
    expect(await store.accounts.listGroups()).toHaveLength(2);

    await store.accounts.deleteGroup(g.id);
    expect(await store.accounts.getGroup(g.id)).toBeNull();
    expect(await store.accounts.listGroupsOfUser(bob.id)).toEqual([]);
    expect(await store.accounts.getUser(bob.id)).not.toBeNull();
  });

  test('resolveAddress tells users, aliases and groups apart', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const alias = await store.accounts.addAlias(`secretariat@${DOMAIN}`, [`alice@${DOMAIN}`, 'ext@elsewhere.example']);
    expect(alias).toMatchObject({ address: `secretariat@${DOMAIN}`, domain: DOMAIN, targets: [`alice@${DOMAIN}`, 'ext@elsewhere.example'] });
    const group = await store.accounts.createGroup({ address: `tous@${DOMAIN}`, displayName: 'Tous', unit: null, memberIds: [alice.id] });

    const u = await store.accounts.resolveAddress(`alice@${DOMAIN}`);
    expect(u?.kind).toBe('user');
    expect(u?.kind === 'user' && u.user.id).toBe(alice.id);
    const a = await store.accounts.resolveAddress(`secretariat@${DOMAIN}`);
    expect(a?.kind === 'alias' && a.alias.targets).toEqual([`alice@${DOMAIN}`, 'ext@elsewhere.example']);
    const g = await store.accounts.resolveAddress(`tous@${DOMAIN}`);
    expect(g?.kind === 'group' && g.group.id).toBe(group.id);
    expect(await store.accounts.resolveAddress(`personne@${DOMAIN}`)).toBeNull();

    expect((await store.accounts.listAliases(DOMAIN)).map((x) => x.address)).toEqual([`secretariat@${DOMAIN}`]);
    expect(await store.accounts.listAliases('other.example')).toEqual([]);
    await store.accounts.removeAlias(`secretariat@${DOMAIN}`);
    expect(await store.accounts.resolveAddress(`secretariat@${DOMAIN}`)).toBeNull();
  });

  test('app passwords are added, touched, listed per user and removed', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const bob = await makeUser(store, 'bob');
    const p1 = await store.accounts.addAppPassword(alice.id, 'Thunderbird', 'hash1');
    const p2 = await store.accounts.addAppPassword(alice.id, 'Téléphone', 'hash2');
    expect(p1).toMatchObject({ userId: alice.id, name: 'Thunderbird', hash: 'hash1', lastUsedAt: null });
    expect(p1.id).not.toBe(p2.id);
    expect((await store.accounts.listAppPasswords(alice.id)).map((p) => p.name).sort()).toEqual(['Thunderbird', 'Téléphone']);
    expect(await store.accounts.listAppPasswords(bob.id)).toEqual([]);

    const at = new Date('2025-09-02T10:00:00.000Z');
    await store.accounts.touchAppPassword(p1.id, at);
    const touched = (await store.accounts.listAppPasswords(alice.id)).find((p) => p.id === p1.id);
    expect(touched?.lastUsedAt?.getTime()).toBe(at.getTime());

    // Another user cannot remove alice's password, whether the store says NotFound or nothing.
    await store.accounts.removeAppPassword(bob.id, p1.id).catch((err: unknown) => {
      if (!(err instanceof NotFound)) throw err;
    });
    expect(await store.accounts.listAppPasswords(alice.id)).toHaveLength(2);
    await store.accounts.removeAppPassword(alice.id, p1.id);
    expect((await store.accounts.listAppPasswords(alice.id)).map((p) => p.id)).toEqual([p2.id]);
  });

  test('DKIM keys are listed newest first', async ({ store }) => {
    await ensureDomain(store);
    const k1 = await store.accounts.putDkimKey({ domain: DOMAIN, selector: 's2024', algorithm: 'rsa', privateKeyPem: 'PEM1', publicKey: 'PUB1' });
    expect(k1).toMatchObject({ domain: DOMAIN, selector: 's2024', algorithm: 'rsa', privateKeyPem: 'PEM1', publicKey: 'PUB1' });
    expect(k1.createdAt).toBeInstanceOf(Date);
    await sleep(5);
    await store.accounts.putDkimKey({ domain: DOMAIN, selector: 's2025', algorithm: 'ed25519', privateKeyPem: 'PEM2', publicKey: 'PUB2' });
    const keys = await store.accounts.listDkimKeys(DOMAIN);
    expect(keys.map((k) => k.selector)).toEqual(['s2025', 's2024']);
    expect(keys[0]).toMatchObject({ algorithm: 'ed25519', privateKeyPem: 'PEM2', publicKey: 'PUB2' });
    expect(await store.accounts.listDkimKeys('other.example')).toEqual([]);
  });

  test('ensureUnit creates a unit once and keeps the tree', async ({ store }) => {
    const district = await store.accounts.ensureUnit({ name: 'district', displayName: 'Le district' });
    expect(district).toMatchObject({ name: 'district', parent: null, displayName: 'Le district' });
    const school = await store.accounts.ensureUnit({ name: 'ecole-a', parent: 'district', displayName: 'École A' });
    expect(school).toMatchObject({ name: 'ecole-a', parent: 'district', displayName: 'École A' });
    const again = await store.accounts.ensureUnit({ name: 'ecole-a' });
    expect(again).toMatchObject({ name: 'ecole-a', parent: 'district', displayName: 'École A' });
    const units = await store.accounts.listUnits();
    expect(units.map((u) => u.name).sort()).toEqual(['district', 'ecole-a']);
  });
}
