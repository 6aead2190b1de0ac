// Deleting a user with a grace period: disabled at once (no IMAP login), restorable with the CLI
// or the API, purged by the maintenance pass when the period ends: no row or blob left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountDeletion, AdminTokens } from '../../core/operations/index.js';
import { appendRawMessage } from '../../core/mail/index.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../server-harness.js';
import { facteur } from './cli.js';
import { imapLogin } from './imap.js';

let ts: TestServer;
let token: string;
const GRACE = { FACTEUR_RETENTION_DELETION_GRACE_DAYS: '7' };
const DAY = 86_400_000;

const canLogin = (user: string) => imapLogin(ts.port('imaps'), user, TEST_PASSWORD);

beforeAll(async () => {
  ts = await startTestServer({ name: 'deletion', env: GRACE });
  await ts.accounts.addDomain('ecole.example');
  token = (await new AdminTokens(ts.store).create({ name: 'd', role: 'admin', lifetimeMs: 3600_000 }, { name: 'test' })).secret;
}, 30_000);

afterAll(async () => {
  await ts?.stop();
});

describe('user deletion with a grace period', () => {
  it('disables at once, restores with the CLI, and purges everything after the period', async () => {
    const user = await ts.accounts.createUser({ address: 'alice@ecole.example', password: TEST_PASSWORD });
    const inbox = (await ts.store.mail.findMailbox(user.id, 'INBOX'))!;
    const appended = await appendRawMessage(ts.store, inbox.id, Buffer.from('Subject: keep me\r\nMessage-ID: <k@t>\r\n\r\nunique body for alice 4f1e\r\n'));
    const blobId = (await ts.store.mail.getMessages(inbox.id, [appended.uid]))[0].blobId;

    const del = await facteur(ts.dataDir, ['user', 'delete', 'alice@ecole.example'], GRACE);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toMatch(/disabled alice@ecole\.example; their data will be purged after .*facteur user restore alice@ecole\.example/);
    expect(await canLogin('alice@ecole.example')).toBe(false);
    const listed = JSON.parse((await facteur(ts.dataDir, ['user', 'deletions', '--json'], GRACE)).stdout) as { address: string; purgeAfter: string }[];
    expect(listed.map((d) => d.address)).toEqual(['alice@ecole.example']);
    expect(new Date(listed[0].purgeAfter).getTime()).toBeGreaterThan(Date.now() + 6 * DAY);
    expect((await facteur(ts.dataDir, ['user', 'delete', 'alice@ecole.example'], GRACE)).code).toBe(2);

    const restore = await facteur(ts.dataDir, ['user', 'restore', 'alice@ecole.example'], GRACE);
    expect(restore.code, restore.stderr).toBe(0);
    expect(await canLogin('alice@ecole.example')).toBe(true);
    expect((await ts.store.mail.listMessageIndex(inbox.id)).length).toBe(1);
    expect((await facteur(ts.dataDir, ['user', 'restore', 'alice@ecole.example'], GRACE)).code).toBe(2);

    expect((await facteur(ts.dataDir, ['user', 'delete', 'alice@ecole.example'], GRACE)).code).toBe(0);
    const accounts = ts.accounts;
    // Not yet due: nothing purged.
    expect(await new AccountDeletion(ts.store, accounts, 7 * DAY).purgeDue()).toEqual([]);
    const later = new AccountDeletion(ts.store, accounts, 7 * DAY, () => new Date(Date.now() + 8 * DAY));
    expect(await later.purgeDue()).toEqual(['alice@ecole.example']);
    expect(await ts.store.accounts.getUserByAddress('alice@ecole.example')).toBeNull();
    expect(await ts.store.mail.listMailboxes(user.id)).toEqual([]);
    expect(await ts.store.dav.listCollections('user', user.id)).toEqual([]);
    expect(await ts.store.blobs.has(blobId)).toBe(false);
    expect(await ts.store.deletions.list()).toEqual([]);
    expect((await ts.store.audit.query({ target: 'alice@ecole.example' })).map((e) => e.action).filter((a) => !a.startsWith('login.')).slice(0, 5))
      .toEqual(['user.purge', 'user.delete', 'user.delete.schedule', 'user.restore', 'user.delete.schedule']);
  });

  it('answers DELETE through the API with 202 and the purge date; restore brings the user back', async () => {
    await ts.accounts.createUser({ address: 'bob@ecole.example', password: TEST_PASSWORD });
    const call = (method: string, url: string) => fetch(`http://127.0.0.1:${ts.port('http')}/api/admin${url}`, { method, headers: { authorization: `Bearer ${token}` } });
    const res = await call('DELETE', '/users/bob@ecole.example');
    expect(res.status).toBe(202);
    const body = (await res.json()) as { purgeAfter: string };
    expect(new Date(body.purgeAfter).getTime()).toBeGreaterThan(Date.now() + 6 * DAY);
    expect(((await (await call('GET', '/users/bob@ecole.example')).json()) as { enabled: boolean }).enabled).toBe(false);
    expect((await call('DELETE', '/users/bob@ecole.example')).status).toBe(409);
    const restored = await call('POST', '/users/bob@ecole.example/restore');
    expect(restored.status).toBe(200);
    expect(((await restored.json()) as { enabled: boolean }).enabled).toBe(true);
  });
});
