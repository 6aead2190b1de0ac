// Whole-mailbox reads as columns: the index an IMAP SELECT holds and the keys SORT orders by.
// better-sqlite3 spends about 2 µs handing each row to JavaScript, so a 100,000-message
// mailbox read row by row costs hundreds of milliseconds whatever the columns; one
// json_group_array per column returns the whole mailbox as a few strings instead, and
// JSON.parse turns each into an array in C++.
import type { Database, Statement } from 'better-sqlite3';
import { Invalid } from '../../core/errors.js';
import type { MessageIndexColumns, MessageSortKeys, SortAddress, SortKeyGroup } from '../types.js';
import { uidList } from './mail-rows.js';

const GROUPS: Record<SortKeyGroup, [string, string][]> = {
  date: [['date', "summary ->> '$.date'"]],
  subject: [['subject', "summary ->> '$.subject'"]],
  from: [['fromName', "summary ->> '$.from[0].name'"], ['fromAddress', "summary ->> '$.from[0].address'"]],
  to: [['toName', "summary ->> '$.to[0].name'"], ['toAddress', "summary ->> '$.to[0].address'"]],
  cc: [['ccName', "summary ->> '$.cc[0].name'"], ['ccAddress', "summary ->> '$.cc[0].address'"]],
  // -> keeps the references as JSON, so that json_group_array nests the array as it is.
  threading: [['messageId', "summary ->> '$.messageId'"], ['inReplyTo', "summary ->> '$.inReplyTo'"], ['references', "summary -> '$.references'"]],
};

type Column = unknown[];

/** Aggregates are fed in the subquery's order, which SQLite keeps. The index read comes in
 *  MODSEQ order (its covering index, migration 011), nearly UID order in a real mailbox: the
 *  sort below (TimSort) takes few steps then. */
function ascending(uids: number[]): boolean {
  for (let i = 1; i < uids.length; i++) if (uids[i] <= uids[i - 1]) return false;
  return true;
}

function reorder(columns: Column[]): Column[] {
  const order = columns[0].map((_, i) => i).sort((a, b) => (columns[0][a] as number) - (columns[0][b] as number));
  return columns.map((c) => order.map((i) => c[i]));
}

function text(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

function address(name: unknown, addr: unknown): SortAddress | null {
  return name == null && addr == null ? null : { name: text(name), address: text(addr) };
}

export class MailColumns {
  private readonly index: Statement;
  private readonly sortStatements = new Map<string, Statement>();

  constructor(private readonly db: Database) {
    this.index = db.prepare(`SELECT json_group_array(uid), json_group_array(modseq), json_group_array(flags),
      json_group_array(internal_date), json_group_array(size)
      FROM (SELECT uid, modseq, flags, internal_date, size FROM messages INDEXED BY messages_modseq WHERE mailbox_id = ?)`).raw();
  }

  indexColumns(mailboxId: string): MessageIndexColumns {
    let columns = (this.index.get(mailboxId) as string[]).map((c) => JSON.parse(c) as Column);
    if (!ascending(columns[0] as number[])) columns = reorder(columns);
    const [uids, modseqs, flagTexts, internalDates, sizes] = columns as [number[], number[], string[], number[], number[]];
    // Most messages share a handful of flag sets: each distinct one is parsed once and shared.
    const parsed = new Map<string, readonly string[]>();
    const flags = flagTexts.map((t) => {
      let f = parsed.get(t);
      if (!f) {
        f = Object.freeze(JSON.parse(t) as string[]);
        parsed.set(t, f);
      }
      return f;
    });
    return { uids, modseqs, flags, internalDates, sizes };
  }

  sortKeys(mailboxId: string, uids: number[] | null, groups: readonly SortKeyGroup[]): MessageSortKeys[] {
    if (uids !== null && !Array.isArray(uids)) throw new Invalid('uids must be an array or null', 'uids');
    if (!Array.isArray(groups) || groups.some((g) => !Object.hasOwn(GROUPS, g))) throw new Invalid('unknown sort key group', 'groups');
    const wanted: SortKeyGroup[] = [...new Set<SortKeyGroup>(groups)].sort();
    const fields: [string, string][] = [['uid', 'uid'], ['internalDate', 'internal_date'], ['size', 'size'], ...wanted.flatMap((g) => GROUPS[g])];
    const key = `${uids === null ? 'all' : 'some'}:${wanted.join(',')}`;
    let stmt = this.sortStatements.get(key);
    if (!stmt) {
      // Aliases are prefixed ("references" is an SQL keyword); the JSON subtype of `->` does
      // not cross the subquery, so json() marks the references as JSON again.
      const inner = fields.map(([name, expr]) => `${expr} AS k_${name}`).join(', ');
      const outer = fields.map(([name]) => (name === 'references' ? `json_group_array(json(k_${name}))` : `json_group_array(k_${name})`));
      // The whole mailbox by date (the usual SORT) is in the modseq index (migration 011),
      // in MODSEQ order; anything else reads the rows, in UID order.
      const from = uids === null
        ? (wanted.every((g) => g === 'date') ? 'messages INDEXED BY messages_modseq WHERE mailbox_id = ?' : 'messages WHERE mailbox_id = ? ORDER BY uid')
        : 'messages WHERE mailbox_id = ? AND uid IN (SELECT value FROM json_each(?)) ORDER BY uid';
      stmt = this.db.prepare(`SELECT ${outer.join(', ')} FROM (SELECT ${inner} FROM ${from})`).raw();
      this.sortStatements.set(key, stmt);
    }
    const args = uids === null ? [mailboxId] : [mailboxId, uidList(uids)];
    let columns = (stmt.get(...args) as string[]).map((c) => JSON.parse(c) as Column);
    if (!ascending(columns[0] as number[])) columns = reorder(columns);
    const col = Object.fromEntries(fields.map(([name], i) => [name, columns[i]])) as Record<string, Column>;
    const has = (g: SortKeyGroup) => wanted.includes(g);
    return (col.uid as number[]).map((uid, i) => {
      const k: MessageSortKeys = { uid, internalDate: col.internalDate[i] as number, size: col.size[i] as number };
      if (has('date')) k.date = text(col.date[i]);
      if (has('subject')) k.subject = text(col.subject[i]);
      if (has('from')) k.from = address(col.fromName[i], col.fromAddress[i]);
      if (has('to')) k.to = address(col.toName[i], col.toAddress[i]);
      if (has('cc')) k.cc = address(col.ccName[i], col.ccAddress[i]);
      if (has('threading')) {
        k.messageId = text(col.messageId[i]);
        k.inReplyTo = text(col.inReplyTo[i]);
        const refs = col.references[i];
        k.references = Array.isArray(refs) ? refs.filter((r): r is string => typeof r === 'string') : [];
      }
      return k;
    });
  }
}
