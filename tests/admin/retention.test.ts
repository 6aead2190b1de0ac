// Retention: Trash and Junk emptied N days after messages entered them, counted from when they
// arrived in the folder (not their internal date), other folders untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.js';
import { appendRawMessage } from '../../core/mail/index.js';
import { RetentionRunner, retentionPolicies } from '../../core/retention/index.js';
import { startTestServer, type TestServer } from '../server-harness.js';

let ts: TestServer;
const DAY = 86_400_000;
const raw = (subject: string) => Buffer.from(`Subject: ${subject}\r\nFrom: a@b.example\r\nMessage-ID: <${subject}@t>\r\n\r\nbody\r\n`);

beforeAll(async () => {
  ts = await startTestServer({ name: 'retention' });
  await ts.accounts.addDomain('ecole.example');
}, 30_000);

afterAll(async () => {
  await ts?.stop();
});

describe('retention', () => {
  it('expunges Trash after its period, counted from arrival in Trash; Junk kept when its period is 0', async () => {
    const user = await ts.accounts.createUser({ address: 'jeanne@ecole.example', unit: 'college-a' });
    const box = async (name: string) => (await ts.store.mail.findMailbox(user.id, name))!;
    const [inbox, trash, junk] = [await box('INBOX'), await box('Trash'), await box('Junk')];
    // Received long ago, moved to Trash "today": its internal date must not count.
    await appendRawMessage(ts.store, inbox.id, raw('old'), { internalDate: new Date('2020-01-01T00:00:00Z') });
    await ts.store.mail.moveMessages(inbox.id, [1], trash.id);
    await appendRawMessage(ts.store, junk.id, raw('spam'), { internalDate: new Date('2020-01-01T00:00:00Z') });
    await appendRawMessage(ts.store, inbox.id, raw('keep'), { internalDate: new Date('2020-01-01T00:00:00Z') });

    let now = new Date();
    const runner = new RetentionRunner(ts.store, retentionPolicies({ trash: 30, junk: 0 }), createLogger({ level: 'silent' }), () => now);
    const subjects = async (id: string) => Promise.all((await ts.store.mail.getMessages(id, (await ts.store.mail.listMessageIndex(id)).map((m) => m.uid)))
      .map(async (m) => /Subject: (\w+)/.exec((await ts.store.blobs.get(m.blobId)).toString())![1]));
    const count = async (id: string) => (await ts.store.mail.listMessageIndex(id)).length;

    expect((await runner.runOnce()).expunged).toBe(0);
    expect(await count(trash.id)).toBe(1);

    // Twenty days later another message is trashed; ten days after that only the first is due.
    now = new Date(now.getTime() + 20 * DAY);
    await appendRawMessage(ts.store, trash.id, raw('recent'));
    expect((await runner.runOnce()).expunged).toBe(0);
    now = new Date(now.getTime() + 10 * DAY + 60_000);
    const pass = await runner.runOnce();
    expect(pass.expunged).toBe(1);
    expect(await subjects(trash.id)).toEqual(['recent']);
    expect(await count(junk.id)).toBe(1);
    expect(await count(inbox.id)).toBe(1);
    now = new Date(now.getTime() + 21 * DAY);
    expect((await runner.runOnce()).expunged).toBe(1);
    expect(await count(trash.id)).toBe(0);

    const audit = await ts.store.audit.query({ action: 'retention.expunge' });
    expect(audit.map((e) => [e.actor, e.target, e.unit, e.details.folder, e.details.messages])).toEqual([
      ['system', 'jeanne@ecole.example', 'college-a', 'Trash', 1], ['system', 'jeanne@ecole.example', 'college-a', 'Trash', 1],
    ]);
    // Quota follows: the expunged bytes are released.
    expect((await ts.store.accounts.getUser(user.id))!.usedBytes).toBe(raw('spam').length + raw('keep').length);
  });
});
