// The webmail API over HTTP against the real server: sending through the delivery pipeline,
// drafts, search, live events, contacts, settings, app passwords and password change.
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dkim } from '../../core/index.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../server-harness.js';
import { eventually, WebClient } from './api-client.js';
import { ALICE, BOB, DOMAIN, PNG, append, plain, provision } from './api-fixtures.js';

let t: TestServer;
let base: string;
let alice: WebClient;
let bob: WebClient;

beforeAll(async () => {
  t = await startTestServer({ name: 'webmail-compose', zone: '', env: { FACTEUR_OUTBOUND_ENABLED: 'false' } });
  base = `http://127.0.0.1:${t.port('http')}`;
  await provision(t);
  await new Dkim(t.store).generate(DOMAIN, { algorithm: 'ed25519' });
  alice = new WebClient(base);
  bob = new WebClient(base);
  expect((await alice.login(ALICE, TEST_PASSWORD)).status).toBe(200);
  expect((await bob.login(BOB, TEST_PASSWORD)).status).toBe(200);
}, 30_000);

afterAll(async () => {
  await t?.stop();
});

async function box(client: WebClient, name: string): Promise<{ id: string; total: number; unread: number }> {
  const r = await client.get('/api/mailboxes');
  return r.body.mailboxes.find((m: any) => m.name === name);
}

async function rawOf(address: string, folder: string, uid: number): Promise<string> {
  const user = await t.store.accounts.getUserByAddress(address);
  const mailbox = await t.store.mail.findMailbox(user!.id, folder);
  const [record] = await t.store.mail.getMessages(mailbox!.id, [uid]);
  return (await t.store.blobs.get(record.blobId)).toString('utf8');
}

