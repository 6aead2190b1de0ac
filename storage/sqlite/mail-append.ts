// appendMessage: the raw bytes are hashed and written (and fsync'd) first, outside any
// transaction; then one small transaction (append-commit.ts) takes the UID and MODSEQ, charges
// the quota and inserts the record, on the store's background thread once it runs, else here.
import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { Invalid, NotFound } from '../../core/errors.js';
import type { AppendInput, AppendResult } from '../types.js';
import { AppendCommitter, inlineBytes, overQuota, type AppendRecord } from './append-commit.js';
import type { Background } from './background.js';
import type { SqliteContext } from './index.js';
import { blobPins, unlinkReleased } from './mail-blob-pins.js';
import { hasFlag, normalizeFlags } from './mail-flags.js';
import type { MailFts } from './mail-fts.js';

function toRecord(mailboxId: string, blobId: string, input: AppendInput): AppendRecord {
  if (!Buffer.isBuffer(input?.raw) || input.raw.length === 0) throw new Invalid('message must be a non-empty Buffer', 'raw');
  const flags = normalizeFlags(input.flags);
  const internalDate = input.internalDate === undefined ? Date.now() : input.internalDate.getTime();
  if (!Number.isFinite(internalDate)) throw new Invalid('invalid internal date', 'internalDate');
  return {
    mailboxId,
    blobId,
    size: input.raw.length,
    raw: inlineBytes(input.raw),
    flags: JSON.stringify(flags),
    seen: hasFlag(flags, '\\Seen') ? 1 : 0,
    deleted: hasFlag(flags, '\\Deleted') ? 1 : 0,
    internalDate,
    summary: JSON.stringify(input.summary ?? null),
    threading: input.threading,
    search: input.search,
  };
}

export class Appender {
  private readonly local: AppendCommitter;
  private readonly precheck: Statement;
  /** The store's background thread, while it runs (set by the store). */
  private background: Background | null = null;

  constructor(private readonly ctx: SqliteContext, private readonly fts: MailFts) {
    this.local = new AppendCommitter(ctx);
    this.precheck = ctx.db.prepare('SELECT u.quota_bytes AS quota, u.used_bytes AS used FROM mailboxes m JOIN users u ON u.id = m.user_id WHERE m.id = ?');
  }

  useBackground(background: Background | null): void {
    this.background = background;
  }

  async append(mailboxId: string, input: AppendInput): Promise<AppendResult> {
    const raw = input?.raw;
    const record = toRecord(mailboxId, Buffer.isBuffer(raw) ? createHash('sha256').update(raw).digest('hex') : '', input);
    // Refuse early what cannot fit, before paying for a durable write (the transaction checks again).
    const pre = this.precheck.get(mailboxId) as { quota: number; used: number } | undefined;
    if (!pre) throw new NotFound(`no mailbox ${mailboxId}`);
    if (pre.quota > 0 && pre.used + record.size > pre.quota) throw overQuota(pre.quota, pre.used, record.size);

    const { blobId } = record;
    const pins = blobPins(this.ctx);
    pins.pin(blobId);
    let committed = false;
    const joined = this.local.hold();
    try {
      await this.ctx.blobs.write(raw, blobId);
      const remote = this.background?.running ? this.background : null;
      const commit = remote ? remote.append(record) : this.local.commit(record);
      joined();
      const result = await commit;
      committed = true;
      await this.ctx.blobs.ensurePresent(blobId, raw);
      this.ctx.changes.notify();
      // The thread schedules indexing of what it commits itself; a commit made here tells it
      // (and starts it, the first time).
      if (!remote) this.fts.kick();
      return result;
    } finally {
      joined();
      pins.unpin(blobId);
      // Nothing references a blob written for a failed append: leave nothing behind.
      if (!committed) unlinkReleased(this.ctx, [blobId]);
    }
  }
}
