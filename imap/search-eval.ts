// Evaluating a SEARCH program (RFC 9051 §6.4.4) over the selected mailbox, shared by SEARCH,
// SORT and THREAD. Flag, size, date, UID and sequence keys are evaluated on the session's
// index; text keys go to the store's full-text search (decoded text, case-insensitive), one
// query per key, so that OR and NOT combine them freely. HEADER and the SENT* keys read the
// messages themselves. "$" (RFC 5182 §2.1) is the result saved by SEARCH RETURN (SAVE).
import type { MessageIndexEntry } from '../storage/index.js';
import { dayOf } from './dates.js';
import { fieldValue, parseHeaderBlock } from './mime/header.js';
import { objectId } from './objectid.js';
import { ParseError } from './protocol/cursor.js';
import { walkKeys, type SearchKey } from './protocol/search-keys.js';
import { resolveSequenceNumbers, setHas } from './protocol/sequence.js';
import type { Session } from './session.js';

export interface Match {
  entry: MessageIndexEntry;
  seq: number;
}

interface Prepared {
  /** null: every message (an empty string). */
  text: Map<SearchKey, Set<number> | null>;
  header: Map<SearchKey, Set<number>>;
  sentDay: Map<number, number>;
  /** uid -> [emailId, threadId] on the wire, for EMAILID and THREADID keys. */
  ids: Map<number, [string, string]>;
  saved: Set<number>;
  count: number;
  maxUid: number;
}

/** The live messages (known to the client, not expunged) that `program` matches, in sequence
 *  order. ParseError for an out-of-range sequence number (RFC 3501 §9 seq-number: BAD). */
export async function searchMessages(session: Session, program: SearchKey): Promise<Match[]> {
  const sel = session.selected!;
  for (const k of walkKeys(program)) {
    if (k.kind === 'seq' && !k.set.saved && resolveSequenceNumbers(k.set, sel.count) === null) {
      throw new ParseError('Invalid message sequence number');
    }
  }
  const text = await textHits(session, program);
  // A program that needs a text match can only match what the full-text search found: look at
  // those messages alone, not at each of a 100,000-message mailbox (most of a fast search's time).
  const only = candidates(program, text);
  const live: Match[] = [];
  if (only) {
    for (const uid of [...only].sort((a, b) => a - b)) {
      const seq = sel.seqOf(uid);
      // Found by the store but not known to the client yet (arrived since its last sync): not reported.
      if (seq > 0 && !sel.isExpunged(uid)) live.push({ entry: sel.entry(uid)!, seq });
    }
  } else {
    sel.knownUids.forEach((uid, i) => {
      if (!sel.isExpunged(uid)) live.push({ entry: sel.entry(uid)!, seq: i + 1 });
    });
  }
  const prepared = await prepare(session, program, live.map((m) => m.entry), text);
  return live.filter((m) => evaluate(program, m.entry, m.seq, prepared));
}

/** The UIDs each text key matches (one store query per key); null for an empty string, which
 *  is a substring of every message. */
async function textHits(session: Session, program: SearchKey): Promise<Map<SearchKey, Set<number> | null>> {
  const out = new Map<SearchKey, Set<number> | null>();
  for (const k of walkKeys(program)) {
    if (k.kind !== 'text') continue;
    out.set(k, k.value === '' ? null : new Set(await session.store.mail.searchText(session.selected!.id, [{ field: k.field, value: k.value }])));
  }
  return out;
}

/** The only UIDs `key` can match, when a text key it requires says so; null when any may. */
function candidates(key: SearchKey, text: Map<SearchKey, Set<number> | null>): Set<number> | null {
  if (key.kind === 'text') return text.get(key) ?? null;
  if (key.kind !== 'and') return null;
  let best: Set<number> | null = null;
  for (const k of key.keys) {
    const c = candidates(k, text);
    if (c && (!best || c.size < best.size)) best = c;
  }
  return best;
}

/** Reads what HEADER, SENT* and OBJECTID keys need, once each. */
async function prepare(session: Session, program: SearchKey, live: MessageIndexEntry[], text: Map<SearchKey, Set<number> | null>): Promise<Prepared> {
  const sel = session.selected!;
  const out: Prepared = {
    text, header: new Map(), sentDay: new Map(), ids: new Map(), saved: new Set(sel.saved),
    count: sel.count, maxUid: sel.knownUids.length > 0 ? sel.knownUids[sel.knownUids.length - 1] : 0,
  };
  const headerKeys: Extract<SearchKey, { kind: 'header' }>[] = [];
  let needSent = false;
  let needIds = false;
  for (const k of walkKeys(program)) {
    if (k.kind === 'objectid') needIds = true;
    else if (k.kind === 'header') headerKeys.push(k);
    else if (k.kind === 'date' && k.source === 'sent') needSent = true;
  }
  if (headerKeys.length === 0 && !needSent && !needIds) return out;
  for (const k of headerKeys) out.header.set(k, new Set());
  const uids = live.map((e) => e.uid);
  for (let i = 0; i < uids.length; i += 200) {
    for (const record of await session.store.mail.getMessages(sel.id, uids.slice(i, i + 200))) {
      if (needIds) out.ids.set(record.uid, [objectId(record.emailId), objectId(record.threadId)]);
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
          // RFC 9051 §6.4.4 HEADER: an empty string matches every message that has the field.
          const hit = fields.some((f) => f.name === k.name && Buffer.from(fieldValue(raw, f), 'latin1').toString('utf8').toLowerCase().includes(needle));
          if (hit) out.header.get(k)!.add(record.uid);
        }
      }
    }
  }
  return out;
}

function evaluate(key: SearchKey, e: MessageIndexEntry, seq: number, ctx: Prepared): boolean {
  switch (key.kind) {
    case 'all': return true;
    case 'none': return false;
    case 'flag': return e.flags.some((f) => f.toLowerCase() === key.flag.toLowerCase()) === key.present;
    case 'text': return ctx.text.get(key)?.has(e.uid) ?? true;
    case 'header': return ctx.header.get(key)!.has(e.uid);
    case 'size': return key.op === 'larger' ? e.size > key.n : e.size < key.n;
    case 'date': {
      const day = key.source === 'internal' ? dayOf(e.internalDate) : ctx.sentDay.get(e.uid) ?? dayOf(e.internalDate);
      return key.op === 'before' ? day < key.day : key.op === 'on' ? day === key.day : day >= key.day;
    }
    case 'uid': return key.set.saved ? ctx.saved.has(e.uid) : setHas(key.set, e.uid, ctx.maxUid);
    case 'seq': return key.set.saved ? ctx.saved.has(e.uid) : setHas(key.set, seq, ctx.count);
    case 'modseq': return e.modseq >= key.min;
    case 'objectid': return ctx.ids.get(e.uid)?.[key.field === 'emailId' ? 0 : 1] === key.value;
    case 'not': return !evaluate(key.key, e, seq, ctx);
    case 'or': return evaluate(key.a, e, seq, ctx) || evaluate(key.b, e, seq, ctx);
    case 'and': return key.keys.every((k) => evaluate(k, e, seq, ctx));
  }
}

/** The search has a MODSEQ key: responses then carry the highest modseq (RFC 7162 §3.1.5). */
export function hasModseqKey(program: SearchKey): boolean {
  return [...walkKeys(program)].some((k) => k.kind === 'modseq');
}
