// The SQLite MailStore: mailboxes (mail-mailboxes.ts), appends (mail-append.ts), changes to
// stored messages (mail-messages.ts), full-text search (mail-fts.ts); the reads live here.
import type { Statement } from 'better-sqlite3';
import { Invalid } from '../../core/errors.js';
import type {
  AppendInput, AppendResult, CopyResult, ExpungeResult, FlagOperation, FlagUpdateResult, Id, Mailbox,
  MailboxStatus, MailStore, MessageIndexColumns, MessageIndexEntry, MessageRecord, MessageSortKeys, SortKeyGroup,
  SpecialUse, TextCriterion, ThreadPageEntry,
} from '../types.js';
import type { SqliteContext } from './index.js';
import { Appender } from './mail-append.js';
import type { Background } from './background.js';
import { MailColumns } from './mail-columns.js';
import { MailFts } from './mail-fts.js';
import { MailboxOps } from './mail-mailboxes.js';
import { MailTexts } from './mail-texts.js';
import { MessageOps } from './mail-messages.js';
import { MessagePages, ThreadPages } from './mail-page.js';
import { toIndexEntry, toMessage, uidList, type IndexRow, type MessageRow } from './mail-rows.js';

export class SqliteMail implements MailStore {
  readonly fts: MailFts;
  readonly mailboxes: MailboxOps;
  private readonly appender: Appender;
  private readonly messages: MessageOps;
  private readonly pages: MessagePages;
  private readonly threadPages: ThreadPages;
  private readonly columns: MailColumns;
  private readonly s: Record<string, Statement>;

  constructor(ctx: SqliteContext) {
    const { db } = ctx;
    const texts = new MailTexts(db);
    this.fts = new MailFts(db);
    this.mailboxes = new MailboxOps(ctx);
    this.appender = new Appender(ctx, this.fts);
    this.messages = new MessageOps(ctx, texts);
    this.pages = new MessagePages(db);
    this.threadPages = new ThreadPages(db);
    this.columns = new MailColumns(db);
    this.s = {
      index: db.prepare('SELECT uid, modseq, flags, internal_date, size FROM messages WHERE mailbox_id = ? AND modseq > ? ORDER BY uid'),
      byUids: db.prepare('SELECT * FROM messages WHERE mailbox_id = ? AND uid IN (SELECT value FROM json_each(?)) ORDER BY uid'),
      byId: db.prepare('SELECT * FROM messages WHERE id = ?'),
    };
  }

  /** The store's background thread takes indexing and append commits while it runs; null
   *  brings them back to the main connection. */
  useBackground(background: Background | null): void {
    this.fts.useBackground(background);
    this.appender.useBackground(background);
  }

  createMailbox(userId: Id, name: string, options?: { specialUse?: SpecialUse | null; subscribed?: boolean }): Promise<Mailbox> {
    return this.mailboxes.create(userId, name, options);
  }

  getMailbox(id: Id): Promise<Mailbox | null> {
    return this.mailboxes.get(id);
  }

  findMailbox(userId: Id, name: string): Promise<Mailbox | null> {
    return this.mailboxes.find(userId, name);
  }

  findMailboxBySpecialUse(userId: Id, specialUse: SpecialUse): Promise<Mailbox | null> {
    return this.mailboxes.findBySpecialUse(userId, specialUse);
  }

  listMailboxes(userId: Id): Promise<Mailbox[]> {
    return this.mailboxes.list(userId);
  }

  renameMailbox(id: Id, newName: string): Promise<Mailbox> {
    return this.mailboxes.rename(id, newName);
  }

  setSubscribed(id: Id, subscribed: boolean): Promise<void> {
    return this.mailboxes.setSubscribed(id, subscribed);
  }

  deleteMailbox(id: Id): Promise<void> {
    return this.mailboxes.delete(id);
  }

  mailboxStatus(id: Id): Promise<MailboxStatus> {
    return this.mailboxes.status(id);
  }

  appendMessage(mailboxId: Id, input: AppendInput): Promise<AppendResult> {
    return this.appender.append(mailboxId, input);
  }

  async listMessageIndex(mailboxId: Id, options: { changedSince?: number } = {}): Promise<MessageIndexEntry[]> {
    this.mailboxes.need(mailboxId);
    return (this.s.index.all(mailboxId, options.changedSince ?? 0) as IndexRow[]).map(toIndexEntry);
  }

  async getMessages(mailboxId: Id, uids: number[]): Promise<MessageRecord[]> {
    if (!Array.isArray(uids)) throw new Invalid('uids must be an array', 'uids');
    this.mailboxes.need(mailboxId);
    return (this.s.byUids.all(mailboxId, uidList(uids)) as MessageRow[]).map(toMessage);
  }

  async listMessageIndexColumns(mailboxId: Id): Promise<MessageIndexColumns> {
    this.mailboxes.need(mailboxId);
    return this.columns.indexColumns(mailboxId);
  }

  async listSortKeys(mailboxId: Id, uids: number[] | null, groups: readonly SortKeyGroup[]): Promise<MessageSortKeys[]> {
    this.mailboxes.need(mailboxId);
    return this.columns.sortKeys(mailboxId, uids, groups);
  }

  async getMessageById(id: Id): Promise<MessageRecord | null> {
    if (!/^[1-9][0-9]{0,15}$/.test(String(id))) return null;
    const row = this.s.byId.get(Number(id)) as MessageRow | undefined;
    return row ? toMessage(row) : null;
  }

  updateFlags(mailboxId: Id, uids: number[], op: FlagOperation, flags: string[], options?: { unchangedSince?: number }): Promise<FlagUpdateResult> {
    return this.messages.updateFlags(mailboxId, uids, op, flags, options);
  }

  expunge(mailboxId: Id, options: { uids?: number[]; onlyDeleted: boolean }): Promise<ExpungeResult> {
    return this.messages.expunge(mailboxId, options);
  }

  listExpunged(mailboxId: Id, sinceModseq: number): Promise<number[]> {
    return this.messages.listExpunged(mailboxId, sinceModseq);
  }

  copyMessages(fromMailboxId: Id, uids: number[], toMailboxId: Id): Promise<CopyResult> {
    return this.messages.copy(fromMailboxId, uids, toMailboxId);
  }

  moveMessages(fromMailboxId: Id, uids: number[], toMailboxId: Id): Promise<CopyResult & { expunged: ExpungeResult }> {
    return this.messages.move(fromMailboxId, uids, toMailboxId);
  }

  async searchText(mailboxId: Id, criteria: TextCriterion[]): Promise<number[]> {
    if (!Array.isArray(criteria)) throw new Invalid('criteria must be an array', 'criteria');
    this.mailboxes.need(mailboxId);
    return this.fts.search(mailboxId, criteria);
  }

  async listMessagePage(mailboxId: Id, options: { sort: 'date' | 'size'; order: 'asc' | 'desc'; offset: number; limit: number }): Promise<MessageRecord[]> {
    this.mailboxes.need(mailboxId);
    return this.pages.page(mailboxId, options);
  }

  async listThreadPage(mailboxId: Id, options: { order: 'asc' | 'desc'; offset: number; limit: number }): Promise<{ total: number; threads: ThreadPageEntry[] }> {
    const box = this.mailboxes.need(mailboxId);
    return this.threadPages.page(mailboxId, options, `${box.uid_next}:${box.message_count}`);
  }

  async listThreadMessages(userId: Id, threadId: Id): Promise<MessageRecord[]> {
    return this.threadPages.ofUser(userId, threadId);
  }
}
