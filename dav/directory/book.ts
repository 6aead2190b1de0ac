// The district directory: one read-only address book everyone sees, kept in the DAV store
// (owner type 'directory') so that its items, ETags and sync tokens behave like any other
// collection's and survive restarts. It follows the accounts through the change feed:
// before the directory is read, every account change not yet applied is applied, so a
// change is visible at the next request ("its sync token moves at once").
//
// Not done: hiding a unit from other units (the store has no such flag yet); every user
// sees the whole directory.
import type { Logger } from '../../core/log.js';
import type { DavCollection, DavItemInput, Store, Unit, User } from '../../storage/index.js';
import { DIRECTORY_SLUG } from '../paths.js';
import { FoldedIndex, foldCard, type Needles } from '../reports/card-prefilter.js';
import { groupCard, userCard, userCardName } from './cards.js';

const OWNER = 'directory';
const PAGE = 1000;

type DirectoryStore = Pick<Store, 'accounts' | 'dav' | 'changes'>;

export class DirectoryBook {
  private id: string | null = null;
  private cursor = 0;
  private running: Promise<void> | null = null;
  /** Every card's text folded for prefiltering (card-prefilter.ts), kept in step with the
   *  store by the book, the directory's only writer. */
  private readonly folded = new FoldedIndex();
  /** Names of the group cards in the book (known since the last full rebuild). */
  private groupCards = new Set<string>();

  constructor(private readonly store: DirectoryStore, private readonly log: Logger) {}

  /** The collection, up to date with every account change made so far. */
  async collection(): Promise<DavCollection> {
    await this.sync();
    const found = this.id ? await this.store.dav.getCollection(this.id) : null;
    if (!found) {
      // Deleted under us (by hand): make it again from scratch.
      this.id = null;
      await this.sync();
      return (await this.store.dav.getCollection(this.id!))!;
    }
    return found;
  }

  /** One catch-up at a time; callers arriving meanwhile wait for a fresh one. */
  async sync(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.catchUp().finally(() => { this.running = null; });
    return this.running;
  }

  private async catchUp(): Promise<void> {
    if (this.id === null) {
      const cursor = await this.store.changes.latest();
      const id = (await this.ensureCollection()).id;
      this.id = id;
      try {
        await this.rebuild();
      } catch (err) {
        // Try again from scratch at the next request rather than serve a half-built book.
        this.id = null;
        throw err;
      }
      this.cursor = cursor;
      return;
    }
    const users = new Set<string>();
    let groups = false;
    let full = false;
    let cursor = this.cursor;
    for (;;) {
      const events = await this.store.changes.since(cursor, { limit: PAGE });
      if (events.length === 0) break;
      cursor = events[events.length - 1].seq;
      for (const e of events) {
        if (e.kind === 'account.user') {
          if (e.userId) users.add(e.userId);
          else full = true;
        } else if (e.kind === 'account.group') {
          groups = true;
        }
      }
    }
    // The cursor moves only once the changes are applied: a failure retries them.
    if (full || users.size > PAGE) {
      await this.rebuild();
      this.cursor = cursor;
      return;
    }
    if (users.size === 0 && !groups) {
      this.cursor = cursor;
      return;
    }
    const units = await this.units();
    const cards: DavItemInput[] = [];
    for (const id of users) {
      const user = await this.store.accounts.getUser(id);
      if (!user || !user.enabled) {
        await this.removeCard(userCardName(id));
        continue;
      }
      const card = userCard(user, units);
      if ((await this.store.dav.getItem(this.id, card.name))?.data !== card.data) cards.push(card);
    }
    await this.write(cards);
    // A member's address appears in its groups' cards too.
    if (groups) {
      await this.rebuildGroups();
    } else {
      const touched = new Set<string>();
      for (const id of users) for (const g of await this.store.accounts.listGroupsOfUser(id)) touched.add(g.id);
      if (touched.size) await this.rebuildGroups(touched);
    }
    this.cursor = cursor;
  }

