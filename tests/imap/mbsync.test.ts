// Debian's isync (mbsync) against the server: a mailbox of a few hundred varied messages
// synced to a Maildir whole, then changes on both sides (flags, deletions, new
// messages) synced again with nothing lost or duplicated, and a third run that changes nothing.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRawMessage } from '../../core/index.js';
import type { Mailbox } from '../../storage/index.js';
import { corpusMessage } from './corpus.js';
import { PASSWORD, startHarness, type Harness } from './harness.js';

const run = promisify(execFile);
const COUNT = 240;
const haveMbsync = existsSync('/usr/bin/mbsync');

let h: Harness;
let user: string;
let box: Mailbox;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  user = await h.user('mbsync');
  const id = (await h.store.accounts.getUserByAddress(user))!.id;
  box = await h.store.mail.createMailbox(id, 'Sync');
  for (let i = 0; i < COUNT; i++) await appendRawMessage(h.store, box.id, corpusMessage(i), { flags: i % 7 === 0 ? ['\\Seen'] : [] });
  dir = path.join(h.dataDir, '..', 'mbsync');
  mkdirSync(path.join(dir, 'mail'), { recursive: true });
  writeFileSync(path.join(dir, 'mbsyncrc'), [
    'IMAPAccount srv', 'Host 127.0.0.1', `Port ${h.ports.imap}`, `User ${user}`, `Pass "${PASSWORD}"`, 'SSLType None', 'AuthMechs LOGIN', '',
    'IMAPStore remote', 'Account srv', '',
    'MaildirStore local', `Path ${dir}/mail/`, `Inbox ${dir}/mail/INBOX`, 'SubFolders Verbatim', '',
    'Channel sync', 'Far :remote:', 'Near :local:', 'Patterns Sync', 'Create Both', 'Expunge Both', 'SyncState *', '',
  ].join('\n'));
});
afterAll(async () => {
  await h?.stop();
});

async function mbsync(): Promise<string> {
  const { stdout, stderr } = await run('mbsync', ['-c', path.join(dir, 'mbsyncrc'), '-a'], { env: { ...process.env, HOME: dir }, timeout: 60_000 });
  return stdout + stderr;
}

interface LocalMessage { file: string; flags: string; raw: Buffer }

function local(): LocalMessage[] {
  const out: LocalMessage[] = [];
  for (const sub of ['cur', 'new']) {
    const d = path.join(dir, 'mail', 'Sync', sub);
    for (const f of readdirSync(d)) out.push({ file: path.join(d, f), flags: /:2,([A-Z]*)$/.exec(f)?.[1] ?? '', raw: readFileSync(path.join(d, f)) });
  }
  return out;
}

/** Maildir files are in the local line-end convention (mbsync writes LF where the server has
 *  CRLF), and mbsync marks the messages it copies with its own X-TUID header line. */
const lf = (raw: Buffer) => raw.toString('latin1').replace(/\r\n/g, '\n').replace(/^X-TUID: .*\n/m, '');
const messageId = (raw: Buffer) => /^Message-ID: (<[^>]+>)/im.exec(raw.toString('latin1'))?.[1] ?? '';

async function server(): Promise<{ ids: string[]; flags: Map<string, string[]>; raws: Map<string, Buffer> }> {
  const index = await h.store.mail.listMessageIndex(box.id);
  const records = await h.store.mail.getMessages(box.id, index.map((e) => e.uid));
  const ids: string[] = [];
  const flags = new Map<string, string[]>();
  const raws = new Map<string, Buffer>();
  for (const r of records) {
    const raw = await h.store.blobs.get(r.blobId);
    const id = messageId(raw);
    ids.push(id);
    flags.set(id, r.flags);
    raws.set(id, raw);
  }
  return { ids, flags, raws };
}

describe.skipIf(!haveMbsync)('mbsync (isync) two-way sync', () => {
  it('pulls every message whole (line ends aside), with its flags', async () => {
    await mbsync();
    const mails = local();
    expect(mails).toHaveLength(COUNT);
    const originals = new Map(Array.from({ length: COUNT }, (_, i) => [messageId(corpusMessage(i)), corpusMessage(i)]));
    for (const m of mails) {
      const id = messageId(m.raw);
      expect(lf(m.raw), `message ${id} differs`).toBe(lf(originals.get(id)!));
      const i = Number(/m(\d+)@/.exec(id)![1]);
      expect(m.flags.includes('S'), id).toBe(i % 7 === 0);
    }
    expect(new Set(mails.map((m) => messageId(m.raw))).size).toBe(COUNT);
  });

  it('syncs changes made on both sides, then a further run changes nothing', async () => {
    const byId = (id: string) => local().find((m) => messageId(m.raw) === id)!;
    const idOf = (i: number) => messageId(corpusMessage(i));
    // On the server: flag message 1, expunge message 2, a new message arrives.
    await h.store.mail.updateFlags(box.id, [2], 'add', ['\\Flagged']);
    await h.store.mail.expunge(box.id, { uids: [3], onlyDeleted: false });
    await appendRawMessage(h.store, box.id, corpusMessage(COUNT));
    // In the Maildir: message 3 read, message 4 deleted, a new message written.
    const three = byId(idOf(3));
    renameSync(three.file, `${three.file.replace(/:2,[A-Z]*$/, '')}:2,S`);
    rmSync(byId(idOf(4)).file);
    const fresh = corpusMessage(COUNT + 1);
    writeFileSync(path.join(dir, 'mail', 'Sync', 'new', `1732800000.local${COUNT + 1}.host`), fresh);

    await mbsync();

    const mails = local();
    const s = await server();
    const expected = new Set(Array.from({ length: COUNT + 2 }, (_, i) => idOf(i)).filter((id) => id !== idOf(2) && id !== idOf(4)));
    expect(new Set(mails.map((m) => messageId(m.raw)))).toEqual(expected);
    expect(mails).toHaveLength(expected.size);
    expect(new Set(s.ids)).toEqual(expected);
    expect(s.ids).toHaveLength(expected.size);
    expect(s.flags.get(idOf(3))).toContain('\\Seen');
    expect(byId(idOf(1)).flags).toContain('F');
    expect(lf(byId(idOf(COUNT)).raw)).toBe(lf(corpusMessage(COUNT)));
    // The uploaded message keeps its body; mbsync may only add its own X-TUID header line.
    const uploaded = s.raws.get(idOf(COUNT + 1))!;
    expect(lf(uploaded)).toBe(lf(fresh));
    expect(uploaded.toString('latin1')).not.toMatch(/[^\r]\n/); // stored with CRLF, as IMAP requires

    const before = local().map((m) => path.basename(m.file)).sort();
    await mbsync();
    expect(local().map((m) => path.basename(m.file)).sort()).toEqual(before);
    expect((await server()).ids).toHaveLength(expected.size);
  });
});
