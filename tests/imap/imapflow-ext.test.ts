// The newer extensions through imapflow's own API, as a modern client uses them: it turns on
// COMPRESS=DEFLATE by itself, lists with LIST-STATUS, reads quota, searches with ESEARCH
// return options, fetches OBJECTID ids, downloads parts and hears of another session's
// changes, all over the compressed stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, startHarness, type Harness } from './harness.js';

let h: Harness;
let user: string;

beforeAll(async () => {
  h = await startHarness();
  user = await h.user('flora');
  await h.accounts.setQuota(user, 10 * 1024 * 1024);
});
afterAll(() => h?.stop());

const ATTACHED = [
  'From: a@x.test', 'Subject: pièce jointe', 'Message-ID: <pj@x>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=z', '',
  '--z', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', 'Voir la pi=C3=A8ce.',
  '--z', 'Content-Type: application/octet-stream; name=data.bin', 'Content-Transfer-Encoding: base64', '', Buffer.from([0, 1, 2, 3, 250]).toString('base64'),
  '--z--', '',
].join('\r\n');

describe('imapflow with the newer extensions', () => {
  it('negotiates compression, lists with status, reads quota, searches with ESEARCH options', async () => {
    const c = await h.client(user);
    expect((c as unknown as { _deflate?: unknown })._deflate).toBeTruthy();
    await c.append('INBOX', Buffer.from(ATTACHED), ['\\Seen']);
    await c.append('INBOX', Buffer.from(message({ Subject: 'Re: pièce jointe', 'Message-ID': '<r@x>', References: '<pj@x>' })));
    await c.append('INBOX', Buffer.from(message({ Subject: 'autre chose' })));

    const listed = await c.list({ statusQuery: { messages: true, unseen: true } });
    const inbox = listed.find((f) => f.path === 'INBOX')!;
    expect(inbox.status).toMatchObject({ messages: 3, unseen: 2 });

    const quota = await c.getQuota('INBOX');
    expect(quota).toMatchObject({ path: 'INBOX', storage: { limit: 10 * 1024 * 1024 } });
    expect((quota as { storage: { usage: number } }).storage.usage).toBeGreaterThan(0);

    const lock = await c.getMailboxLock('INBOX');
    try {
      const result = await c.search({ seen: false }, { uid: true, returnOptions: ['min', 'max', 'count'] });
      expect(result).toMatchObject({ min: 2, max: 3, count: 2 });

      const rows = [];
      for await (const m of c.fetch('1:*', { uid: true, emailId: true, threadId: true })) rows.push(m);
      expect(rows).toHaveLength(3);
      expect(rows[0].threadId).toBe(rows[1].threadId);
      expect(rows[2].threadId).not.toBe(rows[0].threadId);
      const byThread = await c.search({ threadId: rows[0].threadId! }, { uid: true });
      expect(byThread).toEqual([1, 2]);

      const { content } = await c.download('1', '2', { uid: true });
      if (!content) throw new Error('no content');
      const chunks: Buffer[] = [];
      for await (const chunk of content) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks)).toEqual(Buffer.from([0, 1, 2, 3, 250]));
    } finally {
      lock.release();
    }
  });

  it('hears another session\'s expunge and new mail while compressed and idling', async () => {
    const watcher = await h.client(user);
    const other = await h.client(user);
    const lock = await watcher.getMailboxLock('INBOX');
    const seen: string[] = [];
    watcher.on('exists', (e) => seen.push(`exists ${e.count}`));
    watcher.on('expunge', () => seen.push('expunge'));
    const idling = watcher.idle();
    await new Promise((r) => setTimeout(r, 100));
    await other.mailboxOpen('INBOX');
    await other.messageDelete('3', { uid: true });
    await other.append('INBOX', Buffer.from(message({ Subject: 'nouveau' })));
    const deadline = Date.now() + 5000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['expunge', 'exists 3']);
    await watcher.noop();
    await idling;
    lock.release();
  });
});