  private async ensureCollection(): Promise<DavCollection> {
    const dav = this.store.dav;
    const found = await dav.findCollection(OWNER, OWNER, 'addressbook', DIRECTORY_SLUG);
    if (found) return found;
    try {
      return await dav.createCollection({
        ownerType: OWNER, ownerId: OWNER, kind: 'addressbook', slug: DIRECTORY_SLUG, displayName: 'Directory',
        description: 'Everyone in the district, from the accounts (read-only)', color: null, components: [], props: {},
      });
    } catch (err) {
      const again = await dav.findCollection(OWNER, OWNER, 'addressbook', DIRECTORY_SLUG);
      if (again) return again;
      throw err;
    }
  }

  /** Reconciles every card with the accounts: writes only what differs, so tokens move
   *  only for real changes. */
  private async rebuild(): Promise<void> {
    const started = Date.now();
    const units = await this.units();
    const wanted = new Map<string, DavItemInput>();
    for (let after: string | undefined; ;) {
      const page: User[] = await this.store.accounts.listUsers({ after, limit: PAGE });
      for (const u of page) if (u.enabled) wanted.set(userCardName(u.id), userCard(u, units));
      if (page.length < PAGE) break;
      after = page[page.length - 1].address;
    }
    const existing = await this.store.dav.listItems(this.id!);
    this.groupCards = new Set(existing.filter((i) => i.name.startsWith('group-')).map((i) => i.name));
    this.folded.clear();
    let written = 0;
    for (const item of existing) {
      if (item.name.startsWith('group-')) continue;
      const want = wanted.get(item.name);
      if (!want) {
        await this.removeCard(item.name);
        written++;
      } else if (want.data === item.data) {
        this.folded.set(item.name, foldCard(item.data));
        wanted.delete(item.name);
      }
    }
    written += await this.write([...wanted.values()]);
    await this.rebuildGroups();
    this.log.info({ written, ms: Date.now() - started }, 'directory address book reconciled');
  }

  /** Group cards: all of them (removing those of deleted groups), or only `only`. */
  private async rebuildGroups(only?: Set<string>): Promise<void> {
    const groups = (await this.store.accounts.listGroups()).filter((g) => !only || only.has(g.id));
    const stale = new Set(only ? [] : this.groupCards);
    const addressOf = new Map<string, string | null>();
    const changed: DavItemInput[] = [];
    for (const group of groups) {
      const members: string[] = [];
      for (const id of group.memberIds) {
        if (!addressOf.has(id)) {
          const u = await this.store.accounts.getUser(id);
          addressOf.set(id, u && u.enabled ? u.address : null);
        }
        const a = addressOf.get(id);
        if (a) members.push(a);
      }
      const card = groupCard(group, members.sort());
      const current = await this.store.dav.getItem(this.id!, card.name);
      if (current?.data !== card.data) changed.push(card);
      else this.folded.set(card.name, foldCard(card.data));
      stale.delete(card.name);
      this.groupCards.add(card.name);
    }
    await this.write(changed);
    for (const name of stale) {
      await this.removeCard(name);
      this.groupCards.delete(name);
    }
  }

  /** Writes cards in batches: one transaction (one fsync) per thousand, not per card. */
  private async write(cards: DavItemInput[]): Promise<number> {
    for (let i = 0; i < cards.length; i += PAGE) {
      const batch = cards.slice(i, i + PAGE);
      await this.store.dav.putItems(this.id!, batch);
      for (const card of batch) this.folded.set(card.name, foldCard(card.data));
    }
    return cards.length;
  }

  private async removeCard(name: string): Promise<void> {
    await this.store.dav.deleteItem(this.id!, name).catch((err) => {
      if ((err as { code?: string }).code !== 'NOT_FOUND') throw err;
    });
    this.folded.delete(name);
  }

  /** Names of the cards holding the needles of an addressbook-query (card-prefilter.ts),
   *  in name order, from the in-memory copy: a query by name over 100,000 cards reads only
   *  the few that can match. */
  async search(needles: Needles): Promise<string[]> {
    await this.sync();
    return this.folded.search(needles);
  }


  private async units(): Promise<Map<string, Unit>> {
    return new Map((await this.store.accounts.listUnits()).map((u) => [u.name, u]));
  }
}

