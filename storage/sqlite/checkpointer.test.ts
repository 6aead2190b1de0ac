// The checkpoint thread: checkpoints asked for run there, on a connection of its own, and
// stop() closes that connection.
import { mkdtempSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { ThreadCheckpointer } from './checkpointer.js';
import { openDatabase, type Db } from './db.js';
import { lazyTx } from './wal-sync.js';

let dir: string;
let db: Db;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'facteur-checkpointer-'));
  db = openDatabase(path.join(dir, 'facteur.db'));
  db.exec('CREATE TABLE t (n INTEGER, pad TEXT)');
});

afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function openFiles(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(path.join('/proc/self/fd', fd));
      return target.startsWith(dir) ? [target] : [];
    } catch {
      return [];
    }
  });
}

it('runs the checkpoints asked for on its own connection, and closes it when stopped', async () => {
  const checkpointer = new ThreadCheckpointer(db.name);
  for (let i = 0; i < 200; i++) lazyTx(db, () => db.prepare('INSERT INTO t VALUES (?, ?)').run(i, 'x'.repeat(2000)));
  const before = statSync(db.name).size;
  const pragma = vi.spyOn(db, 'pragma');
  const deadline = Date.now() + 15_000;
  while (!checkpointer.checkpoint()) {
    if (Date.now() > deadline) throw new Error('the checkpoint thread never started');
    await new Promise((r) => setTimeout(r, 10));
  }
  while (checkpointer.checkpoints === 0) {
    if (Date.now() > deadline) throw new Error('no checkpoint ran');
    await new Promise((r) => setTimeout(r, 10));
  }
  // The rows reached the database file, and not through this connection.
  expect(statSync(db.name).size).toBeGreaterThan(before + 200 * 2000);
  expect(pragma).not.toHaveBeenCalled();
  await checkpointer.stop();
  expect(checkpointer.alive).toBe(false);
  expect(checkpointer.checkpoint()).toBe(false);
  // SQLite keeps a closed connection's file open while another connection of the process
  // holds locks on it (POSIX locks belong to the process): once ours closes too, nothing is.
  db.close();
  expect(openFiles()).toEqual([]);
});

it('lets the WAL start over while commits go on (it would otherwise grow by every commit)', async () => {
  const checkpointer = new ThreadCheckpointer(db.name);
  const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
  let written = 0;
  const commit = () => {
    lazyTx(db, () => insert.run(written, 'x'.repeat(4000)));
    written += 4000;
  };
  const deadline = Date.now() + 20_000;
  const wait = async (what: string, ready: () => boolean) => {
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(what);
      commit();
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  // The file keeps the largest size it reached (its blocks are written over again): once a
  // checkpoint has caught up, what comes after is written from its start, not at its end.
  let first = 0;
  let writtenAfterFirst = 0;
  for (let round = 0; round < 6; round++) {
    const before = written;
    for (let i = 0; i < 100; i++) commit();
    await wait('the checkpoint thread never started', () => checkpointer.checkpoint());
    const target = checkpointer.checkpoints + 1;
    // Commits go on while it runs, as they do under load.
    await wait('no checkpoint ran', () => checkpointer.checkpoints >= target);
    if (round === 0) first = statSync(`${db.name}-wal`).size;
    else writtenAfterFirst += written - before;
  }
  expect(statSync(`${db.name}-wal`).size).toBeLessThan(first + writtenAfterFirst / 2);
  await checkpointer.stop();
});
