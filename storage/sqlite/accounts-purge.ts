// Everything a user or group owns outside the accounts tables: mailboxes with their messages,
// threading links, calendars and address books. Runs inside the caller's write transaction.
import type { Statement } from 'better-sqlite3';
import type { DavOwnerType } from '../types.js';
import type { SqliteContext } from './index.js';
import { MailboxPurger } from './mail-purge.js';

export class OwnerPurger {
  private readonly mailboxes: MailboxPurger;
  private readonly mailboxIds: Statement;
  private readonly threadLinks: Statement;
  private dav: { items: Statement; collections: Statement } | null | undefined;

  constructor(private readonly ctx: SqliteContext) {
    this.mailboxes = new MailboxPurger(ctx);
    this.mailboxIds = ctx.db.prepare('SELECT id FROM mailboxes WHERE user_id = ?').pluck();
    this.threadLinks = ctx.db.prepare('DELETE FROM thread_links WHERE user_id = ?');
  }

  /** Removes the user's mailboxes and messages; returns blob ids to unlink after commit. */
  purgeMail(userId: string): string[] {
    const released: string[] = [];
    for (const id of this.mailboxIds.all(userId) as string[]) {
      const ids = this.mailboxes.purge(id);
      if (ids) released.push(...ids);
    }
    this.threadLinks.run(userId);
    return released;
  }

  /** Removes the owner's DAV collections and their items. */
  purgeDav(ownerType: DavOwnerType, ownerId: string): void {
    const dav = this.davStatements();
    if (!dav) return;
    dav.items.run(ownerType, ownerId);
    dav.collections.run(ownerType, ownerId);
  }

  // The DAV tables belong to another migration; prepared once they are there.
  private davStatements(): { items: Statement; collections: Statement } | null {
    if (this.dav) return this.dav;
    const present = this.ctx.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name IN ('dav_collections', 'dav_items')").all().length === 2;
    if (!present) return null;
    this.dav = {
      items: this.ctx.db.prepare('DELETE FROM dav_items WHERE collection_id IN (SELECT id FROM dav_collections WHERE owner_type = ? AND owner_id = ?)'),
      collections: this.ctx.db.prepare('DELETE FROM dav_collections WHERE owner_type = ? AND owner_id = ?'),
    };
    return this.dav;
  }
}
