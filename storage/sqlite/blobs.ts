// Content-addressed blobs (SHA-256 of the exact bytes; DKIM and S/MIME must verify after a
// round trip), deduplicated and reference-counted in the `blobs` table.
// - Large blobs are files, <dataDir>/blobs/ab/cd/<sha256>: written to a temporary name,
//   fsync'd, renamed into place and their folder fsync'd, all before the metadata that
//   references them commits; so a crash leaves at worst an unreferenced file, which
//   collectGarbage() removes after a grace period.
// - Blobs up to INLINE_MAX_BYTES live in the database (`blob_data`), written in the same
//   transaction as the record that references them: one WAL fsync covers a whole group
//   commit instead of three fsyncs per message, and nothing can be half-written. SQLite
//   reads and writes blobs of this size faster than separate files do.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp, readdirSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { NotFound } from '../../core/errors.js';
import type { BlobStore } from '../types.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';

/** Most mail is smaller than this; above it, a file avoids bloating the database. */
export const INLINE_MAX_BYTES = 64 * 1024;

export class FileBlobs implements BlobStore {
  readonly root: string;
  private readonly tmpDir: string;
  /** Folders known to exist: saves a mkdir round trip per write. */
  private readonly madeDirs = new Set<string>();
  private readonly s: Record<'referenced' | 'incRef' | 'decRef' | 'drop' | 'exists' | 'putData' | 'getData' | 'dropData', Statement>;

  constructor(private readonly db: Db, dataDir: string) {
    this.root = path.join(dataDir, 'blobs');
    this.tmpDir = path.join(this.root, 'tmp');
    this.s = {
      referenced: db.prepare('SELECT 1 FROM blobs WHERE id = ? AND refcount > 0'),
      incRef: db.prepare(`INSERT INTO blobs (id, size, refcount) VALUES (?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET refcount = refcount + excluded.refcount`),
      decRef: db.prepare('UPDATE blobs SET refcount = refcount - ? WHERE id = ? RETURNING refcount'),
      drop: db.prepare('DELETE FROM blobs WHERE id = ? AND refcount <= 0'),
      exists: db.prepare('SELECT 1 FROM blobs WHERE id = ?'),
      putData: db.prepare('INSERT OR IGNORE INTO blob_data (id, data) VALUES (?, ?)'),
      getData: db.prepare('SELECT data FROM blob_data WHERE id = ?').pluck(),
      dropData: db.prepare('DELETE FROM blob_data WHERE id = ?'),
    };
  }

  async init(): Promise<void> {
    await fsp.mkdir(this.tmpDir, { recursive: true });
  }

  pathOf(id: string): string {
    return path.join(this.root, id.slice(0, 2), id.slice(2, 4), id);
  }

  /** Writes the bytes durably (or finds them already there). Call before the transaction
   *  that takes a reference with incRef(). */
  async write(raw: Buffer, knownId?: string): Promise<{ id: string; size: number }> {
    // `knownId`: the caller already hashed these bytes (an append needs the id before writing).
    const id = knownId ?? createHash('sha256').update(raw).digest('hex');
    if (raw.length <= INLINE_MAX_BYTES) return { id, size: raw.length }; // stored by incRef, in the transaction
    const final = this.pathOf(id);
    // A committed reference means the file was complete and durable before that commit.
    if (this.s.referenced.get(id) && (await exists(final))) return { id, size: raw.length };
    const dir = path.dirname(final);
    if (!this.madeDirs.has(dir)) {
      await fsp.mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const tmp = path.join(this.tmpDir, `${id}.${randomBytes(6).toString('hex')}`);
    const fh = await fsp.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(raw);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, final);
    await fsyncDir(dir);
    return { id, size: raw.length };
  }

  /** Inside a write transaction: `count` more records reference this blob. `raw` is needed
   *  when the blob may be new (an append), not when an existing reference is copied. */
  incRef(id: string, size: number, count = 1, raw?: Uint8Array): void {
    this.s.incRef.run(id, size, count);
    if (raw && size <= INLINE_MAX_BYTES) this.s.putData.run(id, raw);
  }

  /** Inside a write transaction: one record fewer. Returns the ids now unreferenced, to be
   *  passed to unlinkUnreferenced() after the commit. */
  decRef(id: string, count = 1): boolean {
    const row = this.s.decRef.get(count, id) as { refcount: number } | undefined;
    if (row && row.refcount <= 0) {
      this.s.drop.run(id);
      this.s.dropData.run(id);
      return true;
    }
    return false;
  }

  /** After a commit: removes the files of blobs that are still unreferenced. The check and
   *  the unlink are synchronous, so no append in this process can slip between them. */
  unlinkUnreferenced(ids: Iterable<string>): void {
    for (const id of ids) {
      if (this.s.exists.get(id)) continue;
      try { unlinkSync(this.pathOf(id)); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; }
    }
  }

  /** After the commit of a record referencing `id`: a concurrent expunge in another process
   *  may have removed the file between write() and our commit; put it back if so. */
  async ensurePresent(id: string, raw: Buffer): Promise<void> {
    if (raw.length <= INLINE_MAX_BYTES) return;
    if (!(await exists(this.pathOf(id)))) await this.write(raw);
  }

  async get(id: string): Promise<Buffer> {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new NotFound(`no blob ${id}`);
    const inline = this.s.getData.get(id) as Buffer | undefined;
    if (inline) return inline;
    try {
      return await fsp.readFile(this.pathOf(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFound(`no blob ${id}`);
      throw err;
    }
  }

  async has(id: string): Promise<boolean> {
    if (!/^[0-9a-f]{64}$/.test(id)) return false;
    return this.s.getData.get(id) !== undefined || exists(this.pathOf(id));
  }

  /** Removes files no row references, older than graceMs; returns how many. */
  collectGarbage(graceMs: number): number {
    const cutoff = Date.now() - graceMs;
    const referenced = this.s.referenced;
    let removed = 0;
    for (const a of safeReaddir(this.root)) {
      const dirA = path.join(this.root, a);
      if (a === 'tmp') {
        for (const f of safeReaddir(dirA)) removed += removeIfOld(path.join(dirA, f), cutoff);
        continue;
      }
      for (const b of safeReaddir(dirA)) {
        const dirB = path.join(dirA, b);
        for (const id of safeReaddir(dirB)) {
          if (referenced.get(id)) continue;
          removed += removeIfOld(path.join(dirB, id), cutoff);
        }
      }
    }
    return removed;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

function safeReaddir(dir: string): string[] {
  try { return readdirSync(dir); } catch { return []; }
}

function removeIfOld(file: string, cutoff: number): number {
  try {
    if (statSync(file).mtimeMs > cutoff) return 0;
    unlinkSync(file);
    return 1;
  } catch {
    return 0;
  }
}
