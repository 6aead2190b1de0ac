// The district directory: read-only address books generated from the accounts, kept in the DAV
// store (owner type 'directory') so that their items, ETags and sync tokens behave like any
// other collection's and survive restarts. They follow the accounts through the change feed:
// before a directory book is read, every account change not yet applied is applied, so a
// change is visible at the next request ("its sync token moves at once").
//
// Hidden units (core/accounts/units.ts): the shared book, which every user sees, holds only the
// people nobody hides; each hidden unit has a book of its own ("Directory – <unit>") holding
// the people it hides, listed only in the homes of users inside that unit. Why books and not
// one book filtered per viewer: a collection's sync token and tombstones are the same for
// everyone who reads it, so a filtered view could not tell one viewer "A was removed" while
// telling another nothing; with a book per audience every token is exact for all its readers,
// hiding a unit moves the shared book's token (its people leave it as deletions), and a card
// that is not in a book a user can reach is simply not there (404 for a guessed href).
import { UnitVisibility } from '../../core/accounts/index.js';
import type { Logger } from '../../core/log.js';
import type { DavCollection, DavItemInput, Group, Store, Unit, User } from '../../storage/index.js';
import { DIRECTORY_SLUG } from '../paths.js';
import { FoldedIndex, foldCard, type Needles } from '../reports/card-prefilter.js';
import { groupCard, userCard, userCardName } from './cards.js';

const OWNER = 'directory';
const PAGE = 1000;
/** Key of the shared book; a hidden unit's book is keyed by the unit's name. */
const SHARED = '';
/** Store slug of a hidden unit's book (slugs cannot hold '/', unit names can). */
const unitSlug = (unit: string) => `unit-${encodeURIComponent(unit)}`;

type DirectoryStore = Pick<Store, 'accounts' | 'dav' | 'changes'>;

interface Book {
  id: string;
  /** Every card's text folded for prefiltering (card-prefilter.ts), kept in step with the
   *  store by this class, the directory's only writer. */
  folded: FoldedIndex;
  /** Names of the group cards in the book. */
  groupCards: Set<string>;
}

/** A directory book a user may read: the shared one (unit null) or that of a hidden unit. */
export interface DirectoryView {
  unit: string | null;
  collection: DavCollection;
}

export class DirectoryBook {
  /** null until the first build, and after a failure (rebuilt from scratch then). */
  private books: Map<string, Book> | null = null;
  private visibility = UnitVisibility.of([]);
  private cursor = 0;
  private running: Promise<void> | null = null;

  constructor(private readonly store: DirectoryStore, private readonly log: Logger) {}

  /** The books a user of `unit` reads, shared one first, up to date with every account change. */
  async views(unit: string | null): Promise<DirectoryView[]> {
    for (let attempt = 0; ; attempt++) {
      await this.sync();
      const keys = [SHARED, ...this.visibility.hiddenAround(unit)];
      const out: DirectoryView[] = [];
      for (const key of keys) {
        const book = this.books?.get(key);
        const collection = book ? await this.store.dav.getCollection(book.id) : null;
        if (!collection) break;
        out.push({ unit: key === SHARED ? null : key, collection });
      }
      if (out.length === keys.length || attempt > 0) return out;
      // Deleted under us (by hand): make the books again from scratch.
      this.books = null;
    }
  }

  /** One catch-up at a time; callers arriving meanwhile wait for a fresh one. */
  async sync(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.catchUp().finally(() => { this.running = null; });
    return this.running;
  }

  /** Names of the cards of a directory book holding the needles of an addressbook-query
   *  (card-prefilter.ts), in name order, from the in-memory copy: a query by name over 100,000
   *  cards reads only the few that can match. null if `collectionId` is no directory book. */
  async search(collectionId: string, needles: Needles): Promise<string[] | null> {
    await this.sync();
    for (const book of this.books?.values() ?? []) if (book.id === collectionId) return book.folded.search(needles);
    return null;
  }

