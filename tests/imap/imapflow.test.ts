// The IMAP server driven by imapflow, as a mail client would: folders, append, fetch (envelope,
// body structure, sections), flags, search, copy/move, expunge, and notifications across sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImapFlow } from 'imapflow';
import { message, PASSWORD, startHarness, type Harness } from './harness.js';
import { RawImap } from './raw-client.js';

let h: Harness;
let alice: string;

beforeAll(async () => {
  h = await startHarness();
  alice = await h.user('alice');
});
afterAll(() => h?.stop());

const multipart = (subject: string) => [
  'From: "Bob Martin" <bob@ext.test>',
  'To: Alice <alice@ecole.test>, "Carol C." <carol@ecole.test>',
  'Cc: team: dan@ecole.test;',
  `Subject: ${subject}`,
  'Date: Tue, 04 Mar 2025 10:00:00 +0100',
  'Message-ID: <mp-1@ext.test>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 8bit',
  '',
  'Réunion parents-professeurs jeudi.',
  '--b1',
  'Content-Type: application/pdf; name="ordre.pdf"',
  'Content-Disposition: attachment; filename="ordre.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERi0xLjQK',
  '--b1--',
  '',
].join('\r\n');

async function inbox(c: ImapFlow, path = 'INBOX') {
  return c.getMailboxLock(path);
}

