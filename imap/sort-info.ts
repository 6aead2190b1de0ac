// What SORT and THREAD (RFC 5256) order by, read once per message from the summary core
// computed at append time: sent date, base subject, first From/To/Cc mailbox, message ids.
// The store reads only the fields asked for (listSortKeys), not whole records.
import type { MessageSortKeys, SortAddress, SortKeyGroup } from '../storage/index.js';
import { asciiUpper, baseSubject } from './base-subject.js';
import type { Match } from './search-eval.js';
import type { Session } from './session.js';

export interface SortInfo {
  seq: number;
  uid: number;
  arrival: number;
  size: number;
  /** RFC 5256 §2.2: the Date header in UTC, else the internal date. */
  sent: number;
  subject: string;
  isReply: boolean;
  from: string;
  to: string;
  cc: string;
  displayFrom: string;
  displayTo: string;
  messageId: string | null;
  /** References, else the In-Reply-To id (RFC 5256 §4 step 1). */
  references: string[];
}

/** Up to this many UIDs are asked for by list; beyond a quarter of the mailbox, all of it
 *  is read at once (one pass over the mailbox costs less than a long list of UIDs). */
const BATCH = 5_000;

const ALL_GROUPS: readonly SortKeyGroup[] = ['date', 'subject', 'from', 'to', 'cc', 'threading'];
const BIT: Record<SortKeyGroup, number> = { date: 1, subject: 2, from: 4, to: 8, cc: 16, threading: 32 };

/** A cached SortInfo with the key groups read into it so far (a SORT reads only its keys). */
interface Cached extends SortInfo {
  mask: number;
}

/** A message's sort keys never change (its octets do not), so they are kept per mailbox and
 *  UID across sessions: a second SORT or THREAD of a large mailbox reads nothing. The oldest
 *  mailboxes are dropped beyond MAX_CACHED entries. */
const MAX_CACHED = 400_000;
const cache = new Map<string, Map<number, Cached>>();
let cached = 0;

function cacheFor(mailboxId: string): Map<number, Cached> {
  let m = cache.get(mailboxId);
  if (m) {
    cache.delete(mailboxId); // re-inserted: most recently used last
  } else {
    m = new Map();
  }
  cache.set(mailboxId, m);
  return m;
}

function evict(): void {
  for (const [id, m] of cache) {
    if (cached <= MAX_CACHED) return;
    cached -= m.size;
    cache.delete(id);
  }
}

const mailboxOf = (a: SortAddress | null | undefined) => asciiUpper(a?.address?.split('@')[0] ?? '');
// RFC 5957 §2: the display name, else the address.
const displayOf = (a: SortAddress | null | undefined) => asciiUpper(a?.name || a?.address || '');

/** A copy of the shared cached `info` with this session's sequence number (a literal is
 *  much cheaper than a spread, 100,000 times over). */
function withSeq(i: SortInfo, seq: number): SortInfo {
  return {
    seq, uid: i.uid, arrival: i.arrival, size: i.size, sent: i.sent, subject: i.subject, isReply: i.isReply, from: i.from, to: i.to,
    cc: i.cc, displayFrom: i.displayFrom, displayTo: i.displayTo, messageId: i.messageId, references: i.references,
  };
}

/** Copies the groups of `k` into `info`. */
function apply(info: SortInfo, k: MessageSortKeys, groups: readonly SortKeyGroup[]): void {
  for (const g of groups) {
    switch (g) {
      case 'date': {
        const sent = k.date ? Date.parse(k.date) : NaN;
        info.sent = Number.isNaN(sent) ? k.internalDate : sent;
        break;
      }
      case 'subject': {
        const { base, isReply } = baseSubject(k.subject ?? '');
        info.subject = base;
        info.isReply = isReply;
        break;
      }
      case 'from':
        info.from = mailboxOf(k.from);
        info.displayFrom = displayOf(k.from);
        break;
      case 'to':
        info.to = mailboxOf(k.to);
        info.displayTo = displayOf(k.to);
        break;
      case 'cc':
        info.cc = mailboxOf(k.cc);
        break;
      case 'threading': {
        const refs = k.references ?? [];
        info.messageId = k.messageId ?? null;
        info.references = refs.length > 0 ? refs : k.inReplyTo ? [k.inReplyTo] : [];
        break;
      }
    }
  }
}

