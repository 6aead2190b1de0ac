// The webmail's export button: GET /api/export streams the logged-in user's archive, the same
// one `facteur user export` writes (mbox per folder, .ics, .vcf, manifest), and audits it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseMboxrd } from '../core/export/index.js';
import { appendRawMessage } from '../core/mail/index.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from './server-harness.js';
import { WebClient } from './webmail/api-client.js';

let t: TestServer;
let base: string;
let work: string;
const ALICE = 'alice@ecole.example';
const raw = (subject: string) => Buffer.from(`From: Bob <bob@ailleurs.example>\r\nTo: ${ALICE}\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@test>\r\n`
  + 'Date: Tue, 02 Sep 2025 08:00:00 +0200\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nFrom the start of a line\r\nBonjour é\r\n');

beforeAll(async () => {
  t = await startTestServer({ name: 'webmail-export', env: { FACTEUR_OUTBOUND_ENABLED: 'false' } });
  base = `http://127.0.0.1:${t.port('http')}`;
  work = mkdtempSync(path.join(os.tmpdir(), 'facteur-webmail-export-out-'));
  await t.accounts.addDomain('ecole.example');
  const alice = await t.accounts.createUser({ address: ALICE, password: TEST_PASSWORD });
  await t.accounts.createUser({ address: 'bob@ecole.example', password: TEST_PASSWORD });
  const boxes = await t.store.mail.listMailboxes(alice.id);
  await appendRawMessage(t.store, boxes.find((b) => b.name === 'INBOX')!.id, raw('inbox-one'));
  await appendRawMessage(t.store, boxes.find((b) => b.name === 'INBOX')!.id, raw('inbox-two'));
}, 30_000);

afterAll(async () => {
  await t?.stop();
  rmSync(work, { recursive: true, force: true });
});

it('downloads a tar.gz of the logged-in user\'s mailboxes, calendars and contacts', async () => {
  expect((await fetch(`${base}/api/export`)).status).toBe(401);
  const web = new WebClient(base);
  expect((await web.login(ALICE, TEST_PASSWORD)).status).toBe(200);
  const res = await fetch(`${base}/api/export`, { headers: { cookie: web.cookie } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/gzip');
  expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="alice@ecole\.example-\d{4}-\d{2}-\d{2}\.tar\.gz"$/);
  const file = path.join(work, 'alice.tar.gz');
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const listing = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
  expect(listing).toEqual(expect.arrayContaining([
    `${ALICE}/manifest.json`, `${ALICE}/mail/INBOX.mbox`, `${ALICE}/mail/Sent.mbox`, `${ALICE}/mail/Trash.mbox`,
  ]));
  expect(listing.some((f) => /^alice@ecole\.example\/calendars\/.+\.ics$/.test(f))).toBe(true);
  expect(listing.some((f) => /^alice@ecole\.example\/contacts\/.+\.vcf$/.test(f))).toBe(true);
  execFileSync('tar', ['-xzf', file, '-C', work]);
  const inbox = parseMboxrd(readFileSync(path.join(work, ALICE, 'mail', 'INBOX.mbox')));
  expect(inbox).toEqual([raw('inbox-one'), raw('inbox-two')]);
  const manifest = JSON.parse(readFileSync(path.join(work, ALICE, 'manifest.json'), 'utf8'));
  expect(manifest.user.address).toBe(ALICE);
  expect(manifest.messages).toHaveLength(2);
  const audit = await t.store.audit.query({ target: ALICE, action: 'user.export' });
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ actor: ALICE, ip: '127.0.0.1', success: true, details: { messages: 2 } });
});
