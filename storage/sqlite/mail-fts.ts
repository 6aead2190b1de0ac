// Full-text search over the text documents of mail-texts.ts. Indexing is kept out of the
// append transaction (trigram-indexing 4 KB costs more than the rest of an append): the store's
// background thread (background.ts) adds new documents to mail_fts in chunks, or, when none
// runs (in-memory database, thread dead), an idle pass here does; searches scan the documents
// the index has not reached yet, so results never depend on the indexer's progress.
import type { Statement } from 'better-sqlite3';
import { Invalid } from '../../core/errors.js';
import type { TextCriterion, TextField } from '../types.js';
import type { Db } from './db.js';
import { FtsIndexer, IDLE_MS, MAX_BACKLOG } from './fts-index.js';
import { fold, quoted, TEXT_COLUMNS } from './mail-texts.js';

// Below this many messages a mailbox is scanned row by row: cheaper than walking the
// store-wide trigram doclists of a common word.
const DEFAULT_SCAN_LIMIT = 2000;
// The trigram index cannot help with shorter strings (FTS5 §4.3.2).
const TRIGRAM = 3;
/** Documents per indexing transaction on the main thread: long enough to amortise, short
 *  enough not to stall the event loop (about 0.2 ms per 4 KB document). */
const CHUNK = 100;

/** An FTS5 query (https://sqlite.org/fts5.html#full_text_query_syntax) for the documents that
 *  hold every trigram of `value` (3 characters or more) in `field`'s columns: each trigram a
 *  quoted string, which the trigram tokenizer turns into that one token. */
function trigramQuery(field: TextField, value: string): string {
  const chars = [...value];
  const terms = new Set<string>();
  for (let i = 0; i + TRIGRAM <= chars.length; i++) terms.add(`"${chars.slice(i, i + TRIGRAM).join('').replace(/"/g, '""')}"`);
  const all = [...terms].join(' AND ');
  return field === 'text' ? all : `${quoted(field)} : (${all})`;
}

function intersect(a: Set<number>, b: Set<number>): Set<number> {
  const out = new Set<number>();
  for (const x of a) if (b.has(x)) out.add(x);
  return out;
}

function columnsOf(field: TextField): readonly string[] {
  return field === 'text' ? TEXT_COLUMNS : [field];
}

function contains(alias: string, field: TextField): string {
  return `(${columnsOf(field).map((c) => `instr(${alias}.${quoted(c)}, @value) > 0`).join(' OR ')})`;
}

/** Indexes elsewhere while `alive` (background.ts). */
export interface OffThreadIndexer {
  readonly alive: boolean;
  kick(): void;
}

export class MailFts {
  /** Mailboxes with at most this many messages are searched by scanning (tests lower it to 0). */
  scanLimit = DEFAULT_SCAN_LIMIT;

  private readonly s: Record<string, Statement>;
  private readonly indexer: FtsIndexer;
  private background: OffThreadIndexer | null = null;
  private readonly scanBy = new Map<TextField, Statement>();
  private readonly indexBy = new Map<TextField, Statement>();
  private timer: NodeJS.Timeout | null = null;
  private lastActivity = 0;

  constructor(private readonly db: Db) {
    this.indexer = new FtsIndexer(db);
    this.s = {
      allUids: db.prepare('SELECT uid FROM messages WHERE mailbox_id = ? ORDER BY uid').pluck(),
      count: db.prepare('SELECT message_count FROM mailboxes WHERE id = ?').pluck(),
    };
    for (const field of [...TEXT_COLUMNS, 'text'] as TextField[]) {
      this.scanBy.set(field, db.prepare(`SELECT m.uid FROM messages m JOIN mail_texts t ON t.id = m.text_id
        WHERE m.mailbox_id = @mailbox AND ${contains('t', field)}`).pluck());
      // Indexed documents: the trigram index gives the candidates (every trigram of the value,
      // in any of the field's columns: detail=column keeps no positions to match a phrase), the
      // message index keeps those of this mailbox, and only then is each candidate's text read
      // to check the substring. CROSS JOIN keeps that order: the candidates are store-wide, so
      // reading their text first would read every user's matching mail for nothing.
      // Documents above the watermark are scanned, found through the same message index.
      this.indexBy.set(field, db.prepare(`SELECT m.uid
          FROM (SELECT rowid AS id FROM mail_fts WHERE mail_fts MATCH @match AND rowid <= @indexed) f
          CROSS JOIN messages m INDEXED BY messages_text ON m.mailbox_id = @mailbox AND m.text_id = f.id
          CROSS JOIN mail_texts t ON t.id = f.id
          WHERE ${contains('t', field)}
        UNION ALL SELECT m.uid FROM messages m INDEXED BY messages_text JOIN mail_texts t ON t.id = m.text_id
          WHERE m.mailbox_id = @mailbox AND m.text_id > @indexed AND ${contains('t', field)}`).pluck());
    }
    this.kick();
  }

