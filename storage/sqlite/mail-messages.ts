// Changes to stored messages: flags (with CONDSTORE's UNCHANGEDSINCE), expunge (leaving
// tombstones for QRESYNC), copy and move. Each is one write transaction; every change takes
// a new MODSEQ from the mailbox row.
import type { Statement } from 'better-sqlite3';
import { Invalid, NotFound } from '../../core/errors.js';
import type { CopyResult, ExpungeResult, FlagOperation, FlagUpdateResult } from '../types.js';
import { writeTx } from './db.js';
import type { SqliteContext } from './index.js';
import { overQuota } from './append-commit.js';
import { unlinkReleased } from './mail-blob-pins.js';
import { mapStoreErrors } from './mail-errors.js';
import { applyFlags, hasFlag, normalizeFlags, sameFlags } from './mail-flags.js';
import type { MailTexts } from './mail-texts.js';
import { uidList, type MailboxRow, type MessageRow } from './mail-rows.js';

type Row = Pick<MessageRow, 'id' | 'uid' | 'modseq' | 'flags' | 'seen' | 'deleted' | 'internal_date' | 'size' | 'email_id' | 'thread_id' | 'blob_id' | 'text_id' | 'summary'>;

const COLUMNS = 'id, uid, modseq, flags, seen, deleted, internal_date, size, email_id, thread_id, blob_id, text_id, summary';

function checkUids(uids: readonly number[]): string {
  if (!Array.isArray(uids)) throw new Invalid('uids must be an array', 'uids');
  return uidList(uids);
}

function countBy<K>(rows: readonly Row[], key: (r: Row) => K): Map<K, number> {
  const m = new Map<K, number>();
  for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
  return m;
}

export class MessageOps {
  private readonly s: Record<string, Statement>;

