// The webmail API over HTTP against the real server: sessions and CSRF, folders, the message
// list, reading (sanitized HTML, attachments, authentication verdict), and the actions.
import https from 'node:https';
import net from 'node:net';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../server-harness.js';
import { eventually, WebClient } from './api-client.js';
import { ALICE, BOB, DOMAIN, append, hostileMessage, plain, provision } from './api-fixtures.js';

let t: TestServer;
let base: string;
let alice: WebClient;
let bob: WebClient;

beforeAll(async () => {
  t = await startTestServer({ name: 'webmail-api', zone: '', env: { FACTEUR_OUTBOUND_ENABLED: 'false', FACTEUR_AUTH_LOCK_ACCOUNT_AFTER: '3', FACTEUR_SMTP_MAX_MESSAGE_BYTES: '1048576' } });
  base = `http://127.0.0.1:${t.port('http')}`;
  await provision(t);
  await t.accounts.createUser({ address: `victim@${DOMAIN}`, password: TEST_PASSWORD });
  alice = new WebClient(base);
  bob = new WebClient(base);
  expect((await alice.login(ALICE, TEST_PASSWORD)).status).toBe(200);
  expect((await bob.login(BOB, TEST_PASSWORD)).status).toBe(200);
}, 30_000);

afterAll(async () => {
  await t?.stop();
});

async function mailboxes(client: WebClient) {
  const r = await client.get('/api/mailboxes');
  expect(r.status).toBe(200);
  return r.body.mailboxes as { id: string; name: string; specialUse: string | null; unread: number; total: number }[];
}