  /** Where indexing runs while not here (tests). */
  get offThread(): OffThreadIndexer | null {
    return this.background;
  }

  /** Hands indexing to another thread while it runs (null: back to this one). */
  useBackground(background: OffThreadIndexer | null): void {
    this.background = background;
    if (background && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!background) this.kick();
  }

  /** After documents were added: schedules indexing for when appends pause. */
  kick(): void {
    if (this.background?.alive) {
      this.background.kick();
      return;
    }
    this.lastActivity = Date.now();
    this.timer ??= this.later(IDLE_MS);
  }

  private later(ms: number): NodeJS.Timeout {
    const t = setTimeout(() => this.tick(), ms);
    t.unref();
    return t;
  }

  private tick(): void {
    this.timer = null;
    if (!this.db.open || this.background?.alive) return;
    const backlog = this.indexer.backlog();
    if (backlog <= 0) return;
    const quietFor = Date.now() - this.lastActivity;
    if (quietFor < IDLE_MS && backlog < MAX_BACKLOG) {
      this.timer = this.later(IDLE_MS - quietFor);
      return;
    }
    try {
      this.indexPending(CHUNK);
    } catch {
      // Busy or failing database: searches still scan what is not indexed; try again later.
      this.timer = this.later(IDLE_MS * 10);
      return;
    }
    this.timer = this.later(0);
  }

  /** Every document with an id up to this is indexed. */
  watermark(): number {
    return this.indexer.watermark();
  }

  /** Indexes up to `limit` documents not yet indexed, on this thread; returns how many. */
  indexPending(limit = Number.MAX_SAFE_INTEGER): number {
    return this.indexer.indexPending(limit);
  }

  /** UIDs of `mailboxId` matching every criterion, ascending. */
  search(mailboxId: string, criteria: readonly TextCriterion[]): number[] {
    let all: number[] | null = null;
    const allUids = (): number[] => (all ??= this.s.allUids.all(mailboxId) as number[]);
    const scan = ((this.s.count.get(mailboxId) as number | undefined) ?? 0) <= this.scanLimit;
    const indexed = scan ? 0 : this.watermark();
    let result: Set<number> | undefined;
    const negated: Set<number>[] = [];
    for (const criterion of criteria) {
      const value = fold(criterion.value ?? '');
      // An empty string is a substring of everything (SEARCH SUBJECT "" matches all).
      const matches = new Set(value === '' ? allUids() : this.match(mailboxId, criterion.field, value, scan, indexed));
      if (criterion.negate) negated.push(matches);
      else result = result === undefined ? matches : intersect(result, matches);
    }
    let uids = result === undefined ? allUids() : [...result];
    for (const set of negated) uids = uids.filter((u) => !set.has(u));
    return uids.sort((a, b) => a - b);
  }

  private match(mailbox: string, field: TextField, value: string, scan: boolean, indexed: number): number[] {
    const byScan = scan || [...value].length < TRIGRAM;
    const stmt = (byScan ? this.scanBy : this.indexBy).get(field);
    if (!stmt) throw new Invalid(`unknown search field ${String(field)}`, 'field');
    if (byScan) return stmt.all({ mailbox, value }) as number[];
    return stmt.all({ mailbox, value, match: trigramQuery(field, value), indexed }) as number[];
  }
}
