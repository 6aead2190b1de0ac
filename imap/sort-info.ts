// What SORT and THREAD (RFC 5256) order by, read once per message from the summary core
// computed at append time: sent date, base subject, first From/To/Cc mailbox, message ids.
import type { MessageSummary } from '../core/index.js';
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

const BATCH = 500;

/** A message's sort keys never change (its octets do not), so they are kept per mailbox and
 *  UID across sessions: a second SORT or THREAD of a large mailbox reads nothing. The oldest
 *  mailboxes are dropped beyond MAX_CACHED entries. */
const MAX_CACHED = 400_000;
const cache = new Map<string, Map<number, SortInfo>>();
let cached = 0;

function cacheFor(mailboxId: string): Map<number, SortInfo> {
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

export async function loadSortInfo(session: Session, matches: readonly Match[]): Promise<SortInfo[]> {
  const sel = session.selected!;
  const known = cacheFor(sel.id);
  const out: SortInfo[] = [];
  const missing: number[] = [];
  const seqOf = new Map<number, number>();
  for (const m of matches) {
    const hit = known.get(m.entry.uid);
    if (hit) out.push({ ...hit, seq: m.seq });
    else {
      missing.push(m.entry.uid);
      seqOf.set(m.entry.uid, m.seq);
    }
  }
  for (let i = 0; i < missing.length; i += BATCH) {
    for (const r of await session.store.mail.getMessages(sel.id, missing.slice(i, i + BATCH))) {
      const s = (r.summary ?? {}) as Partial<MessageSummary>;
      const sent = s.date ? Date.parse(s.date) : NaN;
      const { base, isReply } = baseSubject(s.subject ?? '');
      const first = (list: MessageSummary['from'] | undefined) => list?.[0];
      const mailbox = (list: MessageSummary['from'] | undefined) => asciiUpper(first(list)?.address?.split('@')[0] ?? '');
      // RFC 5957 §2: the display name, else the address.
      const display = (list: MessageSummary['from'] | undefined) => asciiUpper(first(list)?.name || first(list)?.address || '');
      const info: SortInfo = {
        seq: seqOf.get(r.uid) ?? 0,
        uid: r.uid,
        arrival: r.internalDate.getTime(),
        size: r.size,
        sent: Number.isNaN(sent) ? r.internalDate.getTime() : sent,
        subject: base,
        isReply,
        from: mailbox(s.from),
        to: mailbox(s.to),
        cc: mailbox(s.cc),
        displayFrom: display(s.from),
        displayTo: display(s.to),
        messageId: s.messageId ?? null,
        references: s.references && s.references.length > 0 ? s.references : s.inReplyTo ? [s.inReplyTo] : [],
      };
      if (!known.has(r.uid)) cached++;
      known.set(r.uid, info);
      out.push(info);
    }
  }
  evict();
  return out.sort((a, b) => a.seq - b.seq);
}
