// The transaction half of an append: takes the UID and MODSEQ from the mailbox row, charges the
// quota, links the thread, references the blob and its text, inserts the record and the change
// row. Concurrent appends share a commit (GroupCommit) and each resolves once that commit is on
// disk. It runs on the store's background thread when that thread is up (background-thread.ts),
// so that the main thread, which serves every session, never waits on the WAL; on the main
// connection otherwise (mail-append.ts). Everything it is given is plain data (an AppendRecord),
// so that it crosses to the thread unchanged.
import { NotFound, OverQuota } from '../../core/errors.js';
import type { AppendInput, AppendResult, SearchText } from '../types.js';
import type { Statement } from 'better-sqlite3';
import type { FileBlobs } from './blobs.js';
import { INLINE_MAX_BYTES } from './blobs.js';
import type { SqliteChanges } from './changes.js';
import { newId, type Db } from './db.js';
import { GroupCommit } from './mail-batch.js';
import { MailTexts } from './mail-texts.js';
import { ThreadLinks } from './mail-threads.js';
import type { WalSync } from './wal-sync.js';

/** One append, validated and with its blob durably written (or inline, in `raw`). */
export interface AppendRecord {
  mailboxId: string;
  blobId: string;
  size: number;
  /** The bytes, when they are stored inline in the database (at most INLINE_MAX_BYTES). */
  raw: Uint8Array | null;
  /** JSON array of the normalized flags. */
  flags: string;
  seen: 0 | 1;
  deleted: 0 | 1;
  internalDate: number;
  /** JSON of the summary (or null). */
  summary: string;
  threading?: AppendInput['threading'];
  search?: SearchText;
}

export function overQuota(quota: number, used: number, adding: number): OverQuota {
  return new OverQuota(`quota exceeded: ${used} + ${adding} bytes > ${quota}`, quota, used);
}

/** The bytes a record carries into the transaction: only small blobs travel, and only their
 *  own bytes. A Buffer is often a view of a larger ArrayBuffer (a socket read, Node's pool),
 *  and structured clone copies the whole ArrayBuffer: 30 µs a message instead of 5 when it
 *  crosses to the background thread. */
export function inlineBytes(raw: Buffer): Uint8Array | null {
  if (raw.length > INLINE_MAX_BYTES) return null;
  return raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : new Uint8Array(raw);
}

export interface CommitContext {
  db: Db;
  walSync: WalSync;
  blobs: Pick<FileBlobs, 'incRef'>;
  changes: Pick<SqliteChanges, 'record'>;
}

export class AppendCommitter {
  private readonly batch: GroupCommit;
  private readonly threads: ThreadLinks;
  private readonly texts: MailTexts;
  private readonly s: Record<'bump' | 'charge' | 'insert', Statement>;

  constructor(private readonly ctx: CommitContext) {
    const { db } = ctx;
    this.batch = new GroupCommit(db, ctx.walSync);
    this.threads = new ThreadLinks(db);
    this.texts = new MailTexts(db);
    this.s = {
      // The one atomic increment UIDs and MODSEQs come from (RETURNING gives the new values).
      bump: db.prepare(`UPDATE mailboxes SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1,
          message_count = message_count + 1, unseen_count = unseen_count + ?, deleted_count = deleted_count + ?,
          size_bytes = size_bytes + ?
        WHERE id = ? RETURNING user_id, uid_next - 1 AS uid, highest_modseq AS modseq, uid_validity`),
      charge: db.prepare('UPDATE users SET used_bytes = used_bytes + ? WHERE id = ? RETURNING quota_bytes AS quota, used_bytes AS used'),
      insert: db.prepare(`INSERT INTO messages (mailbox_id, uid, modseq, flags, seen, deleted, internal_date, size,
          email_id, thread_id, blob_id, text_id, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    };
  }

  /** Announces a commit() to come (GroupCommit.hold). */
  hold(): () => void {
    return this.batch.hold();
  }

  /** Resolves once the record is committed and on disk. */
  commit(record: AppendRecord): Promise<AppendResult> {
    return this.batch.run(() => this.store(record));
  }

  /** Inside the (shared) transaction, in its own savepoint. */
  private store(r: AppendRecord): AppendResult {
    const mb = this.s.bump.get(1 - r.seen, r.deleted, r.size, r.mailboxId) as { user_id: string; uid: number; modseq: number; uid_validity: number } | undefined;
    if (!mb) throw new NotFound(`no mailbox ${r.mailboxId}`);
    const user = this.s.charge.get(r.size, mb.user_id) as { quota: number; used: number };
    if (user.quota > 0 && user.used > user.quota) throw overQuota(user.quota, user.used - r.size, r.size);
    const threadId = this.threads.assign(mb.user_id, r.threading);
    const textId = this.texts.addRef(r.blobId, r.search);
    this.ctx.blobs.incRef(r.blobId, r.size, 1, r.raw ?? undefined);
    const emailId = newId();
    const info = this.s.insert.run(r.mailboxId, mb.uid, mb.modseq, r.flags, r.seen, r.deleted, r.internalDate, r.size,
      emailId, threadId, r.blobId, textId, r.summary);
    this.ctx.changes.record({ kind: 'message.append', userId: mb.user_id, mailboxId: r.mailboxId, uids: [mb.uid], modseq: mb.modseq });
    return { id: String(info.lastInsertRowid), uid: mb.uid, uidValidity: mb.uid_validity, modseq: mb.modseq, emailId, threadId };
  }
}
