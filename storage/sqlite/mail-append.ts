// appendMessage: the raw bytes are written and fsync'd first (outside any transaction), then
// one small transaction takes the UID and MODSEQ from the mailbox row, charges the quota,
// indexes the text and inserts the record. Concurrent appends share a commit (GroupCommit).
import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { Invalid, NotFound, OverQuota } from '../../core/errors.js';
import type { AppendInput, AppendResult } from '../types.js';
import { newId } from './db.js';
import type { SqliteContext } from './index.js';
import { GroupCommit } from './mail-batch.js';
import { blobPins, unlinkReleased } from './mail-blob-pins.js';
import { hasFlag, normalizeFlags } from './mail-flags.js';
import type { MailFts } from './mail-fts.js';
import type { MailTexts } from './mail-texts.js';
import { ThreadLinks } from './mail-threads.js';

interface Prepared {
  flags: string;
  seen: number;
  deleted: number;
  internalDate: number;
  summary: string;
}

function prepare(input: AppendInput): Prepared {
  if (!Buffer.isBuffer(input?.raw) || input.raw.length === 0) throw new Invalid('message must be a non-empty Buffer', 'raw');
  const flags = normalizeFlags(input.flags);
  const internalDate = input.internalDate === undefined ? Date.now() : input.internalDate.getTime();
  if (!Number.isFinite(internalDate)) throw new Invalid('invalid internal date', 'internalDate');
  return {
    flags: JSON.stringify(flags),
    seen: hasFlag(flags, '\\Seen') ? 1 : 0,
    deleted: hasFlag(flags, '\\Deleted') ? 1 : 0,
    internalDate,
    summary: JSON.stringify(input.summary ?? null),
  };
}

export function overQuota(quota: number, used: number, adding: number): OverQuota {
  return new OverQuota(`quota exceeded: ${used} + ${adding} bytes > ${quota}`, quota, used);
}

export class Appender {
  private readonly batch: GroupCommit;
  private readonly threads: ThreadLinks;
  private readonly s: Record<string, Statement>;

  constructor(private readonly ctx: SqliteContext, private readonly texts: MailTexts, private readonly fts: MailFts) {
    const { db } = ctx;
    this.batch = new GroupCommit(db, ctx.walSync);
    this.threads = new ThreadLinks(db);
    this.s = {
      precheck: db.prepare('SELECT u.quota_bytes AS quota, u.used_bytes AS used FROM mailboxes m JOIN users u ON u.id = m.user_id WHERE m.id = ?'),
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

  async append(mailboxId: string, input: AppendInput): Promise<AppendResult> {
    const p = prepare(input);
    const raw = input.raw;
    // Refuse early what cannot fit, before paying for a durable write (the transaction checks again).
    const pre = this.s.precheck.get(mailboxId) as { quota: number; used: number } | undefined;
    if (!pre) throw new NotFound(`no mailbox ${mailboxId}`);
    if (pre.quota > 0 && pre.used + raw.length > pre.quota) throw overQuota(pre.quota, pre.used, raw.length);

    const pins = blobPins(this.ctx);
    const blobId = createHash('sha256').update(raw).digest('hex');
    pins.pin(blobId);
    let committed = false;
    const joined = this.batch.hold();
    try {
      await this.ctx.blobs.write(raw, blobId);
      const commit = this.batch.run(() => this.store(mailboxId, blobId, raw.length, input, p));
      joined();
      const result = await commit;
      committed = true;
      await this.ctx.blobs.ensurePresent(blobId, raw);
      this.ctx.changes.notify();
      this.fts.kick();
      return result;
    } finally {
      joined();
      pins.unpin(blobId);
      // Nothing references a blob written for a failed append: leave nothing behind.
      if (!committed) unlinkReleased(this.ctx, [blobId]);
    }
  }

  /** Inside the (shared) transaction, in its own savepoint. */
  private store(mailboxId: string, blobId: string, size: number, input: AppendInput, p: Prepared): AppendResult {
    const mb = this.s.bump.get(1 - p.seen, p.deleted, size, mailboxId) as { user_id: string; uid: number; modseq: number; uid_validity: number } | undefined;
    if (!mb) throw new NotFound(`no mailbox ${mailboxId}`);
    const user = this.s.charge.get(size, mb.user_id) as { quota: number; used: number };
    if (user.quota > 0 && user.used > user.quota) throw overQuota(user.quota, user.used - size, size);
    const threadId = this.threads.assign(mb.user_id, input.threading);
    const textId = this.texts.addRef(blobId, input.search);
    this.ctx.blobs.incRef(blobId, size, 1, input.raw);
    const emailId = newId();
    const info = this.s.insert.run(mailboxId, mb.uid, mb.modseq, p.flags, p.seen, p.deleted, p.internalDate, size,
      emailId, threadId, blobId, textId, p.summary);
    this.ctx.changes.record({ kind: 'message.append', userId: mb.user_id, mailboxId, uids: [mb.uid], modseq: mb.modseq });
    return { id: String(info.lastInsertRowid), uid: mb.uid, uidValidity: mb.uid_validity, modseq: mb.modseq, emailId, threadId };
  }
}
