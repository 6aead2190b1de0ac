// What the SQLite mail store does beyond the shared conformance suite: group commit with
// per-call failures, blob pinning, the two search paths, text documents shared by copies,
// mailbox counters, UIDVALIDITY, renames, threading.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlreadyExists, Invalid, NotFound, OverQuota } from '../../core/errors.js';
import type { AppendInput, Id, Mailbox, SearchText, Store, TextCriterion, User } from '../types.js';
import { INLINE_MAX_BYTES } from './blobs.js';
import { openSqliteStore } from './index.js';
import type { SqliteMail } from './mail.js';

let dir: string;
let store: Store;
let peek: Database.Database;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'facteur-mail-'));
  store = await openSqliteStore({ dataDir: dir });
  peek = new Database(path.join(dir, 'facteur.db'), { readonly: true });
});

afterEach(async () => {
  peek.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;

async function user(local = 'alice', quotaBytes = 0): Promise<User> {
  if (!(await store.accounts.getDomain('ecole.example'))) await store.accounts.addDomain('ecole.example');
  return store.accounts.createUser({ address: `${local}@ecole.example`, displayName: local, passwordHash: null, quotaBytes, role: 'user', unit: null, enabled: true });
}

function input(opts: { raw?: Buffer; size?: number; flags?: string[]; search?: Partial<SearchText>; messageId?: string; references?: string[] } = {}): AppendInput {
  n += 1;
  let raw = opts.raw ?? Buffer.from(`Subject: m${n}\r\nMessage-ID: <${n}@t>\r\n\r\nbody ${n}\r\n`);
  if (opts.size !== undefined) raw = Buffer.concat([raw, Buffer.alloc(opts.size - raw.length, 'x')]);
  return {
    raw,
    flags: opts.flags,
    summary: { n },
    search: { subject: '', from: '', to: '', cc: '', bcc: '', body: '', ...opts.search },
    threading: { messageId: opts.messageId ?? null, references: opts.references ?? [] },
  };
}

function blobFile(id: string): string {
  return path.join(dir, 'blobs', id.slice(0, 2), id.slice(2, 4), id);
}

function count(sql: string, ...params: unknown[]): number {
  return peek.prepare(sql).pluck().get(...params) as number;
}

describe('appends sharing a commit', () => {
  it('fail alone: at quota, exactly the appends that fit are stored, with contiguous UIDs', async () => {
    const u = await user('alice', 10 * 1000);
    const box = await store.mail.createMailbox(u.id, 'INBOX');
    const outcomes = await Promise.allSettled(Array.from({ length: 25 }, () => store.mail.appendMessage(box.id, input({ size: 1000 }))));
    const ok = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value);
    const failed = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason);
    expect(ok).toHaveLength(10);
    expect(failed.every((e) => e instanceof OverQuota)).toBe(true);
    // A refused append inside a shared transaction rolls back to its savepoint: it takes no UID.
    expect(ok.map((r) => r.uid).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await store.accounts.getUser(u.id))?.usedBytes).toBe(10_000);
    expect((await store.mail.mailboxStatus(box.id)).messages).toBe(10);
    expect(count('SELECT COUNT(*) FROM blobs')).toBe(10);
    expect(count('SELECT COUNT(*) FROM mail_texts')).toBe(10);
  });

  it('leave no file behind for refused messages', async () => {
    // Above INLINE_MAX_BYTES, so that they are files (small blobs commit with their record).
    const u = await user('alice', 150_000);
    const box = await store.mail.createMailbox(u.id, 'INBOX');
    const inputs = [input({ size: 100_000 }), input({ size: 100_000 })];
    const outcomes = await Promise.allSettled(inputs.map((i) => store.mail.appendMessage(box.id, i)));
    const refused = outcomes.findIndex((o) => o.status === 'rejected');
    expect(refused).toBeGreaterThanOrEqual(0);
    const { createHash } = await import('node:crypto');
    const id = (raw: Buffer) => createHash('sha256').update(raw).digest('hex');
    expect(existsSync(blobFile(id(inputs[refused].raw)))).toBe(false);
    expect(existsSync(blobFile(id(inputs[1 - refused].raw)))).toBe(true);
  });

  it('give 100 concurrent appends increasing UIDs and MODSEQs in commit order', async () => {
    const u = await user();
    const box = await store.mail.createMailbox(u.id, 'INBOX');
    const results = await Promise.all(Array.from({ length: 100 }, () => store.mail.appendMessage(box.id, input())));
    const byUid = [...results].sort((a, b) => a.uid - b.uid);
    expect(byUid.map((r) => r.uid)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    for (let i = 1; i < byUid.length; i++) expect(byUid[i].modseq).toBeGreaterThan(byUid[i - 1].modseq);
    const status = await store.mail.mailboxStatus(box.id);
    expect(status.uidNext).toBe(101);
    expect(status.highestModseq).toBe(byUid[99].modseq);
  });
});