  constructor(private readonly ctx: SqliteContext, private readonly texts: MailTexts) {
    const { db } = ctx;
    this.s = {
      mailbox: db.prepare('SELECT * FROM mailboxes WHERE id = ?'),
      byUids: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE mailbox_id = @mailbox AND uid IN (SELECT value FROM json_each(@uids)) AND (@onlyDeleted = 0 OR deleted = 1) ORDER BY uid`),
      all: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE mailbox_id = @mailbox AND (@onlyDeleted = 0 OR deleted = 1) ORDER BY uid`),
      bumpFlags: db.prepare(`UPDATE mailboxes SET highest_modseq = highest_modseq + 1, unseen_count = unseen_count + ?,
        deleted_count = deleted_count + ? WHERE id = ? RETURNING highest_modseq`).pluck(),
      setFlags: db.prepare('UPDATE messages SET flags = ?, seen = ?, deleted = ?, modseq = ? WHERE id = ?'),
      bumpRemove: db.prepare(`UPDATE mailboxes SET highest_modseq = highest_modseq + 1, message_count = message_count - ?,
        unseen_count = unseen_count - ?, deleted_count = deleted_count - ?, size_bytes = size_bytes - ?
        WHERE id = ? RETURNING highest_modseq`).pluck(),
      remove: db.prepare('DELETE FROM messages WHERE id = ?'),
      tombstone: db.prepare('INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)'),
      bumpAdd: db.prepare(`UPDATE mailboxes SET uid_next = uid_next + @n, highest_modseq = highest_modseq + 1,
        message_count = message_count + @n, unseen_count = unseen_count + @unseen, deleted_count = deleted_count + @deleted,
        size_bytes = size_bytes + @bytes WHERE id = @id RETURNING uid_next - @n AS first, highest_modseq AS modseq`),
      insertCopy: db.prepare(`INSERT INTO messages (mailbox_id, uid, modseq, flags, seen, deleted, internal_date, size,
        email_id, thread_id, blob_id, text_id, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      charge: db.prepare('UPDATE users SET used_bytes = used_bytes + ? WHERE id = ? RETURNING quota_bytes AS quota, used_bytes AS used'),
      expunged: db.prepare('SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid').pluck(),
    };
  }

  private mailbox(id: string): MailboxRow {
    const r = this.s.mailbox.get(id) as MailboxRow | undefined;
    if (!r) throw new NotFound(`no mailbox ${id}`);
    return r;
  }

  async updateFlags(mailboxId: string, uids: number[], op: FlagOperation, flags: string[], options: { unchangedSince?: number } = {}): Promise<FlagUpdateResult> {
    if (op !== 'add' && op !== 'remove' && op !== 'set') throw new Invalid(`unknown flag operation ${String(op)}`, 'op');
    const requested = normalizeFlags(flags);
    const list = checkUids(uids);
    const { unchangedSince } = options;
    const result = mapStoreErrors(() => writeTx(this.ctx.db, () => {
      const mb = this.mailbox(mailboxId);
      const out: FlagUpdateResult = { updated: [], modified: [] };
      const changed: { row: Row; next: string[] }[] = [];
      for (const row of this.s.byUids.all({ mailbox: mailboxId, uids: list, onlyDeleted: 0 }) as Row[]) {
        // RFC 7162 §3.1.3: a message changed after UNCHANGEDSINCE is left alone and reported.
        if (unchangedSince !== undefined && row.modseq > unchangedSince) { out.modified.push(row.uid); continue; }
        const next = applyFlags(JSON.parse(row.flags) as string[], op, requested);
        if (!sameFlags(next, JSON.parse(row.flags) as string[])) changed.push({ row, next });
      }
      if (changed.length === 0) return out;
      let dUnseen = 0;
      let dDeleted = 0;
      for (const { row, next } of changed) {
        dUnseen += (hasFlag(next, '\\Seen') ? 0 : 1) - (1 - row.seen);
        dDeleted += (hasFlag(next, '\\Deleted') ? 1 : 0) - row.deleted;
      }
      const modseq = this.s.bumpFlags.get(dUnseen, dDeleted, mailboxId) as number;
      for (const { row, next } of changed) {
        this.s.setFlags.run(JSON.stringify(next), hasFlag(next, '\\Seen') ? 1 : 0, hasFlag(next, '\\Deleted') ? 1 : 0, modseq, row.id);
        out.updated.push({ uid: row.uid, modseq, flags: next });
      }
      this.ctx.changes.record({ kind: 'message.flags', userId: mb.user_id, mailboxId, uids: out.updated.map((u) => u.uid), modseq });
      return out;
    }));
    if (result.updated.length > 0) this.ctx.changes.notify();
    return result;
  }

  async expunge(mailboxId: string, options: { uids?: number[]; onlyDeleted: boolean }): Promise<ExpungeResult> {
    const list = options.uids === undefined ? null : checkUids(options.uids);
    const onlyDeleted = options.onlyDeleted ? 1 : 0;
    const { result, released } = mapStoreErrors(() => writeTx(this.ctx.db, () => {
      const mb = this.mailbox(mailboxId);
      const rows = (list === null ? this.s.all.all({ mailbox: mailboxId, onlyDeleted }) : this.s.byUids.all({ mailbox: mailboxId, uids: list, onlyDeleted })) as Row[];
      if (rows.length === 0) return { result: { uids: [], modseq: mb.highest_modseq }, released: [] };
      return this.removeRows(mb, rows, true);
    }));
    if (result.uids.length > 0) {
      unlinkReleased(this.ctx, released);
      this.ctx.changes.notify();
    }
    return result;
  }

  async listExpunged(mailboxId: string, sinceModseq: number): Promise<number[]> {
    this.mailbox(mailboxId);
    return this.s.expunged.all(mailboxId, sinceModseq) as number[];
  }

  async copy(fromId: string, uids: number[], toId: string): Promise<CopyResult> {
    const list = checkUids(uids);
    const result = mapStoreErrors(() => writeTx(this.ctx.db, () => {
      this.mailbox(fromId);
      const to = this.mailbox(toId);
      const rows = this.s.byUids.all({ mailbox: fromId, uids: list, onlyDeleted: 0 }) as Row[];
      return this.copyRows(to, rows, true);
    }));
    if (result.mapping.length > 0) this.ctx.changes.notify();
    return result;
  }

  async move(fromId: string, uids: number[], toId: string): Promise<CopyResult & { expunged: ExpungeResult }> {
    const list = checkUids(uids);
    const { result, released } = mapStoreErrors(() => writeTx(this.ctx.db, () => {
      const from = this.mailbox(fromId);
      const to = this.mailbox(toId);
      const rows = this.s.byUids.all({ mailbox: fromId, uids: list, onlyDeleted: 0 }) as Row[];
      if (rows.length === 0) return { result: { uidValidity: to.uid_validity, mapping: [], expunged: { uids: [], modseq: from.highest_modseq } }, released: [] };
      // Within one user the bytes only change mailbox: no quota check, no charge.
      const crossUser = from.user_id !== to.user_id;
      const copied = this.copyRows(to, rows, crossUser);
      const removed = this.removeRows(this.mailbox(fromId), rows, crossUser);
      return { result: { ...copied, expunged: removed.result }, released: removed.released };
    }));
    if (result.mapping.length > 0) {
      unlinkReleased(this.ctx, released);
      this.ctx.changes.notify();
    }
    return result;
  }

  /** Inside a transaction: copies `rows` into `to` in UID order, one new MODSEQ for all. */
  private copyRows(to: MailboxRow, rows: readonly Row[], charge: boolean): CopyResult {
    if (rows.length === 0) return { uidValidity: to.uid_validity, mapping: [] };
    const bytes = rows.reduce((n, r) => n + r.size, 0);
    if (charge) {
      const user = this.s.charge.get(bytes, to.user_id) as { quota: number; used: number };
      if (user.quota > 0 && user.used > user.quota) throw overQuota(user.quota, user.used - bytes, bytes);
    }
    const unseen = rows.reduce((n, r) => n + 1 - r.seen, 0);
    const deleted = rows.reduce((n, r) => n + r.deleted, 0);
    const { first, modseq } = this.s.bumpAdd.get({ n: rows.length, unseen, deleted, bytes, id: to.id }) as { first: number; modseq: number };
    const mapping: [number, number][] = [];
    rows.forEach((r, i) => {
      const uid = first + i;
      this.s.insertCopy.run(to.id, uid, modseq, r.flags, r.seen, r.deleted, r.internal_date, r.size, r.email_id, r.thread_id, r.blob_id, r.text_id, r.summary);
      mapping.push([r.uid, uid]);
    });
    for (const [blobId, n] of countBy(rows, (r) => r.blob_id)) {
      this.ctx.blobs.incRef(blobId, rows.find((r) => r.blob_id === blobId)!.size, n);
    }
    for (const [textId, n] of countBy(rows, (r) => r.text_id)) this.texts.addRefById(textId, n);
    this.ctx.changes.record({ kind: 'message.append', userId: to.user_id, mailboxId: to.id, uids: mapping.map((m) => m[1]), modseq });
    return { uidValidity: to.uid_validity, mapping };
  }

  /** Inside a transaction: removes `rows` from `mb`, leaving tombstones; one new MODSEQ. */
  private removeRows(mb: MailboxRow, rows: readonly Row[], releaseQuota: boolean): { result: ExpungeResult; released: string[] } {
    const bytes = rows.reduce((n, r) => n + r.size, 0);
    const unseen = rows.reduce((n, r) => n + 1 - r.seen, 0);
    const deleted = rows.reduce((n, r) => n + r.deleted, 0);
    const modseq = this.s.bumpRemove.get(rows.length, unseen, deleted, bytes, mb.id) as number;
    for (const r of rows) {
      this.s.remove.run(r.id);
      this.s.tombstone.run(mb.id, r.uid, modseq);
    }
    const released: string[] = [];
    for (const [blobId, n] of countBy(rows, (r) => r.blob_id)) {
      if (this.ctx.blobs.decRef(blobId, n)) released.push(blobId);
    }
    for (const [textId, n] of countBy(rows, (r) => r.text_id)) this.texts.releaseRef(textId, n);
    if (releaseQuota) this.s.charge.get(-bytes, mb.user_id);
    const uids = rows.map((r) => r.uid);
    this.ctx.changes.record({ kind: 'message.expunge', userId: mb.user_id, mailboxId: mb.id, uids, modseq });
    return { result: { uids, modseq }, released };
  }
}
