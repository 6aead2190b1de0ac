// What the SQLite account store does beyond the shared conformance suite: address and
// domain normalisation, the cross-table uniqueness, deleteUser's reach into mail and DAV.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlreadyExists, Conflict, Invalid, NotFound } from '../../core/errors.js';
import type { NewUser, Store, User } from '../types.js';
import { openSqliteStore } from './index.js';

let dir: string;
let store: Store;
let peek: Database.Database;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'facteur-accounts-'));
  store = await openSqliteStore({ dataDir: dir });
  peek = new Database(path.join(dir, 'facteur.db'), { readonly: true });
  await store.accounts.addDomain('ecole.example');
});

afterEach(async () => {
  peek.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function newUser(address: string, patch: Partial<NewUser> = {}): Promise<User> {
  return store.accounts.createUser({ address, displayName: address, passwordHash: null, quotaBytes: 0, role: 'user', unit: null, enabled: true, ...patch });
}

function count(sql: string, ...params: unknown[]): number {
  return peek.prepare(sql).pluck().get(...params) as number;
}

describe('names', () => {
  it('stores addresses in lower case and domains as A-labels, and finds them in any case', async () => {
    const idn = await store.accounts.addDomain('École.Example');
    expect(idn.name).toBe('xn--cole-9oa.example');
    const u = await newUser('Jean.Dupont@ÉCOLE.example');
    expect(u).toMatchObject({ address: 'jean.dupont@xn--cole-9oa.example', domain: 'xn--cole-9oa.example' });
    expect((await store.accounts.getUserByAddress('JEAN.DUPONT@école.example'))?.id).toBe(u.id);
    expect((await store.accounts.resolveAddress('Jean.Dupont@xn--cole-9oa.example'))?.kind).toBe('user');
    await expect(store.accounts.addDomain('ecole.EXAMPLE')).rejects.toThrow(AlreadyExists);
  });

  it('refuses malformed input with Invalid', async () => {
    for (const bad of ['no-at-sign', '@ecole.example', 'a b@ecole.example', 'a@', 'a@-bad-.example']) {
      await expect(newUser(bad), bad).rejects.toThrow(Invalid);
    }
    await expect(newUser('q@ecole.example', { quotaBytes: -1 })).rejects.toThrow(Invalid);
    await expect(newUser('r@ecole.example', { role: 'root' as never })).rejects.toThrow(Invalid);
    await expect(store.accounts.addDomain('not a domain')).rejects.toThrow(Invalid);
    await expect(store.accounts.addAlias('x@ecole.example', [])).rejects.toThrow(Invalid);
  });
});

describe('uniqueness', () => {
  it('an address belongs to one user, alias or group, whatever its case', async () => {
    const u = await newUser('secretariat@ecole.example');
    await expect(store.accounts.addAlias('SECRETARIAT@ecole.example', ['x@ailleurs.example'])).rejects.toThrow(AlreadyExists);
    await store.accounts.addAlias('accueil@ecole.example', ['Secretariat@Ecole.Example']);
    await expect(store.accounts.createGroup({ address: 'Accueil@ecole.example', displayName: 'A', unit: null, memberIds: [] })).rejects.toThrow(AlreadyExists);
    await store.accounts.createGroup({ address: 'profs@ecole.example', displayName: 'Profs', unit: null, memberIds: [u.id] });
    await expect(newUser('profs@ecole.example')).rejects.toThrow(AlreadyExists);
    expect((await store.accounts.listAliases())[0].targets).toEqual(['secretariat@ecole.example']);
  });

  it('concurrent creations of one address leave exactly one', async () => {
    const outcomes = await Promise.allSettled([
      newUser('dup@ecole.example'),
      store.accounts.addAlias('dup@ecole.example', ['a@ailleurs.example']),
      store.accounts.createGroup({ address: 'dup@ecole.example', displayName: 'D', unit: null, memberIds: [] }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').every((o) => o.reason instanceof AlreadyExists)).toBe(true);
  });
});

describe('deleteUser', () => {
  it('removes mailboxes, messages, blob files, DAV data, app passwords and memberships, and nothing of others', async () => {
    const alice = await newUser('alice@ecole.example');
    const bob = await newUser('bob@ecole.example');
    const group = await store.accounts.createGroup({ address: 'profs@ecole.example', displayName: 'Profs', unit: null, memberIds: [alice.id, bob.id] });
    await store.accounts.addAppPassword(alice.id, 'phone', '$argon2id$x');
    const search = { subject: 's', from: '', to: '', cc: '', bcc: '', body: 'b' };
    const only = Buffer.from('Subject: alice only\r\n\r\n.\r\n');
    const shared = Buffer.from('Subject: both\r\n\r\n.\r\n');
    const inbox = await store.mail.createMailbox(alice.id, 'INBOX');
    const bobInbox = await store.mail.createMailbox(bob.id, 'INBOX');
    const a1 = await store.mail.appendMessage(inbox.id, { raw: only, summary: {}, search, threading: { messageId: 'm1@x', references: [] } });
    await store.mail.appendMessage(inbox.id, { raw: shared, summary: {}, search, threading: { messageId: null, references: [] } });
    await store.mail.appendMessage(bobInbox.id, { raw: shared, summary: {}, search, threading: { messageId: null, references: [] } });
    await store.mail.expunge(inbox.id, { uids: [a1.uid], onlyDeleted: false });
    await store.mail.appendMessage(inbox.id, { raw: only, summary: {}, search, threading: { messageId: null, references: [] } });
    const [{ blobId: onlyBlob }] = await store.mail.getMessages(inbox.id, [3]);
    const [{ blobId: sharedBlob }] = await store.mail.getMessages(bobInbox.id, [1]);
    const cal = await store.dav.createCollection({ ownerType: 'user', ownerId: alice.id, kind: 'calendar', slug: 'home', displayName: 'Home', description: '', color: null, components: ['VEVENT'], props: {} });
    await store.dav.putItem(cal.id, { name: 'e.ics', uid: 'e1', data: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', componentType: 'VEVENT', firstStart: null, lastEnd: null });
    const bobCal = await store.dav.createCollection({ ownerType: 'user', ownerId: bob.id, kind: 'calendar', slug: 'home', displayName: 'Home', description: '', color: null, components: ['VEVENT'], props: {} });

    await store.accounts.deleteUser(alice.id);

    expect(await store.accounts.getUser(alice.id)).toBeNull();
    expect(await store.mail.getMailbox(inbox.id)).toBeNull();
    expect(count('SELECT COUNT(*) FROM messages WHERE mailbox_id = ?', inbox.id)).toBe(0);
    expect(count('SELECT COUNT(*) FROM expunged WHERE mailbox_id = ?', inbox.id)).toBe(0);
    expect(count('SELECT COUNT(*) FROM thread_links WHERE user_id = ?', alice.id)).toBe(0);
    expect(count('SELECT COUNT(*) FROM app_passwords')).toBe(0);
    expect(count('SELECT COUNT(*) FROM dav_items')).toBe(0);
    expect(await store.dav.getCollection(cal.id)).toBeNull();
    expect(await store.dav.getCollection(bobCal.id)).not.toBeNull();
    expect((await store.accounts.getGroup(group.id))?.memberIds).toEqual([bob.id]);
    expect(await store.blobs.has(onlyBlob)).toBe(false);
    expect(existsSync(path.join(dir, 'blobs', onlyBlob.slice(0, 2), onlyBlob.slice(2, 4), onlyBlob))).toBe(false);
    expect(await store.blobs.has(sharedBlob)).toBe(true);
    expect(count('SELECT refcount FROM blobs WHERE id = ?', sharedBlob)).toBe(1);
    expect(count('SELECT COUNT(*) FROM mail_texts')).toBe(1);
    expect((await store.mail.searchText(bobInbox.id, [{ field: 'body', value: 'b' }]))).toEqual([1]);
    await expect(store.accounts.deleteUser(alice.id)).rejects.toThrow(NotFound);
  });
});

describe('domains, keys and units', () => {
  it('putting a DKIM selector again replaces its key; removing the domain removes its keys', async () => {
    const key = { domain: 'ecole.example', selector: 'f2025', algorithm: 'ed25519' as const, privateKeyPem: 'PEM1', publicKey: 'P1' };
    await store.accounts.putDkimKey(key);
    await store.accounts.putDkimKey({ ...key, selector: 'other' });
    await store.accounts.putDkimKey({ ...key, privateKeyPem: 'PEM2', publicKey: 'P2' });
    const keys = await store.accounts.listDkimKeys('ecole.example');
    expect(keys.map((k) => [k.selector, k.publicKey])).toEqual([['f2025', 'P2'], ['other', 'P1']]);
    await expect(store.accounts.putDkimKey({ ...key, domain: 'unknown.example' })).rejects.toThrow(NotFound);
    const u = await newUser('x@ecole.example');
    await expect(store.accounts.removeDomain('ecole.example')).rejects.toThrow(Conflict);
    await store.accounts.deleteUser(u.id);
    await store.accounts.removeDomain('ecole.example');
    expect(count('SELECT COUNT(*) FROM dkim_keys')).toBe(0);
  });

  it('ensureUnit needs a known parent and returns an existing unit unchanged', async () => {
    await expect(store.accounts.ensureUnit({ name: 'college-a', parent: 'district' })).rejects.toThrow(NotFound);
    await store.accounts.ensureUnit({ name: 'district', displayName: 'District' });
    const a = await store.accounts.ensureUnit({ name: 'college-a', parent: 'district', displayName: 'Collège A' });
    const again = await store.accounts.ensureUnit({ name: 'college-a', parent: null, displayName: 'Other' });
    expect(again).toEqual(a);
    expect(await store.accounts.listUnits()).toEqual([{ name: 'college-a', parent: 'district', displayName: 'Collège A', hidden: false }, { name: 'district', parent: null, displayName: 'District', hidden: false }]);
  });
});

describe('listUsers', () => {
  it('pages by address within the filters and counts the same set', async () => {
    await store.accounts.addDomain('autre.example');
    for (const local of ['e', 'a', 'd', 'b', 'c']) await newUser(`${local}@ecole.example`, { unit: local < 'c' ? 'u1' : 'u2' });
    await newUser('a@autre.example', { unit: 'u1' });
    const page = async (after?: string) => (await store.accounts.listUsers({ domain: 'ecole.example', after, limit: 2 })).map((u) => u.address);
    expect(await page()).toEqual(['a@ecole.example', 'b@ecole.example']);
    expect(await page('b@ecole.example')).toEqual(['c@ecole.example', 'd@ecole.example']);
    expect(await page('d@ecole.example')).toEqual(['e@ecole.example']);
    expect((await store.accounts.listUsers({ units: ['u1'] })).map((u) => u.address)).toEqual(['a@autre.example', 'a@ecole.example', 'b@ecole.example']);
    expect(await store.accounts.countUsers({ units: ['u1'], domain: 'ecole.example' })).toBe(2);
    expect(await store.accounts.countUsers()).toBe(6);
  });
});