describe('blobs', () => {
  it('an append in flight keeps its blob file when an expunge drops the last other reference', async () => {
    const u = await user();
    const box = await store.mail.createMailbox(u.id, 'INBOX');
    const raw = Buffer.from(`Subject: same bytes\r\n\r\n${'hello\r\n'.repeat(20_000)}`); // a file, not inline
    const first = await store.mail.appendMessage(box.id, input({ raw }));
    const [record] = await store.mail.getMessages(box.id, [first.uid]);
    const second = store.mail.appendMessage(box.id, input({ raw }));
    await store.mail.expunge(box.id, { uids: [first.uid], onlyDeleted: false });
    // The second append has not committed yet; without the pin the file would be gone now.
    expect(existsSync(blobFile(record.blobId))).toBe(true);
    const done = await second;
    expect((await store.blobs.get(record.blobId)).equals(raw)).toBe(true);
    expect((await store.mail.getMessages(box.id, [done.uid]))[0].blobId).toBe(record.blobId);
  });

  it('keeps small blobs in the database and large ones as files', async () => {
    const u = await user();
    const box = await store.mail.createMailbox(u.id, 'INBOX');
    const small = Buffer.from('Subject: small\r\n\r\nhello\r\n');
    const large = Buffer.from(`Subject: large\r\n\r\n${'x'.repeat(INLINE_MAX_BYTES)}\r\n`);
    const a = await store.mail.appendMessage(box.id, input({ raw: small }));
    const b = await store.mail.appendMessage(box.id, input({ raw: large }));
    const [ra, rb] = await store.mail.getMessages(box.id, [a.uid, b.uid]);
    expect(existsSync(blobFile(ra.blobId))).toBe(false);
    expect(count('SELECT COUNT(*) FROM blob_data WHERE id = ?', ra.blobId)).toBe(1);
    expect(existsSync(blobFile(rb.blobId))).toBe(true);
    expect(count('SELECT COUNT(*) FROM blob_data WHERE id = ?', rb.blobId)).toBe(0);
    expect((await store.blobs.get(ra.blobId)).equals(small)).toBe(true);
    await store.mail.expunge(box.id, { uids: [a.uid], onlyDeleted: false });
    expect(count('SELECT COUNT(*) FROM blob_data WHERE id = ?', ra.blobId)).toBe(0);
    expect(await store.blobs.has(ra.blobId)).toBe(false);
  });
});