describe('sending', () => {
  it('delivers DKIM-signed to local users (seen over IMAP), keeps a copy in Sent, hides Bcc', async () => {
    await t.accounts.createUser({ address: `carol@${DOMAIN}`, password: TEST_PASSWORD });
    const r = await alice.post('/api/send', {
      to: [`Bob <${BOB}>`], bcc: [`carol@${DOMAIN}`], subject: 'Conseil de classe', text: 'À jeudi.', html: '<p>À <b>jeudi</b>.</p>',
      attachments: [{ filename: 'ordre du jour.png', contentType: 'image/png', contentBase64: PNG.toString('base64') }],
    });
    expect(r.status).toBe(200);
    expect(r.body.messageId).toMatch(/^<.+@ecole\.example>$/);
    expect(r.body.sent).toEqual({ mailboxId: (await box(alice, 'Sent')).id, uid: expect.any(Number) });

    // Bob sees it with a real IMAP client.
    const imap = new ImapFlow({ host: '127.0.0.1', port: t.port('imap'), secure: false, auth: { user: BOB, pass: TEST_PASSWORD }, logger: false, tls: { rejectUnauthorized: false } });
    await imap.connect();
    const lock = await imap.getMailboxLock('INBOX');
    let found: { subject?: string; from?: string; source: string } | null = null;
    try {
      for await (const m of imap.fetch('1:*', { envelope: true, source: true })) {
        if (m.envelope?.subject === 'Conseil de classe') found = { subject: m.envelope.subject, from: m.envelope.from?.[0]?.address, source: m.source!.toString() };
      }
    } finally {
      lock.release();
      await imap.logout();
    }
    expect(found).toMatchObject({ from: ALICE });
    expect(found!.source).toMatch(/^From: =\?UTF-8\?Q\?Alice_Dupr=C3=A9\?= <alice@ecole\.example>/m);
    expect(found!.source).toMatch(/^DKIM-Signature: .*d=ecole\.example/m);
    expect(found!.source).not.toMatch(/^Bcc:/im);
    expect(found!.source).not.toContain('carol@');
    expect(found!.source).toMatch(/^Received: by localhost \(Facteur webmail\)/m);

    const carol = await t.store.accounts.getUserByAddress(`carol@${DOMAIN}`);
    const carolInbox = await t.store.mail.findMailbox(carol!.id, 'INBOX');
    expect((await t.store.mail.mailboxStatus(carolInbox!.id)).messages).toBe(1);

    const sent = await rawOf(ALICE, 'Sent', r.body.sent.uid);
    expect(sent).toMatch(/^Bcc: carol@ecole\.example/m);
    expect(sent).toContain(r.body.messageId);
    const sentView = await alice.get(`/api/mailboxes/${r.body.sent.mailboxId}/messages/${r.body.sent.uid}?peek=1`);
    expect(sentView.body).toMatchObject({ subject: 'Conseil de classe', flags: ['\\Seen'], html: expect.stringContaining('<b>jeudi</b>') });
    expect(sentView.body.attachments).toEqual([expect.objectContaining({ filename: 'ordre du jour.png', contentType: 'image/png', size: PNG.length })]);
  });

  it('replies in the thread and flags the original as answered', async () => {
    const original = await alice.post('/api/send', { to: [BOB], subject: 'Question', text: 'Une question ?' });
    const inbox = await box(bob, 'INBOX');
    const list = await bob.get(`/api/mailboxes/${inbox.id}/messages`);
    const received = list.body.messages.find((m: any) => m.subject === 'Question');
    const view = await bob.get(`/api/mailboxes/${inbox.id}/messages/${received.uid}`);
    expect(view.body.messageId).toBe(original.body.messageId.slice(1, -1));
    const reply = await bob.post('/api/send', {
      to: [ALICE], subject: 'Re: Question', text: 'Oui.', inReplyTo: view.body.messageId, references: [view.body.messageId],
      source: { mailboxId: inbox.id, uid: received.uid, kind: 'reply' },
    });
    expect(reply.status).toBe(200);
    expect((await bob.get(`/api/mailboxes/${inbox.id}/messages/${received.uid}?peek=1`)).body.flags).toEqual(expect.arrayContaining(['\\Seen', '\\Answered']));
    const aliceInbox = await box(alice, 'INBOX');
    const answer = (await alice.get(`/api/mailboxes/${aliceInbox.id}/messages`)).body.messages.find((m: any) => m.subject === 'Re: Question');
    const sentCopy = (await alice.get(`/api/mailboxes/${original.body.sent.mailboxId}/messages`)).body.messages.find((m: any) => m.subject === 'Question');
    expect(answer.threadId).toBe(sentCopy.threadId);
    const full = await alice.get(`/api/mailboxes/${aliceInbox.id}/messages/${answer.uid}?peek=1`);
    expect(full.body).toMatchObject({ inReplyTo: view.body.messageId, references: [view.body.messageId] });
    expect((await bob.post('/api/send', { to: [ALICE], subject: 'x', text: 'x', source: { mailboxId: inbox.id, uid: 1, kind: 'reply-all' } })).status).toBe(400);
  });

  it('reports the pipeline refusals: unknown local user, forged sender, no recipient', async () => {
    const unknown = await alice.post('/api/send', { to: [`personne@${DOMAIN}`], subject: 'x', text: 'x' });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'refused', status: '5.1.1', error: expect.stringContaining(`personne@${DOMAIN}`) });
    expect((await alice.post('/api/send', { to: [], subject: 'x', text: 'x' })).body).toMatchObject({ code: 'invalid', field: 'to' });
    expect((await alice.post('/api/send', { to: ['pas une adresse'], subject: 'x', text: 'x' })).body).toMatchObject({ code: 'invalid', field: 'to' });
    const sentBefore = (await box(alice, 'Sent')).total;
    expect((await alice.post('/api/send', { to: [`personne@${DOMAIN}`], subject: 'x', text: 'x' })).status).toBe(422);
    expect((await box(alice, 'Sent')).total).toBe(sentBefore);
  });

  it('refuses an address entry holding a line break or several addresses, naming the field', async () => {
    // addressparser read the entry as a header: the message went to carol, and not to bob.
    const queuedBefore = (await t.store.queue.list()).length;
    const sentBefore = (await box(alice, 'Sent')).total;
    for (const [field, entry] of [
      ['to', `${BOB}\r\nBcc: carol@other.example`], ['cc', `${BOB}\nBcc: carol@other.example`], ['bcc', `Bob\r <${BOB}>`],
      ['to', `${BOB}, carol@other.example`], ['cc', `Classe: ${BOB}, carol@other.example;`],
    ]) {
      const r = await alice.post('/api/send', { to: [BOB], [field]: [entry], subject: 'x', text: 'x' });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: 'invalid', field });
      expect((await alice.post('/api/drafts', { [field]: [entry], subject: 'x', text: 'x' })).body).toMatchObject({ code: 'invalid', field });
    }
    expect((await t.store.queue.list()).length).toBe(queuedBefore);
    expect((await box(alice, 'Sent')).total).toBe(sentBefore);
    expect((await alice.post('/api/send', { to: [`"Hélène, Bob" <${BOB}>`, ''], subject: 'x', text: 'x' })).status).toBe(200);
  });

  it('queues mail for other domains (remote delivery is the outbound worker\'s job)', async () => {
    const r = await alice.post('/api/send', { to: ['parent@famille.example'], subject: 'Sortie', text: 'Bonjour' });
    expect(r.status).toBe(200);
    const queued = await t.store.queue.list();
    const entry = queued.find((q) => q.recipients.some((x) => x.address === 'parent@famille.example'));
    expect(entry).toMatchObject({ from: ALICE, domain: 'famille.example' });
  });
});

