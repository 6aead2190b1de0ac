// Mailbox ids by name for the destinations of APPEND, COPY and MOVE: a client files message
// after message into the same few mailboxes, and looking the name up each time was a visible
// part of an APPEND's cost on the main thread. One cache for the service (a user's several
// connections share it), emptied by any rename or delete, which are rare next to appends, and
// by the change feed, which carries writes made elsewhere too (webmail, the CLI).
import { FeedCache } from '../core/feed-cache.js';
import type { Store } from '../storage/index.js';

export type Destinations = Pick<FeedCache<string | null>, 'get' | 'forget'>;

export function destinationIds(store: Store): Destinations {
  return new FeedCache<string | null>(store, async (key) => {
    const cut = key.indexOf('\n');
    return (await store.mail.findMailbox(key.slice(0, cut), key.slice(cut + 1)))?.id ?? null;
  }, (event) => (event.kind === 'mailbox.rename' || event.kind === 'mailbox.delete' || event.kind === 'account.user' ? null : undefined),
  // A missing mailbox is not remembered: the client is about to create it (TRYCREATE).
  { keep: (id) => id !== null, maxEntries: 50_000 });
}

/** Store names hold no control characters (and ids no line break). */
export function destinationKey(userId: string, name: string): string {
  return `${userId}\n${name}`;
}
