// Removing whole mailboxes, shared by deleteMailbox and deleteUser: messages, blob and
// full-text references, quota, tombstones. Runs inside the caller's write transaction.
import type { Statement } from 'better-sqlite3';
import type { SqliteContext } from './index.js';
import { MailTexts } from './mail-texts.js';

export class MailboxPurger {
  private readonly owner: Statement;
  private readonly blobCounts: Statement;
  private readonly textCounts: Statement;
  private readonly bytes: Statement;
  private readonly release: Statement;
  private readonly deleteMessages: Statement;
  private readonly deleteTombstones: Statement;
  private readonly deleteMailbox: Statement;
  private readonly texts: MailTexts;

  constructor(private readonly ctx: SqliteContext) {
    const { db } = ctx;
    this.texts = new MailTexts(db);
    this.owner = db.prepare('SELECT user_id FROM mailboxes WHERE id = ?').pluck();
    this.blobCounts = db.prepare('SELECT blob_id AS id, COUNT(*) AS n FROM messages WHERE mailbox_id = ? GROUP BY blob_id');
    this.textCounts = db.prepare('SELECT text_id AS id, COUNT(*) AS n FROM messages WHERE mailbox_id = ? GROUP BY text_id');
    this.bytes = db.prepare('SELECT COALESCE(SUM(size), 0) FROM messages WHERE mailbox_id = ?').pluck();
    this.release = db.prepare('UPDATE users SET used_bytes = used_bytes - ? WHERE id = ?');
    this.deleteMessages = db.prepare('DELETE FROM messages WHERE mailbox_id = ?');
    this.deleteTombstones = db.prepare('DELETE FROM expunged WHERE mailbox_id = ?');
    this.deleteMailbox = db.prepare('DELETE FROM mailboxes WHERE id = ?');
  }

  /** Inside a write transaction. Returns the blob ids left unreferenced, to hand to
   *  unlinkReleased() after the commit; false if the mailbox does not exist. */
  purge(mailboxId: string): string[] | false {
    const userId = this.owner.get(mailboxId) as string | undefined;
    if (userId === undefined) return false;
    const unreferenced: string[] = [];
    for (const { id, n } of this.blobCounts.all(mailboxId) as { id: string; n: number }[]) {
      if (this.ctx.blobs.decRef(id, n)) unreferenced.push(id);
    }
    for (const { id, n } of this.textCounts.all(mailboxId) as { id: number; n: number }[]) this.texts.releaseRef(id, n);
    this.release.run(this.bytes.get(mailboxId) as number, userId);
    this.deleteMessages.run(mailboxId);
    this.deleteTombstones.run(mailboxId);
    this.deleteMailbox.run(mailboxId);
    this.ctx.changes.record({ kind: 'mailbox.delete', userId, mailboxId });
    return unreferenced;
  }
}
