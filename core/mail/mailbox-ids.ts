// Mailbox ids by owner and name, for what files message after message into the same few
// mailboxes: local delivery (every copy goes to an INBOX) and IMAP APPEND, COPY and MOVE.
// Looking the name up each time was a visible part of both on the main thread. Emptied by any
// rename or delete, which are rare next to appends, through the change feed, which carries
// writes made elsewhere too (webmail, the CLI); a caller that still finds an id gone (NotFound)
// forgets it and asks again.
import { FeedCache } from '../feed-cache.js';
import type { Store } from '../../storage/index.js';

export type MailboxIds = Pick<FeedCache<string | null>, 'get' | 'forget'>;

export function mailboxIds(store: Store): MailboxIds {
  return new FeedCache<string | null>(store, async (key) => {
    const cut = key.indexOf('\n');
    return (await store.mail.findMailbox(key.slice(0, cut), key.slice(cut + 1)))?.id ?? null;
  }, (event) => (event.kind === 'mailbox.rename' || event.kind === 'mailbox.delete' || event.kind === 'account.user' ? null : undefined),
  // A missing mailbox is not remembered: the client is about to create it (TRYCREATE).
  { keep: (id) => id !== null, maxEntries: 50_000 });
}

/** The cache key of a user's mailbox. Store names hold no control characters (and ids no
 *  line break). */
export function mailboxKey(userId: string, name: string): string {
  return `${userId}\n${name}`;
}