  private async catchUp(): Promise<void> {
    if (this.books === null) {
      const cursor = await this.store.changes.latest();
      try {
        await this.rebuild();
      } catch (err) {
        // Try again from scratch at the next request rather than serve a half-built book.
        this.books = null;
        throw err;
      }
      this.cursor = cursor;
      return;
    }
    const users = new Set<string>();
    let groups = false;
    let full = false;
    let units = false;
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
        } else if (e.kind === 'account.unit') {
          // A unit made, hidden or shown: people move between books only if what is hidden
          // changed (compared below); a new unit alone moves nobody.
          units = true;
        }
      }
    }
    if (users.size === 0 && !groups && !full && !units) {
      this.cursor = cursor;
      return;
    }
    const unitRows = await this.units();
    const visibility = UnitVisibility.of([...unitRows.values()]);
    // The cursor moves only once the changes are applied: a failure retries them.
    if (full || users.size > PAGE || visibility.hidden.join('\n') !== this.visibility.hidden.join('\n')) {
      await this.rebuildOrReset();
      this.cursor = cursor;
      return;
    }
    this.visibility = visibility;
    const books = this.books;
    const cards = new Map<string, DavItemInput[]>();
    for (const id of users) {
      const user = await this.store.accounts.getUser(id);
      const target = user && user.enabled ? this.keyOf(user.unit) : null;
      const name = userCardName(id);
      // A user whose unit changed (or was hidden) leaves the book it was in.
      for (const [key, book] of books) if (key !== target && book.folded.has(name)) await this.removeCard(book, name);
      if (target === null) continue;
      cards.set(target, [...(cards.get(target) ?? []), userCard(user!, unitRows)]);
    }
    for (const [key, list] of cards) {
      const book = books.get(key)!;
      const { changed } = await this.compare(book, list);
      if (changed.length > 0) await this.write(book, changed);
    }
    // A member's address appears in its groups' cards too.
    if (groups) {
      await this.rebuildGroups(books);
    } else {
      const touched = new Set<string>();
      for (const id of users) for (const g of await this.store.accounts.listGroupsOfUser(id)) touched.add(g.id);
      if (touched.size) await this.rebuildGroups(books, touched);
    }
    this.cursor = cursor;
  }

  private async rebuildOrReset(): Promise<void> {
    try {
      await this.rebuild();
    } catch (err) {
      this.books = null;
      throw err;
    }
  }

  /** The book holding people of `unit`. */
  private keyOf(unit: string | null): string {
    return this.visibility.hidingUnit(unit) ?? SHARED;
  }

  /** The shared book and one per hidden unit, made or renamed as needed; books of units no
   *  longer hidden are deleted (their readers get 404 and drop them). */
  private async ensureBooks(units: Map<string, Unit>): Promise<Map<string, Book>> {
    const dav = this.store.dav;
    const existing = new Map((await dav.listCollections(OWNER, OWNER, 'addressbook')).map((c) => [c.slug, c]));
    const wanted = new Map<string, { slug: string; displayName: string; description: string }>([[SHARED, {
      slug: DIRECTORY_SLUG, displayName: 'Directory', description: 'Everyone in the district, from the accounts (read-only)',
    }]]);
    for (const unit of this.visibility.hidden) {
      const name = units.get(unit)?.displayName || unit;
      wanted.set(unit, { slug: unitSlug(unit), displayName: `Directory – ${name}`, description: `The people of ${name}, seen only inside it (read-only)` });
    }
    const books = new Map<string, Book>();
    for (const [key, want] of wanted) {
      let collection = existing.get(want.slug);
      existing.delete(want.slug);
      if (!collection) {
        collection = await dav.createCollection({
          ownerType: OWNER, ownerId: OWNER, kind: 'addressbook', slug: want.slug, displayName: want.displayName,
          description: want.description, color: null, components: [], props: {},
        }).catch(async (err) => {
          // Another process made it first.
          const again = await dav.findCollection(OWNER, OWNER, 'addressbook', want.slug);
          if (again) return again;
          throw err;
        });
      } else if (collection.displayName !== want.displayName || collection.description !== want.description) {
        collection = await dav.updateCollection(collection.id, { displayName: want.displayName, description: want.description });
      }
      const previous = this.books?.get(key);
      books.set(key, previous?.id === collection.id ? previous : { id: collection.id, folded: new FoldedIndex(), groupCards: new Set() });
    }
    for (const stale of existing.values()) {
      if (stale.slug.startsWith('unit-')) await dav.deleteCollection(stale.id).catch((err) => {
        if ((err as { code?: string }).code !== 'NOT_FOUND') throw err;
      });
    }
    return books;
  }

  /** Reconciles every card of every book with the accounts: writes only what differs, so
   *  tokens move only for real changes. */
  private async rebuild(): Promise<void> {
    const started = Date.now();
    const units = await this.units();
    this.visibility = UnitVisibility.of([...units.values()]);
    const books = await this.ensureBooks(units);
    this.books = books;
    const wanted = new Map<string, Map<string, DavItemInput>>([...books.keys()].map((k) => [k, new Map()]));
    for (let after: string | undefined; ;) {
      const page: User[] = await this.store.accounts.listUsers({ after, limit: PAGE });
      for (const u of page) if (u.enabled) wanted.get(this.keyOf(u.unit))!.set(userCardName(u.id), userCard(u, units));
      if (page.length < PAGE) break;
      after = page[page.length - 1].address;
    }
    let written = 0;
    for (const [key, book] of books) {
      const want = wanted.get(key)!;
      const existing = await this.store.dav.listItems(book.id);
      book.groupCards = new Set(existing.filter((i) => i.name.startsWith('group-')).map((i) => i.name));
      book.folded.clear();
      for (const item of existing) {
        if (item.name.startsWith('group-')) continue;
        const card = want.get(item.name);
        if (!card) {
          await this.removeCard(book, item.name);
          written++;
        } else if (card.data === item.data) {
          book.folded.set(item.name, foldCard(item.data));
          want.delete(item.name);
        }
      }
      written += await this.write(book, [...want.values()]);
    }
    await this.rebuildGroups(books);
    this.log.info({ written, books: books.size, ms: Date.now() - started }, 'directory address books reconciled');
  }

  /** Group cards: all of them (removing those of deleted groups), or only `only`. A group's
   *  card lists only the members every reader of its book may see. */
  private async rebuildGroups(books: Map<string, Book>, only?: Set<string>): Promise<void> {
    const groups = (await this.store.accounts.listGroups()).filter((g) => !only || only.has(g.id));
    const stale = new Map([...books].map(([key, book]) => [key, new Set(only ? [] : book.groupCards)]));
    const memberOf = new Map<string, User | null>();
    const cards = new Map<string, DavItemInput[]>();
    for (const group of groups) {
      const key = this.keyOf(group.unit);
      const book = books.get(key)!;
      const card = groupCard(group, await this.visibleMembers(group, key, memberOf));
      // A group whose unit was hidden or shown leaves the other books.
      for (const [other, b] of books) if (other !== key && only && b.groupCards.has(card.name)) await this.removeGroupCard(b, card.name);
      cards.set(key, [...(cards.get(key) ?? []), card]);
      stale.get(key)!.delete(card.name);
      book.groupCards.add(card.name);
    }
    for (const [key, list] of cards) {
      const book = books.get(key)!;
      const { changed, same } = await this.compare(book, list);
      for (const card of same) book.folded.set(card.name, foldCard(card.data));
      if (changed.length > 0) await this.write(book, changed);
    }
    for (const [key, names] of stale) for (const name of names) await this.removeGroupCard(books.get(key)!, name);
  }

  /** Splits `cards` into those that differ from what the book holds and those it holds as
   *  they are, reading the book's copies in one go (DavStore.getItems). */
  private async compare(book: Book, cards: DavItemInput[]): Promise<{ changed: DavItemInput[]; same: DavItemInput[] }> {
    const held = new Map((await this.store.dav.getItems(book.id, cards.map((c) => c.name))).map((i) => [i.name, i.data]));
    const changed: DavItemInput[] = [];
    const same: DavItemInput[] = [];
    for (const card of cards) (held.get(card.name) === card.data ? same : changed).push(card);
    return { changed, same };
  }

  private async visibleMembers(group: Group, key: string, memberOf: Map<string, User | null>): Promise<string[]> {
    const members: string[] = [];
    for (const id of group.memberIds) {
      if (!memberOf.has(id)) {
        const u = await this.store.accounts.getUser(id);
        memberOf.set(id, u && u.enabled ? u : null);
      }
      const u = memberOf.get(id);
      // The readers of a hidden unit's book are inside that unit: what someone there sees.
      if (u && this.visibility.sees(key === SHARED ? null : key, u.unit)) members.push(u.address);
    }
    return members.sort();
  }

  /** Writes cards in batches: one transaction (one fsync) per thousand, not per card. */
  private async write(book: Book, cards: DavItemInput[]): Promise<number> {
    for (let i = 0; i < cards.length; i += PAGE) {
      const batch = cards.slice(i, i + PAGE);
      await this.store.dav.putItems(book.id, batch);
      for (const card of batch) book.folded.set(card.name, foldCard(card.data));
    }
    return cards.length;
  }

  private async removeGroupCard(book: Book, name: string): Promise<void> {
    await this.removeCard(book, name);
    book.groupCards.delete(name);
  }

  private async removeCard(book: Book, name: string): Promise<void> {
    await this.store.dav.deleteItem(book.id, name).catch((err) => {
      if ((err as { code?: string }).code !== 'NOT_FOUND') throw err;
    });
    book.folded.delete(name);
  }

  private async units(): Promise<Map<string, Unit>> {
    return new Map((await this.store.accounts.listUnits()).map((u) => [u.name, u]));
  }
}
