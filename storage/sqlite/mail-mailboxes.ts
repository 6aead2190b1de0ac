// Mailboxes: creation (with a never-reused UIDVALIDITY), lookup, rename with children,
// subscription, deletion, status.
import type { Statement } from 'better-sqlite3';
import { AlreadyExists, Invalid, NotFound } from '../../core/errors.js';
import type { Mailbox, MailboxStatus, SpecialUse } from '../types.js';
import { newId, writeTx } from './db.js';
import type { SqliteContext } from './index.js';
import { unlinkReleased } from './mail-blob-pins.js';
import { mapStoreErrors } from './mail-errors.js';
import { MailboxPurger } from './mail-purge.js';
import { toMailbox, type MailboxRow } from './mail-rows.js';

const SPECIAL_USES = new Set<string>(['\\Sent', '\\Drafts', '\\Trash', '\\Junk', '\\Archive', '\\All', '\\Flagged']);
const SEPARATOR = '/';
const MAX_NAME = 1000;

/** "INBOX" is case-insensitive and always spelled so (RFC 3501 §5.1), also as a parent. */
export function normalizeMailboxName(name: string): string {
  if (typeof name !== 'string') throw new Invalid('mailbox name must be a string', 'name');
  const n = name.normalize('NFC');
  if (n === '' || n.length > MAX_NAME || n.startsWith(SEPARATOR) || n.endsWith(SEPARATOR) || n.includes(SEPARATOR + SEPARATOR)) {
    throw new Invalid(`invalid mailbox name ${JSON.stringify(name)}`, 'name');
  }
  if (/[\x00-\x1f\x7f]/.test(n)) throw new Invalid('mailbox name contains control characters', 'name');
  const cut = n.indexOf(SEPARATOR);
  const first = cut === -1 ? n : n.slice(0, cut);
  return first.toUpperCase() === 'INBOX' ? 'INBOX' + n.slice(first.length) : n;
}

function checkSpecialUse(use: SpecialUse | null | undefined): SpecialUse | null {
  if (use === null || use === undefined) return null;
  if (!SPECIAL_USES.has(use)) throw new Invalid(`unknown special use ${String(use)}`, 'specialUse');
  return use;
}

export class MailboxOps {
  private readonly s: Record<string, Statement>;
  private readonly purger: MailboxPurger;

  constructor(private readonly ctx: SqliteContext) {
    const { db } = ctx;
    this.purger = new MailboxPurger(ctx);
    this.s = {
      userExists: db.prepare('SELECT 1 FROM users WHERE id = ?').pluck(),
      byId: db.prepare('SELECT * FROM mailboxes WHERE id = ?'),
      byName: db.prepare('SELECT * FROM mailboxes WHERE user_id = ? AND name = ?'),
      bySpecialUse: db.prepare('SELECT * FROM mailboxes WHERE user_id = ? AND special_use = ? ORDER BY created_at, rowid LIMIT 1'),
      list: db.prepare('SELECT * FROM mailboxes WHERE user_id = ? ORDER BY name'),
      children: db.prepare('SELECT id, name FROM mailboxes WHERE user_id = ? AND substr(name, 1, ?) = ? ORDER BY name'),
      // RFC 3501 §2.3.1.1: a new mailbox of the same name needs a greater UIDVALIDITY. Seconds
      // of the clock, or one more than the last issued if the clock has not moved on (or went back).
      uidValidity: db.prepare(`INSERT INTO counters (name, value) VALUES ('uidvalidity', ?)
        ON CONFLICT (name) DO UPDATE SET value = max(excluded.value, value + 1) RETURNING value`).pluck(),
      insert: db.prepare(`INSERT INTO mailboxes (id, user_id, name, special_use, uid_validity, subscribed, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`),
      rename: db.prepare('UPDATE mailboxes SET name = ? WHERE id = ?'),
      subscribe: db.prepare('UPDATE mailboxes SET subscribed = ? WHERE id = ? RETURNING user_id').pluck(),
    };
  }

  async create(userId: string, name: string, options: { specialUse?: SpecialUse | null; subscribed?: boolean } = {}): Promise<Mailbox> {
    const n = normalizeMailboxName(name);
    const specialUse = checkSpecialUse(options.specialUse);
    const row = mapStoreErrors(() => writeTx(this.ctx.db, () => this.insertRow(userId, n, specialUse, options.subscribed !== false)));
    this.ctx.changes.notify();
    return toMailbox(row);
  }