describe('text search', () => {
  const corpus: Partial<SearchText>[] = [
    { subject: 'Conseil de classe', from: 'Proviseur <proviseur@lycee.example>', body: 'Réunion jeudi, salle 12. Prix : 50% [réduit]' },
    { subject: 'Cantine', from: 'Émile <emile@mairie.example>', cc: 'parents@lycee.example', body: 'Menu : gratin, crème brûlée' },
    { subject: 'Sortie au musée', from: 'Bob <bob@ailleurs.example>', bcc: 'secret@lycee.example', body: 'Rendez-vous a*b devant le musée, dit "oui"' },
  ];
  const cases: [TextCriterion[], number[]][] = [
    [[{ field: 'subject', value: 'CONSEIL' }], [1]],
    [[{ field: 'body', value: 'creme brulee' }], [2]],
    [[{ field: 'body', value: 'reunion' }], [1]],
    [[{ field: 'body', value: '50% [reduit]' }], [1]],
    [[{ field: 'body', value: 'a*b' }], [3]],
    [[{ field: 'body', value: 'a?b' }], []],
    [[{ field: 'text', value: 'dit "oui"' }], [3]],
    [[{ field: 'body', value: '"oui' }], [3]],
    [[{ field: 'from', value: 'bob"' }], []],
    [[{ field: 'body', value: 'r*u' }], []],
    [[{ field: 'text', value: 'lycee.example' }], [1, 2, 3]],
    [[{ field: 'from', value: 'lycee.example' }], [1]],
    [[{ field: 'text', value: 'musee' }, { field: 'from', value: 'bob' }], [3]],
    [[{ field: 'text', value: 'musee' }, { field: 'from', value: 'bob', negate: true }], []],
    [[{ field: 'subject', value: 'ti', negate: true }], [1]],
    [[{ field: 'body', value: '12' }], [1]],
    [[{ field: 'subject', value: '' }], [1, 2, 3]],
  ];

  async function load(): Promise<Mailbox> {
    const u = await user();
    const box = await store.mail.createMailbox(u.id, 'INBOX');
    for (const search of corpus) await store.mail.appendMessage(box.id, input({ search }));
    return box;
  }

  function checkIndex(): void {
    const db = new Database(path.join(dir, 'facteur.db'));
    try {
      // Throws SQLITE_CORRUPT_VTAB if mail_fts disagrees with mail_texts (rank 1: compare
      // with the external content too).
      db.exec("INSERT INTO mail_fts (mail_fts, rank) VALUES ('integrity-check', 1)");
    } finally {
      db.close();
    }
  }

  it('scanning, the trigram index and the scan of documents not yet indexed agree', async () => {
    const fts = (store.mail as SqliteMail).fts;
    // Indexed here, step by step: neither the background thread nor the idle pass may run.
    fts.useBackground({ alive: true, kick: () => undefined });
    const box = await load();
    const check = async (mode: string) => {
      for (const [criteria, expected] of cases) {
        expect(await store.mail.searchText(box.id, criteria), `${JSON.stringify(criteria)} ${mode}`).toEqual(expected);
      }
    };
    fts.scanLimit = Number.MAX_SAFE_INTEGER;
    await check('scan');
    fts.scanLimit = 0;
    await check('nothing indexed');
    expect(fts.indexPending(2)).toBe(2);
    await check('partly indexed');
    expect(fts.indexPending()).toBe(1);
    expect(count('SELECT value FROM counters WHERE name = ?', 'mail_fts_indexed')).toBe(3);
    await check('all indexed');
    checkIndex();
  });

  it('indexes in the background once appends pause', async () => {
    const box = await load();
    const indexed = () => count("SELECT COALESCE((SELECT value FROM counters WHERE name = 'mail_fts_indexed'), 0)");
    const deadline = Date.now() + 5000;
    while (indexed() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(indexed()).toBe(3);
    (store.mail as SqliteMail).fts.scanLimit = 0;
    expect(await store.mail.searchText(box.id, [{ field: 'body', value: 'gratin' }])).toEqual([2]);
  });

  it('copies share one text document, searchable until the last copy goes', async () => {
    const box = await load();
    const other = await store.mail.createMailbox(box.userId, 'Archive');
    await store.mail.copyMessages(box.id, [3], other.id);
    expect(count('SELECT COUNT(*) FROM mail_texts')).toBe(3);
    const fts = (store.mail as SqliteMail).fts;
    fts.indexPending();
    await store.mail.expunge(box.id, { onlyDeleted: false });
    checkIndex();
    fts.scanLimit = 0;
    expect(await store.mail.searchText(other.id, [{ field: 'body', value: 'rendez' }])).toEqual([1]);
    expect(count('SELECT COUNT(*) FROM mail_texts')).toBe(1);
    await store.mail.deleteMailbox(other.id);
    checkIndex();
    expect(count('SELECT COUNT(*) FROM mail_texts')).toBe(0);
    expect(await store.mail.searchText(box.id, [{ field: 'body', value: 'rendez' }])).toEqual([]);
  });

  it('refuses an unknown field and an unknown mailbox', async () => {
    const box = await load();
    await expect(store.mail.searchText(box.id, [{ field: 'date' as never, value: 'x' }])).rejects.toThrow(Invalid);
    await expect(store.mail.searchText('nope', [])).rejects.toThrow(NotFound);
  });
});

describe('whole-mailbox reads', () => {
  it('read a SELECT index and a SORT by date from the covering modseq index, not the rows', async () => {
    const u = await user();
    const box = await store.mail.createMailbox(u.id, 'INBOX');
    await store.mail.appendMessage(box.id, input());
    await store.mail.listMessageIndexColumns(box.id);
    expect((await store.mail.listSortKeys(box.id, null, ['date']))).toHaveLength(1);
    const columns = (store.mail as unknown as { columns: { index: Database.Statement; sortStatements: Map<string, Database.Statement> } }).columns;
    const sources = [columns.index, ...columns.sortStatements.values()].map((statement) => statement.source);
    expect(sources).toHaveLength(2);
    for (const sql of sources) {
      const plan = (peek.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(box.id) as { detail: string }[]).map((r) => r.detail).join(' | ');
      expect(plan).toContain('COVERING INDEX messages_modseq');
    }
  });
});

describe('mailboxes', () => {
  it('spells INBOX canonically, also as a parent', async () => {
    const u = await user();
    const inbox = await store.mail.createMailbox(u.id, 'inbox');
    const child = await store.mail.createMailbox(u.id, 'Inbox/Classes');
    expect([inbox.name, child.name]).toEqual(['INBOX', 'INBOX/Classes']);
    expect((await store.mail.findMailbox(u.id, 'INBOX'))?.id).toBe(inbox.id);
    await expect(store.mail.createMailbox(u.id, 'INBOX')).rejects.toThrow(AlreadyExists);
    for (const bad of ['', '/a', 'a/', 'a//b', 'a\nb']) await expect(store.mail.createMailbox(u.id, bad), bad).rejects.toThrow(Invalid);
  });

  it('issues increasing UIDVALIDITY values even within one second and across a reopen', async () => {
    const u = await user();
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const box = await store.mail.createMailbox(u.id, 'Drafts');
      seen.push(box.uidValidity);
      await store.mail.deleteMailbox(box.id);
    }
    await store.close();
    store = await openSqliteStore({ dataDir: dir });
    seen.push((await store.mail.createMailbox(u.id, 'Drafts')).uidValidity);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
    expect(seen[0]).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 60);
  });

  it('renames children but not look-alike siblings, and refuses a clash without renaming anything', async () => {
    const u = await user();
    const a = await store.mail.createMailbox(u.id, 'a');
    await store.mail.createMailbox(u.id, 'a/b');
    await store.mail.createMailbox(u.id, 'a/b/c');
    await store.mail.createMailbox(u.id, 'ab');
    await store.mail.createMailbox(u.id, 'x/b');
    await expect(store.mail.renameMailbox(a.id, 'x')).rejects.toThrow(AlreadyExists);
    expect((await store.mail.listMailboxes(u.id)).map((m) => m.name)).toEqual(['a', 'a/b', 'a/b/c', 'ab', 'x/b']);
    const renamed = await store.mail.renameMailbox(a.id, 'z');
    expect(renamed.uidValidity).toBe(a.uidValidity);
    expect((await store.mail.listMailboxes(u.id)).map((m) => m.name)).toEqual(['ab', 'x/b', 'z', 'z/b', 'z/b/c']);
    await expect(store.mail.renameMailbox(a.id, 'z/b/d')).rejects.toThrow(Invalid);
    const inbox = await store.mail.createMailbox(u.id, 'INBOX');
    await expect(store.mail.renameMailbox(inbox.id, 'Old')).rejects.toThrow(Invalid);
  });

  it('keeps STATUS counters equal to a recount through appends, flags, copies, moves and expunges', async () => {
    const u = await user();
    const inbox = await store.mail.createMailbox(u.id, 'INBOX');
    const trash = await store.mail.createMailbox(u.id, 'Trash');
    for (const flags of [[], ['\\Seen'], ['\\Deleted'], ['\\Seen', '\\Deleted'], []]) {
      await store.mail.appendMessage(inbox.id, input({ flags, size: 100 + flags.length }));
    }
    await store.mail.updateFlags(inbox.id, [1, 2], 'add', ['\\Seen']);
    await store.mail.updateFlags(inbox.id, [3, 4], 'remove', ['\\Deleted', '\\Seen']);
    await store.mail.copyMessages(inbox.id, [1, 2, 3], trash.id);
    await store.mail.moveMessages(inbox.id, [4], trash.id);
    await store.mail.updateFlags(trash.id, [1], 'set', ['\\Deleted']);
    await store.mail.expunge(trash.id, { onlyDeleted: true });
    for (const box of [inbox, trash]) {
      const index = await store.mail.listMessageIndex(box.id);
      const status = await store.mail.mailboxStatus(box.id);
      expect(status).toMatchObject({
        messages: index.length,
        unseen: index.filter((m) => !m.flags.includes('\\Seen')).length,
        deleted: index.filter((m) => m.flags.includes('\\Deleted')).length,
        sizeBytes: index.reduce((s, m) => s + m.size, 0),
      });
    }
    const all = [...await store.mail.listMessageIndex(inbox.id), ...await store.mail.listMessageIndex(trash.id)];
    expect((await store.accounts.getUser(u.id))?.usedBytes).toBe(all.reduce((s, m) => s + m.size, 0));
  });
});

