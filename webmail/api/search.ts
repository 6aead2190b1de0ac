// Search in one folder or all of them, through the store's full-text index (MailStore.searchText).
import type { Mailbox, TextCriterion } from '../../storage/index.js';
import { Errors } from './errors.js';
import { sendJson } from './http.js';
import { ownMailbox } from './mailboxes.js';
import type { ApiRoute } from './router.js';
import { listItem, type ListItem } from './summary.js';

const MAX_RESULTS = 200;
/** Per folder, the newest matches (highest UIDs) are read; older ones are not shown anyway. */
const PER_MAILBOX = MAX_RESULTS;

function day(value: string | null, name: string): number | null {
  if (value === null || value === '') return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw Errors.invalid(`"${name}" must be a date (YYYY-MM-DD)`, name);
  return Date.parse(`${value}T00:00:00Z`);
}

export function searchRoutes(): ApiRoute[] {
  return [
    {
      method: 'GET', path: '/search',
      async handler(ctx) {
        const p = ctx.url.searchParams;
        const criteria: TextCriterion[] = [];
        for (const [param, field] of [['q', 'text'], ['from', 'from'], ['to', 'to'], ['subject', 'subject']] as const) {
          const value = (p.get(param) ?? '').trim();
          if (value.length > 500) throw Errors.invalid(`"${param}" is too long`, param);
          if (value) criteria.push({ field, value });
        }
        const since = day(p.get('since'), 'since');
        const before = day(p.get('before'), 'before');
        if (criteria.length === 0 && since === null && before === null) throw Errors.invalid('Give something to search for', 'q');
        const { mail } = ctx.deps.store;
        const mailboxId = p.get('mailboxId');
        const boxes: Mailbox[] = mailboxId ? [await ownMailbox(ctx, mailboxId)] : await mail.listMailboxes(ctx.user.id);

        const found: ListItem[] = [];
        let total = 0;
        const inRange = (t: number) => (since === null || t >= since) && (before === null || t < before);
        for (const box of boxes) {
          let uids = criteria.length > 0 ? await mail.searchText(box.id, criteria) : null;
          if (since !== null || before !== null) {
            // Arrival dates from the light index narrow the set before any record is read.
            const dated = new Set((await mail.listMessageIndex(box.id)).filter((e) => inRange(e.internalDate.getTime())).map((e) => e.uid));
            uids = uids ? uids.filter((u) => dated.has(u)) : [...dated];
          }
          // Newest (highest UIDs) first: older matches would not be shown anyway.
          const newest = (uids ?? []).sort((a, b) => a - b).slice(-PER_MAILBOX);
          for (const record of await mail.getMessages(box.id, newest)) found.push({ ...listItem(record), mailboxId: box.id });
          total += uids?.length ?? 0;
        }
        found.sort((a, b) => Date.parse(b.date) - Date.parse(a.date));
        sendJson(ctx.res, 200, { messages: found.slice(0, MAX_RESULTS), total });
      },
    },
  ];
}