/** The cached (shared, not to be changed) sort keys of `matches` and their sequence numbers,
 *  in the order of `matches`. Only the fields of `groups` are sure to be filled in (with
 *  arrival and size, always); the others may hold neutral values. */
export async function collectSortInfo(session: Session, matches: readonly Match[], groups: readonly SortKeyGroup[] = ALL_GROUPS): Promise<{ infos: SortInfo[]; seqs: number[] }> {
  const sel = session.selected!;
  const known = cacheFor(sel.id);
  const need = groups.reduce((n, g) => n | BIT[g], 0);
  const slots: (SortInfo | undefined)[] = [];
  /** Slots still empty, and their UIDs, ascending (matches come in sequence order). */
  const missingSlots: number[] = [];
  const missing: number[] = [];
  matches.forEach((m, i) => {
    const hit = known.get(m.entry.uid);
    if (hit && (hit.mask & need) === need) slots.push(hit);
    else {
      slots.push(undefined);
      missingSlots.push(i);
      missing.push(m.entry.uid);
    }
  });
  let next = 0;
  const take = (keys: MessageSortKeys[]) => {
    for (const k of keys) {
      let c = known.get(k.uid);
      if (!c) {
        c = {
          seq: 0, uid: k.uid, arrival: k.internalDate, size: k.size, sent: k.internalDate, subject: '', isReply: false,
          from: '', to: '', cc: '', displayFrom: '', displayTo: '', messageId: null, references: [], mask: 0,
        };
        known.set(k.uid, c);
        cached++;
      }
      apply(c, k, groups);
      c.mask |= need;
      // Both in ascending UID order: one walk pairs each key with its slot.
      while (next < missing.length && missing[next] < k.uid) next++;
      if (missing[next] === k.uid) slots[missingSlots[next]] = c;
    }
  };
  if (!missing.every((uid, i) => i === 0 || uid > missing[i - 1])) {
    // Not expected (matches come in sequence order), but the walk in take() needs UID order.
    const order = missing.map((_, i) => i).sort((x, y) => missing[x] - missing[y]);
    const [uids, at] = [order.map((i) => missing[i]), order.map((i) => missingSlots[i])];
    uids.forEach((uid, i) => {
      missing[i] = uid;
      missingSlots[i] = at[i];
    });
  }
  if (missing.length > 0 && missing.length * 4 > sel.count) {
    take(await session.store.mail.listSortKeys(sel.id, null, groups));
  } else {
    for (let i = 0; i < missing.length; i += BATCH) {
      next = i;
      take(await session.store.mail.listSortKeys(sel.id, missing.slice(i, i + BATCH), groups));
    }
  }
  evict();
  const infos: SortInfo[] = [];
  const seqs: number[] = [];
  slots.forEach((info, i) => {
    // Empty: expunged meanwhile, nothing to sort by.
    if (!info) return;
    infos.push(info);
    seqs.push(matches[i].seq);
  });
  return { infos, seqs };
}

/** The sort keys of `matches` with their sequence numbers, in sequence order (see
 *  collectSortInfo for `groups`). */
export async function loadSortInfo(session: Session, matches: readonly Match[], groups: readonly SortKeyGroup[] = ALL_GROUPS): Promise<SortInfo[]> {
  const { infos, seqs } = await collectSortInfo(session, matches, groups);
  const out = infos.map((info, i) => withSeq(info, seqs[i]));
  for (let i = 1; i < out.length; i++) if (out[i].seq < out[i - 1].seq) return out.sort((a, b) => a.seq - b.seq);
  return out;
}
