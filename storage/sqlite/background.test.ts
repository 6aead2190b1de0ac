// The store's background thread (background.ts, background-thread.ts): append commits,
// full-text indexing and WAL checkpoints on another connection, the main connection's group
// commit when that connection holds the write lock, close() in the middle of indexing, and the
// fall back when it dies.
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OverQuota, Unavailable } from '../../core/errors.js';
import type { AppendInput, Mailbox, SearchText, Store } from '../types.js';
import { Background } from './background.js';
import { openDatabase, type Db } from './db.js';
import { FtsIndexer } from './fts-index.js';
import { openSqliteStore } from './index.js';
import { GroupCommit } from './mail-batch.js';
import type { SqliteMail } from './mail.js';
import { lazyTx, WalSync } from './wal-sync.js';

let dir: string;
let file: string;
const cleanups: (() => unknown)[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'facteur-background-'));
  file = path.join(dir, 'facteur.db');
});

afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of cleanups.splice(0).reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function openStore(): Promise<Store> {
  const store = await openSqliteStore({ dataDir: dir });
  cleanups.push(() => store.close());
  return store;
}

const fts = (store: Store) => (store.mail as SqliteMail).fts;

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Files of the test's data dir this process holds open (Linux). */
function openFiles(): string[] {
  const fds = '/proc/self/fd';
  const out: string[] = [];
  for (const fd of readdirSync(fds)) {
    try {
      const target = readlinkSync(path.join(fds, fd));
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

function newestText(): number {
  const probe = new Database(file, { readonly: true });
  try {
    return (probe.prepare('SELECT max(id) FROM mail_texts').pluck().get() as number | null) ?? 0;
  } finally {
    probe.close();
  }
}

/** Nothing indexes until the test says so. */
const paused = { alive: true, kick: () => undefined };

let n = 0;
async function append(store: Store, box: Mailbox, search: Partial<SearchText>): Promise<number> {
  n += 1;
  const raw = Buffer.from(`Subject: m${n}\r\nMessage-ID: <${n}@t>\r\n\r\nbody ${n}\r\n`);
  const r = await store.mail.appendMessage(box.id, {
    raw,
    summary: { n },
    search: { subject: '', from: '', to: '', cc: '', bcc: '', body: '', ...search },
    threading: { messageId: null, references: [] },
  });
  return r.uid;
}

async function mailbox(store: Store): Promise<Mailbox> {
  await store.accounts.addDomain('ecole.example');
  const u = await store.accounts.createUser({ address: 'alice@ecole.example', displayName: 'alice', passwordHash: null, quotaBytes: 0, role: 'user', unit: null, enabled: true });
  return store.mail.createMailbox(u.id, 'INBOX');
}

const WORDS = ['conseil', 'cantine', 'musée', 'bulletin', 'sortie'];

describe('background indexing', () => {
  it('finds the same messages before and after the background thread indexed them, and the main thread indexes nothing', async () => {
    const store = await openStore();
    const box = await mailbox(store);
    fts(store).useBackground(paused);
    for (let i = 0; i < 40; i++) await append(store, box, { subject: `${WORDS[i % 5]} ${i}`, body: `texte ${WORDS[(i + 2) % 5]} numéro ${i}` });
    const expected = (word: string) => Array.from({ length: 40 }, (_, i) => i + 1).filter((uid) => WORDS[(uid - 1) % 5] === word || WORDS[(uid + 1) % 5] === word);
    fts(store).scanLimit = 0;
    const searchAll = async () => Promise.all(['conseil', 'musee', 'sortie'].map((w) => store.mail.searchText(box.id, [{ field: 'text', value: w }])));
    expect(fts(store).watermark()).toBe(0);
    const before = await searchAll();
    expect(before).toEqual([expected('conseil'), expected('musée'), expected('sortie')]);

    const onMain = vi.spyOn(FtsIndexer.prototype, 'indexPending');
    const background = new Background(file, (error) => { throw error; });
    cleanups.push(() => background.stop());
    fts(store).useBackground(background);
    fts(store).kick();
    const newest = newestText();
    await until('the index', () => fts(store).watermark() === newest);
    expect(await searchAll()).toEqual(before);
    expect(await store.mail.searchText(box.id, [{ field: 'body', value: 'numero 17' }])).toEqual([18]);
    expect(onMain).not.toHaveBeenCalled();
  });

  it('close() in the middle of indexing leaves no file open, and the next open finishes the index', async () => {
    let store = await openStore();
    const box = await mailbox(store);
    const background = fts(store).offThread;
    expect(background).toBeInstanceOf(Background);
    fts(store).useBackground(paused);
    await append(store, box, { subject: 'premier', body: 'le tout premier message' });
    // Many documents to index (text of no message: the indexer takes them all the same).
    const other = new Database(file);
    const insert = other.prepare('INSERT INTO mail_texts (blob_id, refcount, subject, "from", "to", cc, bcc, body) VALUES (?, 1, ?, \'\', \'\', \'\', \'\', ?)');
    const body = 'lorem ipsum dolor sit amet '.repeat(80);
    other.transaction(() => { for (let i = 0; i < 3000; i++) insert.run(`doc${i}`, `document ${i}`, `${body} ${i}`); })();
    other.close();
    const newest = newestText();

    // The store's own thread, started by an append.
    fts(store).useBackground(background);
    await append(store, box, { subject: 'second', body: 'kick' });
    await until('indexing to start', () => fts(store).watermark() > 0);
    await store.close();
    const reached = (() => {
      const probe = new Database(file, { readonly: true });
      try {
        return probe.prepare("SELECT value FROM counters WHERE name = 'mail_fts_indexed'").pluck().get() as number;
      } finally {
        probe.close();
      }
    })();
    expect(reached).toBeLessThan(newest);
    expect(openFiles()).toEqual([]);

    store = await openStore();
    await append(store, box, { subject: 'troisième', body: 'after reopening' });
    const last = newestText();
    await until('the index', () => fts(store).watermark() === last);
    fts(store).scanLimit = 0;
    expect(await store.mail.searchText(box.id, [{ field: 'body', value: 'tout premier' }])).toEqual([1]);
    expect(await store.mail.searchText(box.id, [{ field: 'text', value: 'troisieme' }])).toEqual([3]);
    const check = new Database(file);
    try {
      // Throws SQLITE_CORRUPT_VTAB if mail_fts disagrees with mail_texts.
      check.exec("INSERT INTO mail_fts (mail_fts, rank) VALUES ('integrity-check', 1)");
    } finally {
      check.close();
    }
  });

  it('falls back to indexing on the main thread, with one warning, when the thread dies', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const store = await openStore();
    const box = await mailbox(store);
    await append(store, box, { subject: 'avant', body: 'premier' });
    const background = fts(store).offThread as Background;
    await until('the thread', () => background.running);
    await background.thread()?.terminate();
    await until('the fall back', () => fts(store).offThread === null);
    expect(warn).toHaveBeenCalledTimes(1);
    const onMain = vi.spyOn(FtsIndexer.prototype, 'indexPending');
    await append(store, box, { subject: 'après', body: 'second' });
    const newest = newestText();
    await until('the index', () => fts(store).watermark() === newest);
    expect(onMain).toHaveBeenCalled();
    fts(store).scanLimit = 0;
    expect(await store.mail.searchText(box.id, [{ field: 'subject', value: 'apres' }])).toEqual([2]);
  });

  it('reports a thread that cannot start', async () => {
    const failed = new Promise<unknown>((resolve) => {
      const background = new Background(path.join(dir, 'no', 'such', 'dir', 'x.db'), resolve);
      background.kick();
      cleanups.push(() => background.stop());
    });
    expect(await failed).toBeInstanceOf(Error);
  });
});

describe('main connection beside the background thread', () => {
  let db: Db;
  let walSync: WalSync;
  beforeEach(() => {
    db = openDatabase(file);
    db.exec('CREATE TABLE t (x INTEGER)');
    walSync = new WalSync(db);
    cleanups.push(() => db.close(), () => walSync.close());
  });

  it('group commit retries while another connection holds the write lock, without blocking the event loop', async () => {
    const batch = new GroupCommit(db, walSync);
    const insert = db.prepare('INSERT INTO t VALUES (?) RETURNING x').pluck();
    const other = new Database(file);
    cleanups.push(() => other.close());
    other.exec('BEGIN IMMEDIATE');
    let settled = false;
    const appends = Promise.all([1, 2, 3].map((x) => batch.run(() => insert.get(x))));
    void appends.finally(() => { settled = true; });
    const start = Date.now();
    await new Promise((r) => setTimeout(r, 200));
    // Blocked inside SQLite, the timer would have fired only after busy_timeout (10 s).
    expect(Date.now() - start).toBeLessThan(3000);
    expect(settled).toBe(false);
    other.exec('COMMIT');
    expect(await appends).toEqual([1, 2, 3]);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(3);
    // The connection waits for locks again, as other writers expect.
    expect(db.pragma('busy_timeout', { simple: true })).toBe(10000);
  });

  it('group commit gives up after busy_timeout, as a wait in SQLite would', async () => {
    const batch = new GroupCommit(db, walSync, 200, 3, 100);
    const other = new Database(file);
    cleanups.push(() => other.close());
    other.exec('BEGIN IMMEDIATE');
    await expect(batch.run(() => db.prepare('INSERT INTO t VALUES (1)').run())).rejects.toThrow(Unavailable);
    other.exec('ROLLBACK');
    await batch.run(() => db.prepare('INSERT INTO t VALUES (2)').run());
    expect(db.prepare('SELECT x FROM t').pluck().all()).toEqual([2]);
  });

  it('checkpoints on the background thread, not the main one', async () => {
    const background = new Background(file, (error) => { throw error; });
    cleanups.push(() => background.stop());
    walSync.checkpointer = background;
    background.kick();
    await until('the thread', () => background.running);
    const pragma = vi.spyOn(db, 'pragma');
    for (let i = 0; i < 300; i++) {
      lazyTx(db, () => db.prepare('INSERT INTO t VALUES (?)').run(i));
      walSync.committed();
    }
    await walSync.sync();
    await until('a checkpoint', () => background.checkpoints > 0);
    expect(pragma.mock.calls.some(([p]) => String(p).startsWith('wal_checkpoint'))).toBe(false);
  });
});

describe('appends committed on the background thread', () => {
  const NO_TEXT: SearchText = { subject: '', from: '', to: '', cc: '', bcc: '', body: '' };
  const plain = (text: string): AppendInput => ({ raw: Buffer.from(text), summary: null, search: NO_TEXT, threading: { messageId: null, references: [] } });

  async function running(store: Store, box: Mailbox): Promise<Background> {
    await append(store, box, { subject: 'démarre' });
    const background = fts(store).offThread as Background;
    await until('the thread', () => background.running);
    return background;
  }

  it('commits there, not on the main connection, with the same results', async () => {
    const store = await openStore();
    const box = await mailbox(store);
    const background = await running(store, box);
    const local = vi.spyOn(GroupCommit.prototype, 'run');
    const remote = vi.spyOn(background, 'append');
    const raws = Array.from({ length: 60 }, (_, i) => Buffer.from(`Subject: s${i}\r\nMessage-ID: <t${i}@t>\r\n\r\n${'é'.repeat(i)}\r\n`));
    const big = Buffer.alloc(70 * 1024, 'x'); // above the inline limit: a file, not sent to the thread
    const results = await Promise.all([...raws, big].map((raw, i) => store.mail.appendMessage(box.id, {
      raw, flags: i === 0 ? ['\\Seen'] : [], summary: { i }, search: NO_TEXT, threading: { messageId: `<t${i}@t>`, references: i > 0 ? ['<t0@t>'] : [] },
    })));
    expect(local).not.toHaveBeenCalled();
    expect(remote).toHaveBeenCalledTimes(61);
    expect(new Set(results.map((r) => r.uid)).size).toBe(61);
    expect(new Set(results.map((r) => r.threadId))).toEqual(new Set([results[0].threadId]));
    const stored = await store.mail.getMessages(box.id, results.map((r) => r.uid));
    expect(stored.map((m) => m.uid).sort((a, b) => a - b)).toEqual(results.map((r) => r.uid).sort((a, b) => a - b));
    for (const [i, raw] of [...raws, big].entries()) {
      const m = stored.find((s) => s.uid === results[i].uid)!;
      expect((await store.blobs.get(m.blobId)).equals(raw)).toBe(true);
      expect(m.summary).toEqual({ i });
    }
    const status = await store.mail.mailboxStatus(box.id);
    expect(status.messages).toBe(62);
    expect(status.unseen).toBe(61);
  });

  it('brings back the typed error of a commit that fails there (over quota between check and commit)', async () => {
    const store = await openStore();
    const box = await mailbox(store);
    await running(store, box);
    const user = (await store.accounts.getUserByAddress('alice@ecole.example'))!;
    const used = (await store.accounts.getUser(user.id))!.usedBytes;
    await store.accounts.updateUser(user.id, { quotaBytes: used + 1500 });
    const raw = Buffer.alloc(1000, 'a');
    const outcomes = await Promise.allSettled([1, 2].map(() => store.mail.appendMessage(box.id, { ...plain(''), raw })));
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const error = (outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(OverQuota);
    expect(error).toMatchObject({ quotaBytes: used + 1500, usedBytes: used + 1000 });
    expect((await store.mail.mailboxStatus(box.id)).messages).toBe(2);
  });

  it('answers every append taken before close() and keeps them all', async () => {
    const store = await openSqliteStore({ dataDir: dir });
    const box = await mailbox(store);
    await running(store, box);
    const pending = Array.from({ length: 40 }, (_, i) => store.mail.appendMessage(box.id, plain(`Subject: c${i}\r\n\r\nx\r\n`)));
    await new Promise((r) => setImmediate(r));
    const closing = store.close();
    const results = await Promise.all(pending);
    await closing;
    const again = await openStore();
    expect((await again.mail.getMessages(box.id, results.map((r) => r.uid))).length).toBe(40);
  });

  it('fails the appends the thread never answered, then commits on the main connection', async () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const store = await openStore();
    const box = await mailbox(store);
    const background = await running(store, box);
    const before = (await store.mail.listMessageIndex(box.id)).map((e) => e.uid);
    // Another connection holds the write lock: the thread takes the appends and cannot commit
    // them (its group commit waits for the lock), so none can be answered before it ends.
    const other = new Database(file);
    cleanups.push(() => other.close());
    other.exec('BEGIN IMMEDIATE');
    const inFlight = Array.from({ length: 20 }, (_, i) => store.mail.appendMessage(box.id, plain(`Subject: d${i}\r\n\r\nx\r\n`)));
    await new Promise((r) => setTimeout(r, 200));
    await background.thread()?.terminate();
    const outcomes = await Promise.allSettled(inFlight);
    expect(outcomes.map((o) => (o.status === 'rejected' && o.reason instanceof Unavailable ? 'unavailable' : o.status))).toEqual(Array(20).fill('unavailable'));
    other.exec('ROLLBACK');
    await until('the fall back', () => fts(store).offThread === null);
    const after = await store.mail.appendMessage(box.id, plain('Subject: après\r\n\r\nx\r\n'));
    // Nothing of what was refused was committed; the store goes on without the thread.
    expect((await store.mail.listMessageIndex(box.id)).map((e) => e.uid)).toEqual([...before, after.uid]);
  });
});
