// Conversations: a folder's list grouped by thread (one row per conversation, its newest
// message, counts and participants), one conversation's messages across the user's folders,
// and the list-view preferences (grouped or not, sort) kept in the user's settings document.
import type { SummaryAddress } from '../../core/index.js';
import type { Mailbox, MessageRecord } from '../../storage/index.js';
import type { AuthedContext } from './context.js';
import { Errors } from './errors.js';
import { queryInt, sendJson } from './http.js';
import { ownMailbox } from './mailboxes.js';
import type { ApiRoute } from './router.js';
import { updateSettingsDoc } from './settings-doc.js';
import { listItem, summaryOf } from './summary.js';

const SORTS = ['date', 'from', 'subject', 'size'] as const;
const ORDERS = ['asc', 'desc'] as const;
const GROUPS = ['none', 'thread'] as const;
/** Participants shown for one conversation: enough for a list row. */
const MAX_PARTICIPANTS = 10;
/** Messages of one conversation per answer (its newest, then older ones on request): the
 *  list shows headers only, and a body is read when its message is opened. */
const THREAD_PAGE = 50;
const MAX_THREAD_PAGE = 200;
/** Messages of a conversation read for its participants and markers. */
const RECENT = 10;

export interface ListView {
  group: (typeof GROUPS)[number];
  sort: (typeof SORTS)[number];
  order: (typeof ORDERS)[number];
}

/** The `listView` entry of the settings document, read leniently (a wrong value: its default). */
export function readListView(doc: Record<string, unknown>): ListView {
  const v = (typeof doc.listView === 'object' && doc.listView !== null ? doc.listView : {}) as Record<string, unknown>;
  const pick = <T extends string>(value: unknown, values: readonly T[], fallback: T): T => (values.includes(value as T) ? value as T : fallback);
  return { group: pick(v.group, GROUPS, 'none'), sort: pick(v.sort, SORTS, 'date'), order: pick(v.order, ORDERS, 'desc') };
}

/** The participants of a conversation: its senders, oldest first, each once. */
function participants(records: MessageRecord[]): SummaryAddress[] {
  const seen = new Map<string, SummaryAddress>();
  for (const r of [...records].reverse()) {
    const from = summaryOf(r)?.from[0];
    if (from && !seen.has(from.address.toLowerCase())) seen.set(from.address.toLowerCase(), from);
  }
  return [...seen.values()].slice(0, MAX_PARTICIPANTS);
}

/** GET /mailboxes/:id/messages?group=thread */
export async function sendThreadPage(ctx: AuthedContext, mailbox: Mailbox, o: { order: 'asc' | 'desc'; offset: number; limit: number }): Promise<void> {
  const { mail } = ctx.deps.store;
  const page = await mail.listThreadPage(mailbox.id, o);
  // The recent messages of each conversation, in one read, for participants and markers.
  const records = new Map((await mail.getMessages(mailbox.id, page.threads.flatMap((t) => t.uids.slice(0, RECENT)))).map((r) => [r.uid, r]));
  sendJson(ctx.res, 200, {
    total: page.total,
    threads: page.threads.map((t) => {
      const recent = t.uids.slice(0, RECENT).flatMap((uid) => records.get(uid) ?? []);
      return {
        threadId: t.threadId,
        count: t.count,
        unread: t.unread,
        flagged: recent.some((r) => r.flags.includes('\\Flagged')),
        hasAttachments: recent.some((r) => (summaryOf(r)?.attachments.length ?? 0) > 0),
        participants: participants(recent),
        latest: listItem(t.latest),
        // For actions on the whole conversation (select, delete, move).
        uids: t.uids,
      };
    }),
  });
}

/** A message's place in a conversation: the store's order (arrival date, mailbox, UID). */
type Key = [number, string, number];
const keyOf = (r: MessageRecord): Key => [r.internalDate.getTime(), r.mailboxId, r.uid];
const compareKey = (a: Key, b: Key) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || a[2] - b[2];
const writeCursor = (k: Key) => Buffer.from(JSON.stringify(k)).toString('base64url');

function readCursor(text: string): Key {
  try {
    const k = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(k) && k.length === 3 && Number.isSafeInteger(k[0]) && typeof k[1] === 'string' && Number.isSafeInteger(k[2])) return k as Key;
  } catch { /* answered below */ }
  throw Errors.invalid('"before" is not a cursor this server gave', 'before');
}

export function threadRoutes(): ApiRoute[] {
  return [
    {
      // One conversation, oldest first, from every folder but Trash and Junk (unless it is
      // opened from there: `mailboxId`).
      method: 'GET', path: '/threads/:threadId',
      async handler(ctx) {
        const from = ctx.url.searchParams.get('mailboxId');
        const context = from ? await ownMailbox(ctx, from) : null;
        const { mail } = ctx.deps.store;
        const boxes = new Map((await mail.listMailboxes(ctx.user.id)).map((m) => [m.id, m]));
        const records = (await mail.listThreadMessages(ctx.user.id, ctx.params.threadId)).filter((r) => {
          const box = boxes.get(r.mailboxId);
          if (!box) return false;
          return box.id === context?.id || (box.specialUse !== '\\Trash' && box.specialUse !== '\\Junk');
        });
        if (records.length === 0) throw Errors.notFound('No such conversation');
        const limit = queryInt(ctx.url, 'limit', THREAD_PAGE, 1, MAX_THREAD_PAGE);
        const before = ctx.url.searchParams.get('before');
        // Oldest first: the page ends just before the cursor (the oldest message already shown),
        // or with the newest message. A cursor of a message since deleted still has its place.
        // Our own comparison throughout (ties on the arrival date are rare; ordered the same way
        // whatever the backend does with them), so that pages neither overlap nor skip.
        records.sort((a, b) => compareKey(keyOf(a), keyOf(b)));
        let end = records.length;
        if (before !== null) {
          const key = readCursor(before);
          end = 0;
          while (end < records.length && compareKey(keyOf(records[end]), key) < 0) end++;
        }
        const start = Math.max(0, end - limit);
        const page = records.slice(start, end);
        sendJson(ctx.res, 200, {
          threadId: ctx.params.threadId,
          total: records.length,
          messages: page.map((r) => ({ ...listItem(r), mailboxId: r.mailboxId })),
          // Where the next older page ends; null when the oldest message is in this one.
          older: start > 0 ? writeCursor(keyOf(page[0])) : null,
        });
      },
    },
    {
      method: 'GET', path: '/list-view',
      async handler(ctx) {
        sendJson(ctx.res, 200, readListView(await ctx.deps.store.userSettings.get(ctx.user.id)));
      },
    },
    {
      method: 'PUT', path: '/list-view',
      async handler(ctx) {
        const body = await ctx.body();
        const saved = await updateSettingsDoc(ctx.deps.store, ctx.user.id, (doc) => {
          const next = readListView(doc);
          for (const [field, values] of [['group', GROUPS], ['sort', SORTS], ['order', ORDERS]] as const) {
            const value = body[field];
            if (value === undefined) continue;
            if (!(values as readonly unknown[]).includes(value)) throw Errors.invalid(`"${field}" is one of ${values.join(', ')}`, field);
            (next as unknown as Record<string, unknown>)[field] = value;
          }
          // The rest of the document (signature, out-of-office...) is kept as it is.
          return [{ ...doc, listView: next }, next];
        });
        sendJson(ctx.res, 200, saved);
      },
    },
  ];
}