  /** Inside a write transaction (the caller's): one new mailbox row. */
  insertRow(userId: string, name: string, specialUse: SpecialUse | null, subscribed: boolean): MailboxRow {
    if (!this.s.userExists.get(userId)) throw new NotFound(`no user ${userId}`);
    if (this.s.byName.get(userId, name)) throw new AlreadyExists(`mailbox ${name} already exists`);
    const uidValidity = this.s.uidValidity.get(Math.floor(Date.now() / 1000)) as number;
    const r = this.s.insert.get(newId(), userId, name, specialUse, uidValidity, subscribed ? 1 : 0, Date.now()) as MailboxRow;
    this.ctx.changes.record({ kind: 'mailbox.create', userId, mailboxId: r.id, modseq: r.highest_modseq });
    return r;
  }

  /** Inside a write transaction: a new user's mailboxes. */
  provision(userId: string, list: { name: string; specialUse: SpecialUse | null }[]): void {
    for (const mb of list) this.insertRow(userId, normalizeMailboxName(mb.name), checkSpecialUse(mb.specialUse), true);
  }

  row(id: string): MailboxRow | undefined {
    return this.s.byId.get(id) as MailboxRow | undefined;
  }

  /** The row or NotFound. */
  need(id: string): MailboxRow {
    const r = this.row(id);
    if (!r) throw new NotFound(`no mailbox ${id}`);
    return r;
  }

  async get(id: string): Promise<Mailbox | null> {
    const r = this.row(id);
    return r ? toMailbox(r) : null;
  }

  async find(userId: string, name: string): Promise<Mailbox | null> {
    let n: string;
    try { n = normalizeMailboxName(name); } catch { return null; }
    const r = this.s.byName.get(userId, n) as MailboxRow | undefined;
    return r ? toMailbox(r) : null;
  }

  async findBySpecialUse(userId: string, use: SpecialUse): Promise<Mailbox | null> {
    const r = this.s.bySpecialUse.get(userId, use) as MailboxRow | undefined;
    return r ? toMailbox(r) : null;
  }

  async list(userId: string): Promise<Mailbox[]> {
    return (this.s.list.all(userId) as MailboxRow[]).map(toMailbox);
  }

  async rename(id: string, newName: string): Promise<Mailbox> {
    const target = normalizeMailboxName(newName);
    const row = mapStoreErrors(() => writeTx(this.ctx.db, () => {
      const mb = this.need(id);
      if (mb.name === target) return mb;
      // Renaming INBOX moves its messages and leaves it empty (RFC 3501 §6.3.5): that is
      // core's job (create + move), not a rename of the row.
      if (mb.name === 'INBOX') throw new Invalid('INBOX cannot be renamed', 'name');
      if (target.startsWith(mb.name + SEPARATOR)) throw new Invalid('a mailbox cannot move under itself', 'name');
      const prefix = mb.name + SEPARATOR;
      const children = this.s.children.all(mb.user_id, prefix.length, prefix) as { id: string; name: string }[];
      const moves = [{ id: mb.id, to: target }, ...children.map((c) => ({ id: c.id, to: target + c.name.slice(mb.name.length) }))];
      for (const m of moves) {
        if (this.s.byName.get(mb.user_id, m.to)) throw new AlreadyExists(`mailbox ${m.to} already exists`);
      }
      for (const m of moves) {
        this.s.rename.run(m.to, m.id);
        this.ctx.changes.record({ kind: 'mailbox.rename', userId: mb.user_id, mailboxId: m.id });
      }
      return this.need(id);
    }));
    this.ctx.changes.notify();
    return toMailbox(row);
  }

  async setSubscribed(id: string, subscribed: boolean): Promise<void> {
    mapStoreErrors(() => writeTx(this.ctx.db, () => {
      const userId = this.s.subscribe.get(subscribed ? 1 : 0, id) as string | undefined;
      if (userId === undefined) throw new NotFound(`no mailbox ${id}`);
      // No change kind is closer: a subscription change is a change of the mailbox's LIST
      // attributes, as a rename is (RFC 5465 SubscriptionChange is reported as a LIST).
      this.ctx.changes.record({ kind: 'mailbox.rename', userId, mailboxId: id });
    }));
    this.ctx.changes.notify();
  }

  async delete(id: string): Promise<void> {
    const released = mapStoreErrors(() => writeTx(this.ctx.db, () => {
      const ids = this.purger.purge(id);
      if (ids === false) throw new NotFound(`no mailbox ${id}`);
      return ids;
    }));
    unlinkReleased(this.ctx, released);
    this.ctx.changes.notify();
  }

  async status(id: string): Promise<MailboxStatus> {
    const r = this.need(id);
    return {
      messages: r.message_count,
      unseen: r.unseen_count,
      deleted: r.deleted_count,
      sizeBytes: r.size_bytes,
      uidNext: r.uid_next,
      uidValidity: r.uid_validity,
      highestModseq: r.highest_modseq,
    };
  }
}