describe('drafts', () => {
  it('saves, replaces and resumes a draft, which sending then removes', async () => {
    const first = await alice.post('/api/drafts', { to: [BOB], subject: 'Brouillon', text: 'v1' });
    expect(first.status).toBe(200);
    const drafts = await box(alice, 'Drafts');
    expect(first.body).toEqual({ mailboxId: drafts.id, uid: expect.any(Number) });
    const second = await alice.post('/api/drafts', { to: [BOB], cc: [], subject: 'Brouillon', text: 'v2', draft: first.body });
    expect(second.body.uid).not.toBe(first.body.uid);
    expect((await alice.get(`/api/mailboxes/${drafts.id}/messages/${first.body.uid}`)).status).toBe(404);
    const resumed = await alice.get(`/api/mailboxes/${drafts.id}/messages/${second.body.uid}?peek=1`);
    expect(resumed.body).toMatchObject({ subject: 'Brouillon', text: expect.stringContaining('v2'), to: [{ name: '', address: BOB }] });
    expect(resumed.body.flags).toEqual(expect.arrayContaining(['\\Draft', '\\Seen']));
    expect((await alice.post('/api/drafts', { subject: 'sans destinataire' })).status).toBe(200);

    const sent = await alice.post('/api/send', { to: [BOB], subject: 'Brouillon', text: 'v2', draft: second.body });
    expect(sent.status).toBe(200);
    expect((await alice.get(`/api/mailboxes/${drafts.id}/messages/${second.body.uid}`)).status).toBe(404);
    // Another user's draft reference is not something one can delete.
    const bobDraft = await bob.post('/api/drafts', { to: [ALICE], subject: 'de Bob', text: 'x' });
    await alice.post('/api/drafts', { subject: 'essai', text: 'x', draft: bobDraft.body });
    expect((await bob.get(`/api/mailboxes/${bobDraft.body.mailboxId}/messages/${bobDraft.body.uid}?peek=1`)).status).toBe(200);
  });
});

describe('search', () => {
  it('finds by text, sender, subject and date, in one folder or all', async () => {
    await append(t.store, ALICE, 'INBOX', plain({ subject: 'Réunion parents', body: 'La réunion aura lieu au gymnase', from: 'Direction <direction@ailleurs.example>', date: 'Mon, 06 Oct 2025 09:00:00 +0000' }), [], new Date('2025-10-06T09:00:05Z'));
    await append(t.store, ALICE, 'Archive', plain({ subject: 'Ancienne réunion', body: 'gymnase fermé', date: 'Mon, 06 Jan 2025 09:00:00 +0000' }), [], new Date('2025-01-06T09:00:05Z'));
    const inbox = await box(alice, 'INBOX');
    const all = await alice.get('/api/search?q=gymnase');
    expect(all.status).toBe(200);
    expect(all.body.messages.map((m: any) => m.subject)).toEqual(['Réunion parents', 'Ancienne réunion']);
    expect(all.body.messages[0].mailboxId).toBe(inbox.id);
    expect((await alice.get(`/api/search?q=gymnase&mailboxId=${inbox.id}`)).body.messages.map((m: any) => m.subject)).toEqual(['Réunion parents']);
    expect((await alice.get('/api/search?from=direction')).body.messages.map((m: any) => m.subject)).toEqual(['Réunion parents']);
    expect((await alice.get('/api/search?subject=reunion&since=2025-06-01')).body.messages.map((m: any) => m.subject)).toEqual(['Réunion parents']);
    expect((await alice.get('/api/search?q=gymnase&before=2025-06-01')).body.messages.map((m: any) => m.subject)).toEqual(['Ancienne réunion']);
    expect((await bob.get('/api/search?q=gymnase')).body.messages).toEqual([]);
    expect((await alice.get('/api/search')).status).toBe(400);
    expect((await alice.get('/api/search?q=x&since=hier')).status).toBe(400);
  });
});