describe('IMAP with imapflow', () => {
  it('logs in on the plain (loopback) and implicit-TLS listeners and lists the special-use folders', async () => {
    const c = await h.client(alice);
    expect(c.capabilities.has('IMAP4rev1')).toBe(true);
    expect(c.capabilities.has('IDLE')).toBe(true);
    expect(c.capabilities.has('LOGINDISABLED')).toBe(false);
    const folders = await c.list();
    const byPath = Object.fromEntries(folders.map((f) => [f.path, f.specialUse ?? null]));
    expect(byPath).toEqual({ INBOX: '\\Inbox', Sent: '\\Sent', Drafts: '\\Drafts', Trash: '\\Trash', Junk: '\\Junk', Archive: '\\Archive' });
    await c.logout();

    const s = await h.client(alice, { secure: true });
    expect(s.secureConnection).toBe(true);
    expect((await s.list()).length).toBe(6);
  });

  it('refuses a wrong password', async () => {
    const { ImapFlow: Flow } = await import('imapflow');
    const bad = new Flow({ host: '127.0.0.1', port: h.ports.imap, secure: false, doSTARTTLS: false, auth: { user: alice, pass: 'wrong' }, logger: false });
    bad.on('error', () => undefined);
    await expect(bad.connect()).rejects.toMatchObject({ authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED' });
  });

  it('creates, renames, subscribes and deletes folders, with non-ASCII names and hierarchy', async () => {
    const c = await h.client(alice);
    await c.mailboxCreate(['Projets', '2025', 'Été']);
    let paths = (await c.list()).map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['Projets', 'Projets/2025', 'Projets/2025/Été']));
    const parent = (await c.list()).find((f) => f.path === 'Projets')!;
    expect([...parent.flags]).toContain('\\HasChildren');
    await c.mailboxRename('Projets/2025', 'Projets/Année 2025');
    paths = (await c.list()).map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['Projets/Année 2025', 'Projets/Année 2025/Été']));
    expect(paths).not.toContain('Projets/2025');
    await c.mailboxSubscribe('Projets/Année 2025/Été');
    const subscribed = (await c.list()).filter((f) => f.subscribed).map((f) => f.path);
    expect(subscribed).toContain('Projets/Année 2025/Été');
    await c.mailboxDelete('Projets/Année 2025/Été');
    expect((await c.list()).map((f) => f.path)).not.toContain('Projets/Année 2025/Été');
    expect(await c.mailboxCreate('INBOX')).toMatchObject({ created: false });
  });

  it('appends, then fetches envelope, body structure, sections and sizes exactly', async () => {
    const c = await h.client(alice);
    const raw = multipart('Conseil de classe');
    const date = new Date('2025-03-04T09:30:00Z');
    const appended = await c.append('INBOX', raw, ['$Important'], date);
    expect(appended).toMatchObject({ destination: 'INBOX', uid: expect.any(Number) });
    const lock = await inbox(c);
    try {
      const m = await c.fetchOne(String(appended && appended.uid), {
        uid: true, flags: true, envelope: true, bodyStructure: true, internalDate: true, size: true, source: true,
        headers: ['subject', 'cc'], bodyParts: ['1', '2.mime'],
      }, { uid: true });
      if (!m) throw new Error('no message');
      expect(m.source!.toString()).toBe(raw);
      expect(m.size).toBe(Buffer.byteLength(raw));
      expect((m.internalDate as Date).toISOString()).toBe(date.toISOString());
      expect([...m.flags!]).toEqual(['$Important']);
      expect(m.envelope).toMatchObject({
        subject: 'Conseil de classe',
        messageId: '<mp-1@ext.test>',
        from: [{ name: 'Bob Martin', address: 'bob@ext.test' }],
        to: [{ name: 'Alice', address: 'alice@ecole.test' }, { name: 'Carol C.', address: 'carol@ecole.test' }],
      });
      expect(m.bodyStructure).toMatchObject({
        type: 'multipart/mixed',
        childNodes: [
          { part: '1', type: 'text/plain', parameters: { charset: 'utf-8' }, encoding: '8bit', size: Buffer.byteLength('Réunion parents-professeurs jeudi.'), lineCount: 1 },
          { part: '2', type: 'application/pdf', disposition: 'attachment', dispositionParameters: { filename: 'ordre.pdf' }, encoding: 'base64', size: 12 },
        ],
      });
      expect(m.headers!.toString()).toBe('Cc: team: dan@ecole.test;\r\nSubject: Conseil de classe\r\n\r\n');
      expect(m.bodyParts!.get('1')!.toString()).toBe('Réunion parents-professeurs jeudi.');
      expect(m.bodyParts!.get('2.mime')!.toString()).toMatch(/^Content-Type: application\/pdf; name="ordre.pdf"\r\n.*\r\n\r\n$/s);
      // imapflow asks BODY.PEEK: still unseen.
      const again = await c.fetchOne(String(m.uid), { flags: true }, { uid: true });
      expect(again && [...again.flags!]).not.toContain('\\Seen');
      const part = await c.download(String(m.uid), '1', { uid: true });
      const chunks: Buffer[] = [];
      for await (const chunk of part.content!) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('Réunion parents-professeurs jeudi.');
    } finally {
      lock.release();
    }
  });

  it('sets \\Seen on BODY[] but not on BODY.PEEK[] nor in a read-only (EXAMINE) mailbox', async () => {
    const c = await h.client(alice);
    const { uid } = (await c.append('Archive', message({ Subject: 'seen test' }), []))! as { uid: number };
    const raw = await RawImap.connect(h.ports.imap);
    await raw.until(/^\* OK .*\r\n/);
    expect(await raw.command('a', `LOGIN ${alice} "${PASSWORD}"`)).toMatch(/^a OK /m);
    expect(await raw.command('b', 'EXAMINE Archive')).toMatch(/^b OK \[READ-ONLY\]/m);
    expect(await raw.command('c', `UID FETCH ${uid} (BODY[TEXT])`)).toMatch(/^\* 1 FETCH \(UID \d+ BODY\[TEXT\] \{8\}\r\nHello\.\r\n\)\r\nc OK/m);
    expect(await raw.command('d', 'SELECT Archive')).toMatch(/^d OK \[READ-WRITE\]/m);
    expect(await raw.command('e', `UID FETCH ${uid} (BODY.PEEK[TEXT] FLAGS)`)).toMatch(/^\* 1 FETCH \(UID \d+ BODY\[TEXT\] \{8\}\r\nHello\.\r\n FLAGS \(\)\)\r\n/m);
    expect(await raw.command('f', `UID FETCH ${uid} (BODY[TEXT])`)).toMatch(/^\* 1 FETCH \(UID \d+ BODY\[TEXT\] \{8\}\r\nHello\.\r\n FLAGS \(\\Seen\)\)\r\n/m);
    expect(await raw.command('g', `UID FETCH ${uid} (FLAGS)`)).toMatch(/FLAGS \(\\Seen\)/);
    raw.close();
  });

  it('stores flags (+, -, replace, keywords) and searches by flags, text, size, date and UID', async () => {
    const c = await h.client(alice);
    await c.mailboxCreate('Search');
    const add = async (subject: string, from: string, body: string, date: string) =>
      ((await c.append('Search', message({ From: from, To: 'alice@ecole.test', Subject: subject, Date: date }, body), [], new Date(date)))! as { uid: number }).uid;
    const u1 = await add('Sortie au musée', 'paul@ext.test', 'Départ à 8h devant le collège.\r\n', '2025-01-10T08:00:00Z');
    const u2 = await add('Cantine', 'marie@ext.test', 'Menu de la semaine.\r\n' + 'x'.repeat(5000) + '\r\n', '2025-02-10T08:00:00Z');
    const u3 = await add('Réunion', 'paul@ext.test', 'Ordre du jour en pièce jointe.\r\n', '2025-03-10T08:00:00Z');
    const lock = await inbox(c, 'Search');
    try {
      await c.messageFlagsAdd(String(u1), ['\\Seen', '\\Flagged'], { uid: true });
      await c.messageFlagsAdd(String(u2), ['$Work'], { uid: true });
      await c.messageFlagsSet(String(u3), ['\\Answered'], { uid: true });
      await c.messageFlagsRemove(String(u1), ['\\Flagged'], { uid: true });
      const flags = new Map<number, string[]>();
      for await (const m of c.fetch('1:*', { uid: true, flags: true })) flags.set(m.uid, [...m.flags!].sort());
      expect(Object.fromEntries(flags)).toEqual({ [u1]: ['\\Seen'], [u2]: ['$Work'], [u3]: ['\\Answered'] });

      const s = (q: Parameters<ImapFlow['search']>[0]) => c.search(q, { uid: true });
      expect(await s({ seen: true })).toEqual([u1]);
      expect(await s({ seen: false })).toEqual([u2, u3]);
      expect(await s({ keyword: '$Work' })).toEqual([u2]);
      expect(await s({ answered: true })).toEqual([u3]);
      expect(await s({ from: 'paul' })).toEqual([u1, u3]);
      expect(await s({ subject: 'musee' })).toEqual([u1]); // accent-insensitive
      expect(await s({ body: 'semaine' })).toEqual([u2]);
      expect(await s({ text: 'jointe' })).toEqual([u3]);
      expect(await s({ larger: 4000 })).toEqual([u2]);
      expect(await s({ smaller: 4000 })).toEqual([u1, u3]);
      expect(await s({ since: new Date('2025-02-10T00:00:00Z') })).toEqual([u2, u3]);
      expect(await s({ before: new Date('2025-02-10T00:00:00Z') })).toEqual([u1]);
      expect(await s({ on: new Date('2025-03-10T00:00:00Z') })).toEqual([u3]);
      expect(await s({ or: [{ subject: 'cantine' }, { from: 'paul', seen: true }] })).toEqual([u1, u2]);
      expect(await s({ not: { from: 'paul' } })).toEqual([u2]);
      expect(await s({ uid: `${u2}:*` })).toEqual([u2, u3]);
      expect(await c.search({ all: true })).toEqual([1, 2, 3]);
    } finally {
      lock.release();
    }
  });

  it('copies and moves with COPYUID, expunges, and keeps sequence numbers right', async () => {
    const c = await h.client(alice);
    await c.mailboxCreate('Source');
    await c.mailboxCreate('Dest');
    for (let i = 1; i <= 4; i++) await c.append('Source', message({ Subject: `m${i}` }));
    const lock = await inbox(c, 'Source');
    try {
      const copied = await c.messageCopy('1:2', 'Dest');
      expect(copied && [...copied.uidMap!.entries()]).toEqual([[1, 1], [2, 2]]);
      const moved = await c.messageMove('2:3', 'Dest');
      expect(moved && [...moved.uidMap!.entries()]).toEqual([[2, 3], [3, 4]]);
      const left: string[] = [];
      for await (const m of c.fetch('1:*', { envelope: true, uid: true })) left.push(`${m.seq}:${m.uid}:${m.envelope!.subject}`);
      expect(left).toEqual(['1:1:m1', '2:4:m4']);
      await c.messageDelete('1');
      const after: string[] = [];
      for await (const m of c.fetch('1:*', { envelope: true, uid: true })) after.push(`${m.seq}:${m.uid}:${m.envelope!.subject}`);
      expect(after).toEqual(['1:4:m4']);
    } finally {
      lock.release();
    }
    const status = await c.status('Dest', { messages: true, uidNext: true, unseen: true });
    expect(status).toMatchObject({ messages: 4, uidNext: 5, unseen: 4 });
    await c.mailboxOpen('Dest');
    expect(await c.messageCopy('1', 'Nowhere')).toBe(false); // imapflow turns the NO [TRYCREATE] into false
  });

  it('tells a second session about appends, flag changes and expunges, and wakes IDLE', async () => {
    const a = await h.client(alice);
    const b = await h.client(alice);
    await a.mailboxCreate('Shared');
    await a.append('Shared', message({ Subject: 'first' }));
    await a.mailboxOpen('Shared');
    const events: string[] = [];
    a.on('exists', (e) => events.push(`exists:${e.count}`));
    a.on('flags', (e) => events.push(`flags:${e.seq}:${[...e.flags].join(',')}`));
    a.on('expunge', (e) => events.push(`expunge:${e.seq}`));
    const idling = a.idle();
    await b.append('Shared', message({ Subject: 'second' }));
    await waitFor(() => events.includes('exists:2'));
    await b.mailboxOpen('Shared');
    await b.messageFlagsAdd('1', ['\\Flagged']);
    await waitFor(() => events.includes('flags:1:\\Flagged'));
    await b.messageDelete('1');
    await waitFor(() => events.includes('expunge:1'));
    expect(a.mailbox && a.mailbox.exists).toBe(1);
    void idling;
  });

  it('wakes IDLE when SMTP delivers to the mailbox', async () => {
    const bob = await h.user('bob');
    const c = await h.client(bob);
    await c.mailboxOpen('INBOX');
    let count = 0;
    c.on('exists', (e) => { count = e.count; });
    void c.idle();
    const nodemailer = await import('nodemailer');
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: h.ports.smtp, tls: { rejectUnauthorized: false }, name: 'client.ext.test' });
    await transport.sendMail({ from: 'paul@ext.test', to: bob, subject: 'Livraison', text: 'Bonjour' });
    transport.close();
    await waitFor(() => count === 1);
    const m = await c.fetchOne('1', { envelope: true });
    expect(m && m.envelope!.subject).toBe('Livraison');
  });

  it('refuses APPEND over quota with OVERQUOTA and to a missing mailbox with TRYCREATE', async () => {
    const carol = await h.user('carol');
    await h.accounts.setQuota(carol, 300);
    const c = await h.client(carol);
    await expect(c.append('INBOX', message({ Subject: 'big' }, 'x'.repeat(1000)))).rejects.toMatchObject({ serverResponseCode: 'OVERQUOTA' });
    await expect(c.append('Nope', message({ Subject: 'x' }))).rejects.toMatchObject({ serverResponseCode: 'TRYCREATE' });
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
