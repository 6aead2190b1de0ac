// Fan-out of the store's change feed to the sessions that have a mailbox selected: one
// subscription for the whole service, a map from mailbox to its watchers, so that a change
// costs work only for the sessions concerned (SMTP delivery, other sessions, the CLI).
import type { ChangeEvent, ChangeFeed } from '../storage/index.js';

export type Watcher = (event: ChangeEvent) => void;

export class MailboxWatchers {
  private readonly byMailbox = new Map<string, Set<Watcher>>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly feed: ChangeFeed) {}

  start(): void {
    this.unsubscribe ??= this.feed.subscribe((event) => this.dispatch(event));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Calls `watcher` for every change to `mailboxId`; returns the way to stop. */
  watch(mailboxId: string, watcher: Watcher): () => void {
    let set = this.byMailbox.get(mailboxId);
    if (!set) {
      set = new Set();
      this.byMailbox.set(mailboxId, set);
    }
    set.add(watcher);
    return () => {
      const s = this.byMailbox.get(mailboxId);
      if (!s) return;
      s.delete(watcher);
      if (s.size === 0) this.byMailbox.delete(mailboxId);
    };
  }

  private dispatch(event: ChangeEvent): void {
    if (!event.mailboxId || !event.kind.startsWith('message.') && event.kind !== 'mailbox.delete') return;
    const set = this.byMailbox.get(event.mailboxId);
    if (!set) return;
    for (const w of set) w(event);
  }
}