describe('live events', () => {
  it('tells the user, and only them, about new mail over SMTP and appends', async () => {
    const aliceEvents = await alice.openEvents();
    const bobEvents = await bob.openEvents();
    try {
      expect(aliceEvents.status).toBe(200);
      const inbox = await box(alice, 'INBOX');
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: t.port('smtp'), tls: { rejectUnauthorized: false }, name: 'client.ailleurs.example' });
      await transport.sendMail({ from: 'x@ailleurs.example', to: ALICE, subject: 'en direct', text: 'coucou' });
      transport.close();
      await eventually(() => aliceEvents.events.some((e) => e.event === 'mailbox' && e.data.mailboxId === inbox.id));
      const archive = await append(t.store, ALICE, 'Archive', plain({ subject: 'rangé' }));
      await eventually(() => aliceEvents.events.some((e) => e.event === 'mailbox' && e.data.mailboxId === archive.mailboxId));
      await alice.post('/api/mailboxes', { name: 'Nouveau dossier' });
      await eventually(() => aliceEvents.events.some((e) => e.event === 'mailboxes'));
      const calendar = (await alice.get('/api/calendars')).body.calendars[0].id;
      await alice.post(`/api/calendars/${calendar}/events`, { summary: 'Réunion', start: '2026-03-02T10:00:00Z' });
      await eventually(() => aliceEvents.events.some((e) => e.event === 'calendar' && e.data.calendarId === calendar));
      expect(bobEvents.events).toEqual([]);
    } finally {
      aliceEvents.close();
      bobEvents.close();
    }
  });

  it('ends with the session: logout here, or a password change elsewhere', async () => {
    await t.accounts.createUser({ address: `fred@${DOMAIN}`, password: TEST_PASSWORD });
    const one = new WebClient(base);
    const two = new WebClient(base);
    await one.login(`fred@${DOMAIN}`, TEST_PASSWORD);
    await two.login(`fred@${DOMAIN}`, TEST_PASSWORD);
    const s1 = await one.openEvents();
    const s2 = await two.openEvents();
    expect((await one.request('DELETE', '/api/session')).status).toBe(204);
    await s1.ended;
    await one.login(`fred@${DOMAIN}`, TEST_PASSWORD);
    const s3 = await one.openEvents();
    expect((await one.post('/api/password', { current: TEST_PASSWORD, new: 'un autre mot de passe' })).status).toBe(204);
    await s2.ended;
    let s3open = true;
    void s3.ended.then(() => { s3open = false; });
    await new Promise((r) => setTimeout(r, 100));
    expect(s3open).toBe(true); // the session that changed the password keeps its stream
    s3.close();
  });

  it('needs a session', async () => {
    const stranger = new WebClient(base);
    const r = await stranger.get('/api/events');
    expect(r.status).toBe(401);
  });
});

describe('contacts', () => {
  it('completes from the directory (accents ignored) and the personal address book', async () => {
    const user = await t.store.accounts.getUserByAddress(ALICE);
    const [book] = await t.store.dav.listCollections('user', user!.id, 'addressbook');
    await t.store.dav.putItem(book.id, {
      name: 'helene.vcf', uid: 'helene-1', componentType: 'VCARD', firstStart: null, lastEnd: null,
      data: 'BEGIN:VCARD\r\nVERSION:4.0\r\nUID:helene-1\r\nFN:Hélène Parent\r\nEMAIL;TYPE=home:helene@famille.example\r\nEND:VCARD\r\n',
    });
    const r = await alice.get('/api/contacts?q=helene');
    expect(r.status).toBe(200);
    expect(r.body.contacts).toEqual([
      { name: 'Hélène Parent', address: 'helene@famille.example', source: 'personal' },
      { name: 'Bob Hélène', address: BOB, source: 'directory' },
    ]);
    expect((await alice.get('/api/contacts?q=bob%20ecole')).body.contacts).toEqual([{ name: 'Bob Hélène', address: BOB, source: 'directory' }]);
    // The personal book is Alice's own.
    expect((await bob.get('/api/contacts?q=famille')).body.contacts).toEqual([]);
    // A user added now is found (the directory copy follows account changes).
    await t.accounts.createUser({ address: `zoe.martin@${DOMAIN}`, displayName: 'Zoé Martin', password: TEST_PASSWORD });
    await eventually(async () => (await alice.get('/api/contacts?q=zoe')).body.contacts.length === 1);
    expect((await alice.get('/api/contacts?q=')).body.contacts).toEqual([]);
  });
});

