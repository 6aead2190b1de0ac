// SEARCH and UID SEARCH (RFC 9051 §6.4.4). Flag, size, date, UID and sequence keys are
// evaluated on the session's index; text keys go to the store's full-text search (decoded
// text, case-insensitive), one query per key, so that OR and NOT combine them freely.
// HEADER and the SENT* keys read the messages themselves.
import type { MessageIndexEntry } from '../../storage/index.js';
import { dayOf } from '../dates.js';
import { fieldValue, parseHeaderBlock } from '../mime/header.js';
import { line } from '../protocol/compiler.js';
import type { Cursor } from '../protocol/cursor.js';
import { parseSearchProgram, walkKeys, type SearchKey } from '../protocol/search-keys.js';
import { resolveSequenceNumbers, setHas } from '../protocol/sequence.js';
import { bad, no, ok } from '../replies.js';
import type { Session } from '../session.js';
import { defineCommand, SELECTED } from './command.js';

const CHARSETS = new Set(['UTF-8', 'US-ASCII']);

function parseSearch(cur: Cursor): { charset: string | null; program: SearchKey } {
  cur.sp();
  let charset: string | null = null;
  if (cur.acceptWord('CHARSET')) {
    cur.sp();
    charset = cur.astring().toString('latin1').toUpperCase();
    cur.sp();
  }
  return { charset, program: parseSearchProgram(cur) };
}

interface Prepared {
  text: Map<SearchKey, Set<number>>;
  header: Map<SearchKey, Set<number>>;
  sentDay: Map<number, number>;
}

export const search = defineCommand({
  name: 'SEARCH',
  states: SELECTED,
  uidForm: true,
  holdsExpunges: true,
  parse: parseSearch,
  async run(session, { charset, program }, ctx) {
    if (charset !== null && !CHARSETS.has(charset)) return no('Unsupported charset', 'BADCHARSET (UTF-8 US-ASCII)');
    for (const k of walkKeys(program)) {
      if ((k.kind === 'seq' || k.kind === 'uid') && k.set.saved) return bad('SEARCHRES ($) is not supported');
    }
    const sel = session.selected!;
    const seqs = new Map<number, number>();
    const live: MessageIndexEntry[] = [];
    sel.knownUids.forEach((uid, i) => {
      if (sel.isExpunged(uid)) return;
      seqs.set(uid, i + 1);
      live.push(sel.entry(uid)!);
    });
    for (const k of walkKeys(program)) {
      // An out-of-range sequence number is an error (RFC 3501 §9 seq-number).
      if (k.kind === 'seq' && resolveSequenceNumbers(k.set, sel.count) === null) return bad('Invalid message sequence number');
    }
    const prepared = await prepare(session, program, live);
    const maxUid = sel.knownUids.length > 0 ? sel.knownUids[sel.knownUids.length - 1] : 0;
    const matches = live.filter((e) => evaluate(program, e, seqs.get(e.uid)!, { ...prepared, count: sel.count, maxUid }));
    const numbers = matches.map((e) => (ctx.uid ? e.uid : seqs.get(e.uid)!));
    // With MODSEQ in the criteria, the response ends with the highest modseq of the matches
    // (RFC 7162 §3.1.5), and CONDSTORE is enabled.
    let modseq = '';
    if ([...walkKeys(program)].some((k) => k.kind === 'modseq')) {
      session.condstore = true;
      if (matches.length > 0) modseq = ` (MODSEQ ${matches.reduce((m, e) => Math.max(m, e.modseq), 0)})`;
    }
    await session.send(line(`* SEARCH${numbers.map((n) => ` ${n}`).join('')}${modseq}`));
    return ok('SEARCH completed');
  },
});

/** Runs the text queries and reads what HEADER and SENT* keys need, once each. */
async function prepare(session: Session, program: SearchKey, live: MessageIndexEntry[]): Promise<Prepared> {
  const sel = session.selected!;
  const out: Prepared = { text: new Map(), header: new Map(), sentDay: new Map() };
  const headerKeys: Extract<SearchKey, { kind: 'header' }>[] = [];
  let needSent = false;
  for (const k of walkKeys(program)) {
    if (k.kind === 'text') out.text.set(k, new Set(await session.store.mail.searchText(sel.id, [{ field: k.field, value: k.value }])));
    else if (k.kind === 'header') headerKeys.push(k);
    else if (k.kind === 'date' && k.source === 'sent') needSent = true;
  }
  if (headerKeys.length === 0 && !needSent) return out;
  for (const k of headerKeys) out.header.set(k, new Set());
  const uids = live.map((e) => e.uid);
  for (let i = 0; i < uids.length; i += 200) {
    for (const record of await session.store.mail.getMessages(sel.id, uids.slice(i, i + 200))) {
      if (needSent) {
        const date = (record.summary as { date?: string | null } | null)?.date;
        const when = date ? new Date(date) : record.internalDate;
        out.sentDay.set(record.uid, dayOf(Number.isNaN(when.getTime()) ? record.internalDate : when));
      }
      if (headerKeys.length > 0) {
        const raw = await session.store.blobs.get(record.blobId);
        const { fields } = parseHeaderBlock(raw, 0, raw.length);
        for (const k of headerKeys) {
          const needle = k.value.toLowerCase();
          const hit = fields.some((f) => f.name === k.name && Buffer.from(fieldValue(raw, f), 'latin1').toString('utf8').toLowerCase().includes(needle));
          if (hit) out.header.get(k)!.add(record.uid);
        }
      }
    }
  }
  return out;
}

function evaluate(key: SearchKey, e: MessageIndexEntry, seq: number, ctx: Prepared & { count: number; maxUid: number }): boolean {
  switch (key.kind) {
    case 'all': return true;
    case 'none': return false;
    case 'flag': return e.flags.some((f) => f.toLowerCase() === key.flag.toLowerCase()) === key.present;
    case 'text': return ctx.text.get(key)!.has(e.uid);
    case 'header': return ctx.header.get(key)!.has(e.uid);
    case 'size': return key.op === 'larger' ? e.size > key.n : e.size < key.n;
    case 'date': {
      const day = key.source === 'internal' ? dayOf(e.internalDate) : ctx.sentDay.get(e.uid) ?? dayOf(e.internalDate);
      return key.op === 'before' ? day < key.day : key.op === 'on' ? day === key.day : day >= key.day;
    }
    case 'uid': return setHas(key.set, e.uid, ctx.maxUid);
    case 'seq': return setHas(key.set, seq, ctx.count);
    case 'modseq': return e.modseq >= key.min;
    case 'not': return !evaluate(key.key, e, seq, ctx);
    case 'or': return evaluate(key.a, e, seq, ctx) || evaluate(key.b, e, seq, ctx);
    case 'and': return key.keys.every((k) => evaluate(k, e, seq, ctx));
  }
}
