import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Db } from './db.js';
import { lazyTx, WalSync } from './wal-sync.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-walsync-'));
  db = openDatabase(path.join(dir, 'facteur.db'));
  db.exec('CREATE TABLE t (x INTEGER)');
});
afterEach(() => {
  vi.restoreAllMocks();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function spyDatasync() {
  const probe = await open(path.join(dir, 'facteur.db'), 'r');
  const spy = vi.spyOn(Object.getPrototypeOf(probe), 'datasync');
  await probe.close();
  return spy;
}

describe('lazyTx', () => {
  it('commits, then puts back synchronous=FULL and automatic checkpoints, even when the work throws', () => {
    lazyTx(db, () => db.prepare('INSERT INTO t VALUES (1)').run());
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(() => lazyTx(db, () => { throw new Error('boom'); })).toThrow('boom');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
  });

  it('is lazy from the first transaction of a connection, and does not wait for the lock when told not to', () => {
    expect(lazyTx(db, () => db.pragma('synchronous', { simple: true }))).toBe(0);
    expect(lazyTx(db, () => db.pragma('wal_autocheckpoint', { simple: true }))).toBe(0);
    expect(lazyTx(db, () => db.pragma('busy_timeout', { simple: true }), { wait: false })).toBe(0);
    expect(lazyTx(db, () => db.pragma('busy_timeout', { simple: true }))).toBe(10000);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(10000);
  });
});

describe('WalSync', () => {
  it('makes a commit wait for an fsync that started after it, shared by everyone waiting', async () => {
    const datasync = await spyDatasync();
    const sync = new WalSync(db);
    lazyTx(db, () => db.prepare('INSERT INTO t VALUES (1)').run());
    const first = sync.sync();
    // Committed while the first fsync may already be running: it needs another one...
    lazyTx(db, () => db.prepare('INSERT INTO t VALUES (2)').run());
    const second = [sync.sync(), sync.sync(), sync.sync()];
    await Promise.all([first, ...second]);
    // ...and the three callers share it.
    expect(datasync).toHaveBeenCalledTimes(2);
    await sync.sync();
    expect(datasync).toHaveBeenCalledTimes(3);
    await sync.close();
  });

  it('checkpoints, synced, once enough lazy commits piled up', async () => {
    const sync = new WalSync(db);
    for (let i = 0; i < 300; i++) {
      lazyTx(db, () => db.prepare('INSERT INTO t VALUES (?)').run(i));
      sync.committed();
    }
    const spy = vi.spyOn(db, 'pragma');
    await sync.sync();
    expect(spy.mock.calls.some(([p]) => p === 'wal_checkpoint(PASSIVE)')).toBe(true);
    spy.mockRestore();
    await sync.close();
  });
});