describe('out-of-office reply', () => {
  it('answers once per sender, from the null sender, never to lists or robots', async () => {
    await t.accounts.createUser({ address: `eve@${DOMAIN}`, displayName: 'Ève Absente', password: TEST_PASSWORD });
    const eve = new WebClient(base);
    await eve.login(`eve@${DOMAIN}`, TEST_PASSWORD);
    expect((await eve.request('PUT', '/api/settings', { autoReply: { enabled: true, subject: 'Absente', text: 'De retour le 3.', start: null, end: null } })).status).toBe(200);
    const repliesTo = async (address: string) => {
      const user = await t.store.accounts.getUserByAddress(address);
      const inbox = await t.store.mail.findMailbox(user!.id, 'INBOX');
      const records = await t.store.mail.getMessages(inbox!.id, (await t.store.mail.listMessageIndex(inbox!.id)).map((e) => e.uid));
      return Promise.all(records.filter((r) => (r.summary as any).subject === 'Absente').map(async (r) => (await t.store.blobs.get(r.blobId)).toString()));
    };
    const first = await alice.post('/api/send', { to: [`eve@${DOMAIN}`], subject: 'Projet', text: 'Des nouvelles ?' });
    const [reply] = await eventually(async () => { const r = await repliesTo(ALICE); return r.length ? r : null; });
    expect(reply).toMatch(/^Return-Path: <>\r\n/);
    expect(reply).toMatch(/^Auto-Submitted: auto-replied/m);
    expect(reply).toMatch(/^DKIM-Signature: .*d=ecole\.example/m);
    expect(reply).toContain(`In-Reply-To: ${first.body.messageId}`);
    expect(reply).toContain('De retour le 3.');
    await alice.post('/api/send', { to: [`eve@${DOMAIN}`], subject: 'Projet (2)', text: 'Encore moi' });
    // Bob writes to a group list Eve is on, and to Eve in Bcc: not a personal message.
    await bob.post('/api/send', { to: [ALICE], bcc: [`eve@${DOMAIN}`], subject: 'Copie cachée', text: 'x' });
    const mx = nodemailer.createTransport({ host: '127.0.0.1', port: t.port('smtp'), tls: { rejectUnauthorized: false }, name: 'lists.ailleurs.example' });
    await mx.sendMail({ from: 'liste@ailleurs.example', to: `eve@${DOMAIN}`, subject: 'Lettre', text: 'x', headers: { 'List-Id': '<info.ailleurs.example>' } });
    await mx.sendMail({ from: 'noreply@ailleurs.example', to: `eve@${DOMAIN}`, subject: 'Notification', text: 'x' });
    await mx.sendMail({ from: 'parent@ailleurs.example', to: `eve@${DOMAIN}`, subject: 'Question', text: 'x' });
    mx.close();
    // The personal message from outside is answered (queued for its domain); the rest not.
    const queued = await eventually(async () => (await t.store.queue.list()).find((q) => q.recipients.some((r) => r.address === 'parent@ailleurs.example')));
    expect(queued.from).toBe('');
    await new Promise((r) => setTimeout(r, 300));
    expect(await repliesTo(ALICE)).toHaveLength(1);
    expect(await repliesTo(BOB)).toHaveLength(0);
    const all = (await t.store.queue.list()).flatMap((q) => q.recipients.map((r) => r.address));
    expect(all).not.toContain('liste@ailleurs.example');
    expect(all).not.toContain('noreply@ailleurs.example');
    // Switched off: no more replies.
    await eve.request('PUT', '/api/settings', { autoReply: { enabled: false } });
    await alice.post('/api/send', { to: [`eve@${DOMAIN}`], subject: 'Projet (3)', text: 'x' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await repliesTo(ALICE)).toHaveLength(1);
  });
});

describe('settings', () => {
  it('keeps display name, signature, language and the out-of-office reply', async () => {
    const initial = await alice.get('/api/settings');
    expect(initial.body).toEqual({ displayName: 'Alice Dupré', signature: '', language: 'fr', autoReply: { enabled: false, subject: '', text: '', start: null, end: null } });
    const put = await alice.request('PUT', '/api/settings', {
      displayName: 'Alice Dupré-Martin', signature: '-- \nAlice', language: 'en',
      autoReply: { enabled: true, subject: 'Absente', text: 'De retour lundi.', start: '2026-07-01', end: '2026-07-15' },
    });
    expect(put.status).toBe(200);
    expect((await alice.get('/api/settings')).body).toEqual(put.body);
    expect(put.body.autoReply).toEqual({ enabled: true, subject: 'Absente', text: 'De retour lundi.', start: '2026-07-01', end: '2026-07-15' });
    expect((await alice.get('/api/session')).body.user.displayName).toBe('Alice Dupré-Martin');
    expect((await alice.request('PUT', '/api/settings', { autoReply: { start: '2026-07-15', end: '2026-07-01' } })).status).toBe(400);
    expect((await alice.request('PUT', '/api/settings', { autoReply: { start: 'demain' } })).body).toMatchObject({ code: 'invalid', field: 'autoReply.start' });
    expect((await alice.request('PUT', '/api/settings', { displayName: '' })).status).toBe(400);
    // A partial update keeps the rest.
    await alice.request('PUT', '/api/settings', { autoReply: { enabled: false } });
    expect((await alice.get('/api/settings')).body).toMatchObject({ signature: '-- \nAlice', autoReply: { enabled: false, subject: 'Absente' } });
  });

  it('makes app passwords that work over IMAP but not for the webmail, and revokes them', async () => {
    const created = await bob.post('/api/app-passwords', { name: 'Thunderbird maison' });
    expect(created.status).toBe(201);
    expect(created.body.password).toMatch(/^[a-z0-9]{4}(-[a-z0-9]{4}){3}$/);
    const list = await bob.get('/api/app-passwords');
    expect(list.body.appPasswords).toEqual([{ id: created.body.id, name: 'Thunderbird maison', createdAt: expect.any(String), lastUsedAt: null }]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.password);

    const imap = new ImapFlow({ host: '127.0.0.1', port: t.port('imap'), secure: false, auth: { user: BOB, pass: created.body.password }, logger: false, tls: { rejectUnauthorized: false } });
    await imap.connect();
    await imap.logout();
    expect((await bob.get('/api/app-passwords')).body.appPasswords[0].lastUsedAt).not.toBeNull();
    expect((await new WebClient(base).login(BOB, created.body.password)).status).toBe(401);

    expect((await alice.request('DELETE', `/api/app-passwords/${created.body.id}`)).status).toBe(404);
    expect((await bob.request('DELETE', `/api/app-passwords/${created.body.id}`)).status).toBe(204);
    expect((await bob.get('/api/app-passwords')).body.appPasswords).toEqual([]);
  });

  it('changes the password, closing the other sessions', async () => {
    await t.accounts.createUser({ address: `dan@${DOMAIN}`, password: TEST_PASSWORD });
    const here = new WebClient(base);
    const elsewhere = new WebClient(base);
    await here.login(`dan@${DOMAIN}`, TEST_PASSWORD);
    await elsewhere.login(`dan@${DOMAIN}`, TEST_PASSWORD);
    expect((await here.post('/api/password', { current: 'wrong one', new: 'nouveau mot de passe' })).body.code).toBe('bad_credentials');
    expect((await here.post('/api/password', { current: TEST_PASSWORD, new: 'court' })).body).toMatchObject({ code: 'invalid', field: 'password' });
    expect((await here.post('/api/password', { current: TEST_PASSWORD, new: 'nouveau mot de passe' })).status).toBe(204);
    expect((await here.get('/api/session')).status).toBe(200);
    expect((await elsewhere.get('/api/session')).status).toBe(401);
    expect((await new WebClient(base).login(`dan@${DOMAIN}`, TEST_PASSWORD)).status).toBe(401);
    expect((await new WebClient(base).login(`dan@${DOMAIN}`, 'nouveau mot de passe')).status).toBe(200);
  });
});