async function box(client: WebClient, name: string) {
  const found = (await mailboxes(client)).find((m) => m.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
}

describe('sessions', () => {
  it('logs in with the account password and sets a strict, HttpOnly cookie', async () => {
    const c = new WebClient(base);
    const r = await c.login('ALICE@ecole.example', TEST_PASSWORD);
    expect(r.status).toBe(200);
    expect(r.body.user).toEqual({ address: ALICE, displayName: 'Alice Dupré' });
    expect(r.body.csrf).toMatch(/^[\w-]{20,}$/);
    const cookie = c.setCookie.find((x) => x.startsWith('facteur_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/); // plain HTTP: a Secure cookie would never come back
    const me = await c.get('/api/session');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ user: { address: ALICE, displayName: 'Alice Dupré' }, csrf: r.body.csrf });
    // Logging in again replaces the session: the old cookie no longer opens anything.
    const old = c.cookie;
    await c.login(ALICE, TEST_PASSWORD);
    expect(c.cookie).not.toBe(old);
    const stale = new WebClient(base);
    stale.cookie = old;
    expect((await stale.get('/api/session')).status).toBe(401);
  });

  it('marks the cookie Secure over HTTPS', async () => {
    const cookie = await new Promise<string>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: t.port('https'), path: '/api/session', method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve((res.headers['set-cookie'] ?? []).join('\n'));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ address: ALICE, password: TEST_PASSWORD }));
    });
    expect(cookie).toMatch(/^facteur_session=.*; Secure/m);
  });

  it('refuses a wrong password or an unknown address alike', async () => {
    const c = new WebClient(base);
    const wrong = await c.login(ALICE, 'not the password');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: expect.any(String), code: 'bad_credentials' });
    expect(c.cookie).toBe('');
    expect((await c.login('nobody@ecole.example', 'whatever')).body.code).toBe('bad_credentials');
    expect((await c.get('/api/mailboxes')).status).toBe(401);
  });

  it('locks out a guesser with 429 (the shared brute-force guard)', async () => {
    const c = new WebClient(base);
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await c.login(`victim@${DOMAIN}`, `guess-${i}`)).status);
    expect(codes.slice(0, 3)).toEqual([401, 401, 401]);
    const locked = await c.login(`victim@${DOMAIN}`, TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('throttled');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  }, 30_000);

  it('answers 401 without a session and after logout', async () => {
    const anonymous = new WebClient(base);
    expect((await anonymous.get('/api/mailboxes')).body.code).toBe('unauthenticated');
    const c = new WebClient(base);
    await c.login(ALICE, TEST_PASSWORD);
    const kept = c.cookie;
    const out = await c.request('DELETE', '/api/session');
    expect(out.status).toBe(204);
    expect(c.setCookie.join()).toMatch(/Max-Age=0/);
    c.cookie = kept; // a copied cookie is useless after logout
    expect((await c.get('/api/mailboxes')).status).toBe(401);
  });

  it('ends sessions past their idle time', async () => {
    const c = new WebClient(base);
    await c.login(ALICE, TEST_PASSWORD);
    const sessions = t.store.webSessions;
    // Age the session in the store as an hour of inactivity would.
    const id = (await import('node:crypto')).createHash('sha256').update(c.cookie.split('=')[1]).digest('hex');
    const s = await sessions.get(id);
    expect(s).not.toBeNull();
    await sessions.delete(id);
    await sessions.create({ ...s!, lastSeenAt: new Date(Date.now() - 61 * 60_000) });
    expect((await c.get('/api/session')).status).toBe(401);
    expect(await sessions.get(id)).toBeNull();
  });

  it('ends sessions at their absolute lifetime, however active', async () => {
    const c = new WebClient(base);
    await c.login(ALICE, TEST_PASSWORD);
    const id = (await import('node:crypto')).createHash('sha256').update(c.cookie.split('=')[1]).digest('hex');
    const s = await t.store.webSessions.get(id);
    expect(s!.expiresAt.getTime() - s!.createdAt.getTime()).toBe(12 * 3600_000);
    await t.store.webSessions.delete(id);
    await t.store.webSessions.create({ ...s!, lastSeenAt: new Date(), expiresAt: new Date(Date.now() - 1000) });
    expect((await c.get('/api/mailboxes')).status).toBe(401);
  });

  it('refuses state-changing calls without the CSRF token', async () => {
    const none = await alice.request('POST', '/api/mailboxes', { name: 'Sans jeton' }, { csrf: false });
    expect(none.status).toBe(403);
    expect(none.body.code).toBe('csrf');
    const wrong = await alice.request('POST', '/api/mailboxes', { name: 'Sans jeton' }, { csrf: bob.csrf });
    expect(wrong.status).toBe(403);
    expect((await alice.request('DELETE', '/api/session', undefined, { csrf: false })).status).toBe(403);
    expect((await mailboxes(alice)).map((m) => m.name)).not.toContain('Sans jeton');
  });

  it('answers bad input with 400, 413, 415, 404 and 405', async () => {
    const bad = await alice.request('POST', '/api/mailboxes', undefined, { raw: '{"name": ' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('bad_request');
    expect((await alice.request('POST', '/api/mailboxes', undefined, { raw: 'name=x', contentType: 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await alice.request('POST', '/api/mailboxes', { name: 42 })).body).toMatchObject({ code: 'invalid', field: 'name' });
    const big = await alice.request('POST', '/api/drafts', { text: 'x'.repeat(3 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('too_large');
    expect((await alice.get('/api/nothing-here')).status).toBe(404);
    const wrongMethod = await alice.request('PUT', '/api/mailboxes', {});
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toMatch(/GET/);
  });
});

/** Opens a POST on a raw connection, sends `head` headers and `body`, and resolves with the
 *  status line of the answer as soon as it comes (or null if the server closes without one). */
function rawPost(path: string, head: string, body: (socket: net.Socket) => void): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect(t.port('http'), '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString('latin1');
      const status = /^HTTP\/1\.1 \d{3}/.exec(answer);
      if (status) {
        resolve(status[0]);
        socket.destroy();
      }
    });
    // The server may close while we are still sending.
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(null));
    socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${head}\r\n`);
    body(socket);
  });
}

describe('request bodies', () => {
  it('refuses a login with a large body as it streams in (413), and keeps serving', async () => {
    const declared = await new WebClient(base).request('POST', '/api/session', undefined, { raw: JSON.stringify({ address: ALICE, password: 'x'.repeat(1024 * 1024) }) });
    expect(declared.status).toBe(413);
    expect(declared.body.code).toBe('too_large');
    // Chunked, and never ended: the answer cannot wait for the end of the body.
    const chunk = `${(64 * 1024).toString(16)}\r\n${'x'.repeat(64 * 1024)}\r\n`;
    const streamed = await rawPost('/api/session', 'Transfer-Encoding: chunked\r\n', (socket) => {
      for (let i = 0; i < 16; i++) socket.write(chunk);
    });
    expect(streamed).toBe('HTTP/1.1 413');
    expect((await new WebClient(base).login(ALICE, TEST_PASSWORD)).status).toBe(200);
  });

  it('takes large bodies only where a message or long text goes', async () => {
    const text = 'x'.repeat(200 * 1024);
    expect((await alice.post('/api/mailboxes', { name: text })).status).toBe(413);
    expect((await alice.post('/api/messages/flags', { mailboxId: 'x', uids: [1], add: [text] })).status).toBe(413);
    expect((await alice.post('/api/drafts', { subject: 'long', text })).status).toBe(200);
    // The longest settings there are, in a script of 3 bytes a character: about 90 KB.
    const settings = await alice.request('PUT', '/api/settings', { signature: '署'.repeat(10_000), autoReply: { enabled: false, text: '名'.repeat(20_000) } });
    expect(settings.status).toBe(200);
    expect(settings.body.signature).toHaveLength(10_000);
  });

  it('logs a request dropped in the middle of its body at debug level, not as a fault', async () => {
    const before = t.logs().length;
    const dropped = await rawPost('/api/session', 'Content-Length: 1000\r\n', (socket) => {
      socket.write('{"address":', () => setTimeout(() => socket.destroy(), 50));
    });
    expect(dropped).toBeNull();
    const logged = await eventually(() => t.logs().slice(before).split('\n').find((l) => l.includes('client closed the request')));
    expect(JSON.parse(logged)).toMatchObject({ level: 20, method: 'POST', path: '/api/session' });
    expect(t.logs().slice(before)).not.toContain('webmail API request failed');
  });
});

describe('folders', () => {
  it('lists INBOX first, then the special folders, with counts and quota', async () => {
    await append(t.store, ALICE, 'INBOX', plain({ subject: 'compte' }));
    const list = await mailboxes(alice);
    expect(list.map((m) => m.name)).toEqual(['INBOX', 'Drafts', 'Sent', 'Archive', 'Junk', 'Trash']);
    expect(list[0]).toMatchObject({ specialUse: null, unread: 1, total: 1 });
    expect(list[4].specialUse).toBe('\\Junk');
    const r = await alice.get('/api/mailboxes');
    expect(r.body.quota).toEqual({ used: expect.any(Number), limit: 0 });
    expect(r.body.quota.used).toBeGreaterThan(0);
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('creates, renames (with children) and deletes folders', async () => {
    const created = await alice.post('/api/mailboxes', { name: 'Projets' });
    expect(created.status).toBe(201);
    expect(created.body.mailbox).toMatchObject({ name: 'Projets', specialUse: null, unread: 0, total: 0 });
    await alice.post('/api/mailboxes', { name: 'Projets/2026' });
    expect((await alice.post('/api/mailboxes', { name: 'Projets' })).body.code).toBe('already_exists');
    expect((await alice.post('/api/mailboxes', { name: 'a//b' })).status).toBe(400);
    const renamed = await alice.request('PATCH', `/api/mailboxes/${created.body.mailbox.id}`, { name: 'Classe' });
    expect(renamed.body.mailbox.name).toBe('Classe');
    expect((await mailboxes(alice)).map((m) => m.name)).toEqual(expect.arrayContaining(['Classe', 'Classe/2026']));
    const child = await box(alice, 'Classe/2026');
    expect((await alice.request('DELETE', `/api/mailboxes/${child.id}`)).status).toBe(204);
    expect((await mailboxes(alice)).map((m) => m.name)).not.toContain('Classe/2026');
  });

  it('keeps INBOX and the special folders', async () => {
    const inbox = await box(alice, 'INBOX');
    const sent = await box(alice, 'Sent');
    expect((await alice.request('DELETE', `/api/mailboxes/${inbox.id}`)).status).toBe(409);
    expect((await alice.request('DELETE', `/api/mailboxes/${sent.id}`)).status).toBe(409);
    expect((await alice.request('PATCH', `/api/mailboxes/${inbox.id}`, { name: 'Autre' })).status).toBe(409);
    expect((await alice.post(`/api/mailboxes/${inbox.id}/empty`)).status).toBe(409);
  });

  it("answers 404 for another user's folders and messages, whatever the call", async () => {
    const { mailboxId, uid } = await append(t.store, BOB, 'INBOX', plain({ subject: 'privé', to: BOB }));
    const bobTrash = await box(bob, 'Trash');
    const aliceInbox = await box(alice, 'INBOX');
    const calls = [
      alice.get(`/api/mailboxes/${mailboxId}/messages`),
      alice.get(`/api/mailboxes/${mailboxId}/messages/${uid}`),
      alice.get(`/api/mailboxes/${mailboxId}/messages/${uid}/body.html`),
      alice.get(`/api/mailboxes/${mailboxId}/messages/${uid}/raw`),
      alice.request('PATCH', `/api/mailboxes/${mailboxId}`, { name: 'volé' }),
      alice.request('DELETE', `/api/mailboxes/${bobTrash.id}`),
      alice.post(`/api/mailboxes/${bobTrash.id}/empty`),
      alice.post('/api/messages/flags', { mailboxId, uids: [uid], add: ['\\Flagged'] }),
      alice.post('/api/messages/move', { mailboxId, uids: [uid], toMailboxId: aliceInbox.id }),
      alice.post('/api/messages/move', { mailboxId: aliceInbox.id, uids: [1], toMailboxId: mailboxId }),
      alice.post('/api/messages/delete', { mailboxId, uids: [uid] }),
      alice.post('/api/messages/spam', { mailboxId, uids: [uid], spam: true }),
      alice.get(`/api/search?q=priv&mailboxId=${mailboxId}`),
    ];
    for (const r of await Promise.all(calls)) {
      expect(r.status).toBe(404);
      expect(r.body?.code ?? 'not_found').toBe('not_found');
    }
    const still = await bob.get(`/api/mailboxes/${mailboxId}/messages/${uid}?peek=1`);
    expect(still.body).toMatchObject({ subject: 'privé', flags: [] });
  });
});

describe('message list and reading', () => {
  let listBox: string;

  beforeAll(async () => {
    const c = await alice.post('/api/mailboxes', { name: 'Liste' });
    listBox = c.body.mailbox.id;
    const user = await t.store.accounts.getUserByAddress(ALICE);
    const mailbox = await t.store.mail.findMailbox(user!.id, 'Liste');
    const { appendRawMessage } = await import('../../core/index.js');
    const days = [3, 1, 2, 5, 4];
    for (const d of days) {
      await appendRawMessage(t.store, mailbox!.id, plain({ subject: `jour ${d}`, from: `P${d} <p${d}@ailleurs.example>`, date: `Tue, 0${d} Sep 2025 08:00:00 +0000`, body: `texte du jour ${d} `.repeat(d) }),
        { internalDate: new Date(Date.UTC(2025, 8, d, 8)), flags: d === 5 ? ['\\Flagged'] : [] });
    }
  });

  it('pages newest first by default and sorts on request', async () => {
    const first = await alice.get(`/api/mailboxes/${listBox}/messages?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(5);
    expect(first.body.messages.map((m: any) => m.subject)).toEqual(['jour 5', 'jour 4']);
    expect(first.body.messages[0]).toEqual({
      uid: 4, from: { name: 'P5', address: 'p5@ailleurs.example' }, to: [{ name: '', address: ALICE }], subject: 'jour 5',
      date: '2025-09-05T08:00:00.000Z', size: expect.any(Number), flags: ['\\Flagged'], hasAttachments: false,
      threadId: expect.any(String), preview: expect.stringContaining('texte du jour 5'),
    });
    const next = await alice.get(`/api/mailboxes/${listBox}/messages?limit=2&offset=2`);
    expect(next.body.messages.map((m: any) => m.subject)).toEqual(['jour 3', 'jour 2']);
    const asc = await alice.get(`/api/mailboxes/${listBox}/messages?order=asc&limit=1`);
    expect(asc.body.messages[0].subject).toBe('jour 1');
    const bySize = await alice.get(`/api/mailboxes/${listBox}/messages?sort=size&order=asc`);
    expect(bySize.body.messages.map((m: any) => m.subject)).toEqual(['jour 1', 'jour 2', 'jour 3', 'jour 4', 'jour 5']);
    const byFrom = await alice.get(`/api/mailboxes/${listBox}/messages?sort=from&order=desc`);
    expect(byFrom.body.messages.map((m: any) => m.from.name)).toEqual(['P5', 'P4', 'P3', 'P2', 'P1']);
    expect((await alice.get(`/api/mailboxes/${listBox}/messages?sort=colour`)).status).toBe(400);
  });

  it('marks a message read when opened, not with peek', async () => {
    const peek = await alice.get(`/api/mailboxes/${listBox}/messages/1?peek=1`);
    expect(peek.body).toMatchObject({ subject: 'jour 3', flags: [], html: null, text: expect.stringContaining('texte du jour 3'), attachments: [] });
    const read = await alice.get(`/api/mailboxes/${listBox}/messages/1`);
    expect(read.body.flags).toEqual(['\\Seen']);
    const list = await alice.get(`/api/mailboxes/${listBox}/messages?order=asc&sort=size`);
    expect(list.body.messages.find((m: any) => m.uid === 1).flags).toEqual(['\\Seen']);
    expect((await alice.get(`/api/mailboxes/${listBox}/messages/99`)).status).toBe(404);
    expect((await alice.get(`/api/mailboxes/${listBox}/messages/abc`)).status).toBe(404);
  });

  it('frames plain text escaped, and gives the source as a download', async () => {
    const a = await append(t.store, ALICE, 'INBOX', plain({ subject: 'texte', body: 'a <b>pas du html</b> & <script>alert(1)</script>' }));
    const frame = await alice.get(`/api/mailboxes/${a.mailboxId}/messages/${a.uid}/body.html`);
    expect(frame.text).toContain('a &#60;b&#62;pas du html&#60;/b&#62; &#38; &#60;script&#62;');
    expect(frame.text).not.toContain('<script>');
    const raw = await alice.get(`/api/mailboxes/${a.mailboxId}/messages/${a.uid}/raw`);
    expect(raw.headers.get('content-type')).toBe('message/rfc822');
    expect(raw.headers.get('content-disposition')).toBe(`attachment; filename="message-${a.uid}.eml"`);
    expect(raw.text).toMatch(/^From: Carla <carla@ailleurs\.example>\r\nTo: alice@ecole\.example\r\nSubject: texte/);
  });

  it('shows hostile HTML sanitized, with remote content blocked and reported', async () => {
    const { mailboxId, uid } = await append(t.store, ALICE, 'INBOX', await hostileMessage());
    const r = await alice.get(`/api/mailboxes/${mailboxId}/messages/${uid}`);
    expect(r.status).toBe(200);
    const html: string = r.body.html;
    expect(html).toContain('Chers collègues');
    expect(html).not.toMatch(/<script|onerror|onclick|onload|javascript:|data:text|<iframe|<object|<embed|<form|<input|<svg|<base|<meta|expression\(|track\.example|evil\.example/i);
    expect(html).toContain('<a href="https://ecole.example/agenda" target="_blank" rel="noopener noreferrer">agenda</a>');
    expect(r.body.hasRemoteContent).toBe(true);
    expect(r.body.text).toContain('version texte');
    const logo = r.body.attachments.find((a: any) => a.cid === 'logo@ecole');
    expect(logo).toMatchObject({ filename: 'logo.png', contentType: 'image/png', inline: true });
    expect(html).toContain(`src="/api/mailboxes/${mailboxId}/messages/${uid}/parts/${logo.part}?inline=1"`);
    const pdf = r.body.attachments.find((a: any) => a.contentType === 'application/pdf');
    expect(pdf).toMatchObject({ filename: 'compte rendu é.pdf', inline: false, cid: null, size: 21 });

    const frame = await alice.get(`/api/mailboxes/${mailboxId}/messages/${uid}/body.html`);
    expect(frame.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = frame.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'none'");
    expect(csp).not.toMatch(/https:|http:/);
    expect(frame.text).toMatch(/^<!DOCTYPE html>/);
    expect(frame.text).toContain('src="data:image/png;base64,');
    expect(frame.text).not.toMatch(/<script|track\.example|onerror/i);
    const remote = await alice.get(`/api/mailboxes/${mailboxId}/messages/${uid}/body.html?remote=1`);
    expect(remote.text).toContain('https://track.example/pixel.gif?u=alice');
    expect(remote.text).not.toMatch(/<script|onerror|javascript:/i);
    expect(remote.headers.get('content-security-policy')).toMatch(/img-src [^;]*https:/);

    const download = await alice.get(`/api/mailboxes/${mailboxId}/messages/${uid}/parts/${encodeURIComponent(pdf.part)}`);
    expect(download.status).toBe(200);
    expect(download.text).toBe('%PDF-1.4 pas vraiment');
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="compte rendu _.pdf"; filename*=UTF-8''compte%20rendu%20%C3%A9.pdf`);
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    const image = await alice.get(`/api/mailboxes/${mailboxId}/messages/${uid}/parts/${logo.part}?inline=1`);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('content-disposition')).toMatch(/^inline/);
    expect((await alice.get(`/api/mailboxes/${mailboxId}/messages/${uid}/parts/9.9`)).status).toBe(404);
  });

  it('shows HTML nested too deep as its text, without holding the server', async () => {
    // 300 KB that held every listener 5 s; "<p><li>" got past mailparser's own depth check.
    for (const opener of ['<b><i>', '<p><li>']) {
      const raw = Buffer.from([
        'From: Carla <carla@ailleurs.example>', `To: ${ALICE}`, `Subject: profond ${opener}`, 'MIME-Version: 1.0',
        'Content-Type: text/html; charset=utf-8', '', `${opener.repeat(50_000)}<script>alert(1)</script>Bonjour &amp; au revoir`, '',
      ].join('\r\n'));
      const { mailboxId, uid } = await append(t.store, ALICE, 'INBOX', raw);
      const started = performance.now();
      const r = await alice.get(`/api/mailboxes/${mailboxId}/messages/${uid}?peek=1`);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ text: 'Bonjour & au revoir', html: '<pre style="white-space:pre-wrap">Bonjour &#38; au revoir</pre>' });
      const frame = await alice.get(`/api/mailboxes/${mailboxId}/messages/${uid}/body.html`);
      expect(frame.text).toContain('<body><pre style="white-space:pre-wrap">Bonjour &#38; au revoir</pre></body>');
      expect(frame.text).not.toMatch(/<script|<b>|<li>/);
    }
  });

  it('tells apart mail that passed, failed DMARC, or wears a local address from outside', async () => {
    const at = (results: string, from = 'Carla <carla@ailleurs.example>') => plain({ subject: results, from, headers: `Authentication-Results: localhost; spf=pass smtp.mailfrom=ailleurs.example; dkim=${results} header.d=ailleurs.example; dmarc=${results} header.from=ailleurs.example` });
    const pass = await append(t.store, ALICE, 'INBOX', at('pass'));
    const fail = await append(t.store, ALICE, 'INBOX', at('fail'));
    // Someone else's Authentication-Results are not ours to trust.
    const forged = await append(t.store, ALICE, 'INBOX', plain({ subject: 'forged', headers: 'Authentication-Results: other.example; dmarc=pass' }));
    const read = async (m: { mailboxId: string; uid: number }) => (await alice.get(`/api/mailboxes/${m.mailboxId}/messages/${m.uid}?peek=1`)).body.auth;
    expect(await read(pass)).toEqual({ spf: 'pass', dkim: 'pass', dmarc: 'pass', verdict: 'pass', warning: null });
    expect(await read(fail)).toMatchObject({ dmarc: 'fail', verdict: 'fail', warning: expect.stringContaining('DMARC') });
    expect(await read(forged)).toEqual({ spf: null, dkim: null, dmarc: null, verdict: 'none', warning: null });

    // Over SMTP from outside, with the From of a colleague: the MX records "none" (no DMARC
    // record in this DNS), and the reader is warned all the same.
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: t.port('smtp'), tls: { rejectUnauthorized: false }, name: 'client.ailleurs.example' });
    await transport.sendMail({ from: `Bob <${BOB}>`, to: ALICE, subject: 'faux collègue', text: 'urgent', envelope: { from: 'x@ailleurs.example', to: [ALICE] } });
    transport.close();
    const list = await alice.get(`/api/search?subject=${encodeURIComponent('faux collègue')}`);
    const m = list.body.messages[0];
    expect((await read({ mailboxId: m.mailboxId, uid: m.uid }))).toMatchObject({ verdict: 'none', warning: expect.stringContaining('outside') });
  });
});

describe('actions', () => {
  it('adds and removes flags', async () => {
    const a = await append(t.store, ALICE, 'INBOX', plain({ subject: 'drapeaux' }));
    const r = await alice.post('/api/messages/flags', { mailboxId: a.mailboxId, uids: [a.uid], add: ['\\Seen', '\\Flagged'] });
    expect(r.body.updated).toEqual([{ uid: a.uid, flags: expect.arrayContaining(['\\Seen', '\\Flagged']) }]);
    await alice.post('/api/messages/flags', { mailboxId: a.mailboxId, uids: [a.uid], remove: ['\\Seen'] });
    expect((await alice.get(`/api/mailboxes/${a.mailboxId}/messages/${a.uid}?peek=1`)).body.flags).toEqual(['\\Flagged']);
    expect((await alice.post('/api/messages/flags', { mailboxId: a.mailboxId, uids: [a.uid], add: ['\\Recent'] })).status).toBe(400);
    expect((await alice.post('/api/messages/flags', { mailboxId: a.mailboxId, uids: [], add: ['\\Seen'] })).status).toBe(400);
  });

  it('moves, deletes to Trash, then for good from Trash', async () => {
    const a = await append(t.store, ALICE, 'INBOX', plain({ subject: 'à déplacer' }));
    const archive = await box(alice, 'Archive');
    const trash = await box(alice, 'Trash');
    const moved = await alice.post('/api/messages/move', { mailboxId: a.mailboxId, uids: [a.uid], toMailboxId: archive.id });
    expect(moved.body.moved).toEqual([[a.uid, expect.any(Number)]]);
    const newUid = moved.body.moved[0][1];
    expect((await alice.get(`/api/mailboxes/${a.mailboxId}/messages/${a.uid}`)).status).toBe(404);
    expect((await alice.post('/api/messages/delete', { mailboxId: archive.id, uids: [newUid] })).body).toEqual({ trashed: 1 });
    const inTrash = await alice.get(`/api/mailboxes/${trash.id}/messages`);
    const trashed = inTrash.body.messages.find((m: any) => m.subject === 'à déplacer');
    expect(trashed).toBeTruthy();
    expect((await alice.post('/api/messages/delete', { mailboxId: trash.id, uids: [trashed.uid] })).body).toEqual({ expunged: 1 });
    expect((await alice.get(`/api/mailboxes/${trash.id}/messages`)).body.messages.find((m: any) => m.subject === 'à déplacer')).toBeUndefined();
  });

  it('marks as spam into Junk and back, and empties Junk', async () => {
    const a = await append(t.store, ALICE, 'INBOX', plain({ subject: 'promo' }));
    const junk = await box(alice, 'Junk');
    const inbox = await box(alice, 'INBOX');
    const spam = await alice.post('/api/messages/spam', { mailboxId: a.mailboxId, uids: [a.uid], spam: true });
    const junkUid = spam.body.moved[0][1];
    expect((await alice.get(`/api/mailboxes/${junk.id}/messages/${junkUid}?peek=1`)).body.flags).toEqual(['$Junk']);
    const back = await alice.post('/api/messages/spam', { mailboxId: junk.id, uids: [junkUid], spam: false });
    const inboxUid = back.body.moved[0][1];
    expect((await alice.get(`/api/mailboxes/${inbox.id}/messages/${inboxUid}?peek=1`)).body.flags).toEqual(['$NotJunk']);
    await append(t.store, ALICE, 'Junk', plain({ subject: 'pub 1' }));
    await append(t.store, ALICE, 'Junk', plain({ subject: 'pub 2' }));
    expect((await alice.post(`/api/mailboxes/${junk.id}/empty`)).body).toEqual({ removed: 2 });
    expect((await box(alice, 'Junk')).total).toBe(0);
  });
});
