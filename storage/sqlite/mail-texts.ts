// The text documents behind full-text search: one per distinct blob (copies and duplicates
// share it), reference-counted like the blob, folded once when stored. Indexing them is
// mail-fts.ts's business; these methods run inside the caller's write transaction.
import type { Statement } from 'better-sqlite3';
import type { SearchText } from '../types.js';
import type { Db } from './db.js';

export const TEXT_COLUMNS = ['subject', 'from', 'to', 'cc', 'bcc', 'body'] as const satisfies readonly (keyof SearchText)[];
/** counters row: every document with an id up to this value is in mail_fts. */
export const INDEXED_COUNTER = 'mail_fts_indexed';

const NON_ASCII = /[^\x00-\x7f]/;
/** White space to rewrite: runs of two or more, and any single character but a plain space.
 *  The same result as replacing every /\s+/ run, several times faster on text, whose spaces are
 *  mostly single: 4 KB went from ~90 µs to ~25 µs, on the main thread of every append. */
const SPACES = /\s{2,}|[^\S ]/g;

/** Lower case, compatibility decomposition, no combining marks, French/German ligatures
 *  spelled out, runs of white space as one space. Text and queries both go through it, so
 *  that a search is a plain substring test (IMAP SEARCH is substring-based and
 *  case-insensitive, RFC 3501 §6.4.4); accents are ignored too, as French users expect. */
export function fold(text: string): string {
  // Most text is plain ASCII: skip the Unicode passes, the costly part.
  if (!NON_ASCII.test(text)) return text.toLowerCase().replace(SPACES, ' ');
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[ßœæ]/g, (c) => (c === 'ß' ? 'ss' : c === 'œ' ? 'oe' : 'ae'))
    .replace(SPACES, ' ');
}

export function quoted(column: string): string {
  return `"${column}"`;
}

const COLUMN_LIST = TEXT_COLUMNS.map(quoted).join(', ');

export class MailTexts {
  private readonly ref: Statement;
  private readonly insert: Statement;
  private readonly more: Statement;
  private readonly release: Statement;
  private readonly indexed: Statement;
  private readonly unindex: Statement;
  private readonly drop: Statement;

  constructor(db: Db) {
    this.ref = db.prepare('UPDATE mail_texts SET refcount = refcount + ? WHERE blob_id = ? RETURNING id').pluck();
    this.insert = db.prepare(`INSERT INTO mail_texts (blob_id, refcount, ${COLUMN_LIST}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.more = db.prepare('UPDATE mail_texts SET refcount = refcount + ? WHERE id = ?');
    this.release = db.prepare('UPDATE mail_texts SET refcount = refcount - ? WHERE id = ? RETURNING refcount').pluck();
    this.indexed = db.prepare(`SELECT value FROM counters WHERE name = '${INDEXED_COUNTER}'`).pluck();
    // An external-content FTS5 table forgets a row when told its old values (FTS5 §4.4.3).
    this.unindex = db.prepare(`INSERT INTO mail_fts (mail_fts, rowid, ${COLUMN_LIST}) SELECT 'delete', id, ${COLUMN_LIST} FROM mail_texts WHERE id = ?`);
    this.drop = db.prepare('DELETE FROM mail_texts WHERE id = ?');
  }

  /** Takes `count` references on the document of `blobId`, storing `search` if it is new.
   *  Returns the document id. */
  addRef(blobId: string, search: SearchText | undefined, count = 1): number {
    const id = this.ref.get(count, blobId) as number | undefined;
    if (id !== undefined) return id;
    const values = TEXT_COLUMNS.map((c) => fold(String(search?.[c] ?? '')));
    return Number(this.insert.run(blobId, count, ...values).lastInsertRowid);
  }

  /** References to a document known to exist (copies of a stored message). */
  addRefById(id: number, count: number): void {
    this.more.run(count, id);
  }

  /** Drops `count` references; the document and its index entries go with the last. */
  releaseRef(id: number, count = 1): void {
    const left = this.release.get(count, id) as number | undefined;
    if (left === undefined || left > 0) return;
    if (id <= ((this.indexed.get() as number | undefined) ?? 0)) this.unindex.run(id);
    this.drop.run(id);
  }
}