describe('flags', () => {
  it('stores flags normalised and gives one new MODSEQ to the messages that change', async () => {
    const u = await user();
    const box = await store.mail.createMailbox(u.id, 'INBOX');
    await store.mail.appendMessage(box.id, input({ flags: ['\\seen', 'Work'] }));
    await store.mail.appendMessage(box.id, input());
    const before = (await store.mail.mailboxStatus(box.id)).highestModseq;
    const result = await store.mail.updateFlags(box.id, [1, 2, 99], 'add', ['work', '\\Seen']);
    expect(result.updated).toEqual([{ uid: 2, modseq: before + 1, flags: ['\\Seen', 'work'] }]);
    expect((await store.mail.listMessageIndex(box.id))[0].flags).toEqual(['\\Seen', 'Work']);
    await expect(store.mail.updateFlags(box.id, [1], 'add', ['\\Bogus'])).rejects.toThrow(Invalid);
  });
});

describe('threading', () => {
  it('joins replies stored before their parent, keeps unrelated messages apart, and is per user', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const a = await store.mail.createMailbox(alice.id, 'INBOX');
    const b = await store.mail.createMailbox(bob.id, 'INBOX');
    const reply = await store.mail.appendMessage(a.id, input({ messageId: '<r1@x>', references: ['<p@x>'] }));
    const parent = await store.mail.appendMessage(a.id, input({ messageId: 'p@x' }));
    const sibling = await store.mail.appendMessage(a.id, input({ messageId: 'r2@x', references: ['p@x'] }));
    const unrelated = await store.mail.appendMessage(a.id, input({ messageId: 'u@x', references: ['elsewhere@x'] }));
    const bobsCopy = await store.mail.appendMessage(b.id, input({ messageId: 'p@x' }));
    expect(parent.threadId).toBe(reply.threadId);
    expect(sibling.threadId).toBe(reply.threadId);
    expect(unrelated.threadId).not.toBe(reply.threadId);
    expect(bobsCopy.threadId).not.toBe(reply.threadId);
    expect(new Set([reply.emailId, parent.emailId, sibling.emailId]).size).toBe(3);
  });
});

describe('ids', () => {
  it('finds messages by id and never by a malformed or stale one', async () => {
    const u = await user();
    const box = await store.mail.createMailbox(u.id, 'INBOX');
    const r = await store.mail.appendMessage(box.id, input());
    expect((await store.mail.getMessageById(r.id))?.uid).toBe(r.uid);
    await store.mail.expunge(box.id, { onlyDeleted: false });
    const again = await store.mail.appendMessage(box.id, input());
    expect(again.id).not.toBe(r.id);
    for (const id of [r.id, 'abc', '', '0', '1.5']) expect(await store.mail.getMessageById(id as Id)).toBeNull();
  });
});
