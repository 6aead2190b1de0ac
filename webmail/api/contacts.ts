// Address autocomplete: the district directory (users and groups of every hosted domain) and
// the user's personal address books (CardDAV collections in the DavStore).
import { randomUUID } from 'node:crypto';
import { buildVCard, UnitVisibility } from '../../core/index.js';
import type { ChangeEvent, DavCollection, DavItem, Store, Unit } from '../../storage/index.js';
import type { AuthedContext } from './context.js';
import { Errors } from './errors.js';
import { sendJson, str, strList } from './http.js';
import type { ApiRoute } from './router.js';

export interface Contact {
  name: string;
  address: string;
  source: 'directory' | 'personal';
}

interface DirectoryEntry extends Contact {
  key: string;
  unit: string | null;
  kind: 'user' | 'group';
}

const MAX_RESULTS = 20;
const PAGE = 1000;

/** Lower case without accents: "Hélène" is found by "helene". */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * The directory kept in memory (some 100,000 names and addresses: a few MB), loaded on first
 * use and again after an account change: the store has no name search, and a scan per
 * keystroke would be far slower than this. The units and who sees whom among them
 * (UnitVisibility) are kept too, and dropped on a unit change: autocomplete asks on every
 * keystroke.
 *
 * Staleness: the change feed's subscription drops a copy as soon as this process commits a
 * change; a change committed by another process (the CLI beside the server) reaches
 * subscribers only at the feed's next poll, so each read first compares the feed's newest seq
 * with the last one accounted for and reads the few events in between. Hiding a unit thus
 * takes effect at the very next request, whoever made the change.
 */
export class Directory {
  private entries: DirectoryEntry[] | null = null;
  private loading: Promise<DirectoryEntry[]> | null = null;
  private generation = 0;
  private units: UnitsView | null = null;
  private unitsLoading: Promise<UnitsView> | null = null;
  private unitsGeneration = 0;
  /** The newest change-feed seq whose account changes are reflected (or dropped) here. */
  private seen = 0;

  constructor(private readonly store: Pick<Store, 'accounts' | 'changes'>) {}

  /** Feed one change-feed event (from a subscription): drops what it makes stale. */
  observe(e: ChangeEvent): void {
    // Already read by catchUp (a change of another process, delivered at the feed's poll).
    if (e.seq <= this.seen) return;
    this.apply(e);
    this.seen = e.seq;
  }

  /** Marks the whole copy stale. */
  invalidate(): void {
    this.invalidateEntries();
    this.invalidateUnits();
  }

  private invalidateEntries(): void {
    this.generation += 1;
    this.entries = null;
  }

  private invalidateUnits(): void {
    this.unitsGeneration += 1;
    this.units = null;
  }

  private apply(e: Pick<ChangeEvent, 'kind'>): void {
    switch (e.kind) {
      // A user's unit may be one that bulk provisioning has just created (no unit event).
      case 'account.user': this.invalidate(); break;
      case 'account.group': this.invalidateEntries(); break;
      case 'account.unit': this.invalidateUnits(); break;
      default: break;
    }
  }

  /** Applies the account changes committed since the last look (those of other processes
   *  that the subscription has not delivered yet). */
  private async catchUp(): Promise<void> {
    const latest = await this.store.changes.latest();
    if (latest <= this.seen) return;
    if (this.entries === null && this.units === null && this.seen === 0) {
      // Nothing held yet: what is loaded next is newer than every event up to `latest`.
      this.seen = latest;
      return;
    }
    for (let cursor = this.seen; cursor < latest;) {
      const events = await this.store.changes.since(cursor, { limit: PAGE });
      if (events.length === 0) break;
      for (const e of events) this.apply(e);
      cursor = events[events.length - 1].seq;
      if (cursor > this.seen) this.seen = cursor;
    }
    if (latest > this.seen) this.seen = latest;
  }

  async search(q: string, viewer: string | null, limit = MAX_RESULTS): Promise<Contact[]> {
    const words = fold(q).split(/\s+/).filter(Boolean);
    if (words.length === 0) return [];
    const { visibility } = await this.unitsView();
    const visible: Visible = (unit) => visibility.sees(viewer, unit);
    return (await this.find(words, null, visible, limit)).map((e) => ({ name: e.name, address: e.address, source: 'directory' as const }));
  }

  /** Entries matching every word, in `units` when given (null: anywhere), that the viewer may see. */
  async find(words: string[], units: Set<string> | null, visible: Visible, limit: number): Promise<DirectoryEntry[]> {
    const out: DirectoryEntry[] = [];
    for (const e of await this.load()) {
      if (units && (e.unit === null || !units.has(e.unit))) continue;
      if (!visible(e.unit)) continue;
      if (words.every((w) => e.key.includes(w))) {
        out.push(e);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /** Every unit and who sees whom, up to date with the change feed. */
  async unitsView(): Promise<UnitsView> {
    await this.catchUp();
    if (this.units) return this.units;
    const generation = this.unitsGeneration;
    this.unitsLoading ??= (async () => {
      const all = await this.store.accounts.listUnits();
      return { all, visibility: UnitVisibility.of(all) };
    })().finally(() => { this.unitsLoading = null; });
    const view = await this.unitsLoading;
    if (generation === this.unitsGeneration) this.units = view;
    return view;
  }

  private async load() {
    await this.catchUp();
    if (this.entries) return this.entries;
    const generation = this.generation;
    this.loading ??= (async () => {
      const list: DirectoryEntry[] = [];
      let after: string | undefined;
      for (;;) {
        const users = await this.store.accounts.listUsers({ after, limit: PAGE });
        for (const u of users) {
          if (u.enabled) list.push({ name: u.displayName, address: u.address, source: 'directory', key: fold(`${u.displayName} ${u.address}`), unit: u.unit, kind: 'user' });
        }
        if (users.length < PAGE) break;
        after = users[users.length - 1].address;
      }
      for (const g of await this.store.accounts.listGroups()) {
        list.push({ name: g.displayName, address: g.address, source: 'directory', key: fold(`${g.displayName} ${g.address}`), unit: g.unit, kind: 'group' });
      }
      return list;
    })().finally(() => { this.loading = null; });
    const list = await this.loading;
    if (generation === this.generation) this.entries = list;
    return list;
  }
}

/** The units and the visibility rule built from them (core/accounts/units.ts). */
interface UnitsView {
  all: Unit[];
  visibility: UnitVisibility;
}

/** FN and EMAIL of a vCard (RFC 6350 §3.2 unfolding, §3.4 escapes); enough for autocomplete. */
export function vcardEmails(data: string): { name: string; addresses: string[] } {
  const lines = data.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  let name = '';
  const addresses: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const prop = line.slice(0, colon).split(';')[0].toUpperCase().replace(/^ITEM\d+\./, '');
    const value = line.slice(colon + 1).replace(/\\([,;\\])/g, '$1').replace(/\\n/gi, ' ').trim();
    if (prop === 'FN' && !name) name = value;
    if (prop === 'EMAIL' && value) addresses.push(value.replace(/^mailto:/i, ''));
  }
  return { name, addresses };
}

/** Whether the viewer may see an entry of this unit. */
type Visible = (unit: string | null) => boolean;

/** A hidden unit's people and groups are seen only from inside it (core/accounts/units.ts). */
function visibleTo(ctx: AuthedContext, visibility: UnitVisibility): Visible {
  return (unit) => visibility.sees(ctx.user.unit, unit);
}

/** The unit and every unit below it. */
function unitTree(units: { name: string; parent: string | null }[], root: string): Set<string> {
  const out = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const u of units) {
      if (u.parent && out.has(u.parent) && !out.has(u.name)) {
        out.add(u.name);
        grew = true;
      }
    }
  }
  return out;
}

async function ownCard(ctx: AuthedContext, name: string): Promise<{ book: DavCollection; item: DavItem }> {
  for (const book of await ctx.deps.store.dav.listCollections('user', ctx.user.id, 'addressbook')) {
    const item = await ctx.deps.store.dav.getItem(book.id, name);
    if (item && item.componentType === 'VCARD') return { book, item };
  }
  throw Errors.notFound('No such contact');
}

function cardJson(bookId: string, item: DavItem) {
  const card = vcardEmails(item.data);
  const field = (prop: string) => new RegExp(`^${prop}(;[^:]*)?:(.*)$`, 'im').exec(item.data.replace(/\r?\n[ \t]/g, ''))?.[2]?.replace(/\\([,;\\])/g, '$1').replace(/;+$/, '').trim() ?? '';
  return { id: item.name, addressBookId: bookId, uid: item.uid, name: card.name, emails: card.addresses, organization: field('ORG'), title: field('TITLE'), etag: item.etag };
}

function cardInput(body: Record<string, unknown>, uid: string) {
  const name = str(body, 'name', { max: 300 }).trim();
  if (!name) throw Errors.invalid('A contact needs a name', 'name');
  const emails = strList(body, 'emails', 20).map((e) => e.trim()).filter(Boolean);
  for (const e of emails) if (!/^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/.test(e)) throw Errors.invalid(`"${e}" is not an address`, 'emails');
  return buildVCard({ uid, fn: name, emails, org: str(body, 'organization', { optional: true, max: 300 }) || undefined, title: str(body, 'title', { optional: true, max: 300 }) || undefined });
}

export function contactRoutes(directory: Directory): ApiRoute[] {
  return [
    {
      // The district directory: search by name or address, within a unit (and its sub-units).
      method: 'GET', path: '/directory',
      async handler(ctx) {
        const words = fold((ctx.url.searchParams.get('q') ?? '').slice(0, 200)).split(/\s+/).filter(Boolean);
        const unit = ctx.url.searchParams.get('unit');
        const { all, visibility } = await directory.unitsView();
        const units = unit ? unitTree(all, unit) : null;
        if (words.length === 0 && !units) throw Errors.invalid('Give a name to search for, or a unit', 'q');
        const found = await directory.find(words, units, visibleTo(ctx, visibility), 200);
        sendJson(ctx.res, 200, { people: found.map((e) => ({ name: e.name, address: e.address, unit: e.unit, kind: e.kind })) });
      },
    },
    {
      method: 'GET', path: '/directory/units',
      async handler(ctx) {
        // Not a keystroke path: read afresh, so that a unit just made (no change event) is listed.
        const all = await ctx.deps.store.accounts.listUnits();
        const visible = visibleTo(ctx, UnitVisibility.of(all));
        const units = all.filter((u) => visible(u.name));
        sendJson(ctx.res, 200, { units: units.map((u) => ({ name: u.name, displayName: u.displayName, parent: u.parent })) });
      },
    },
    {
      method: 'GET', path: '/addressbook',
      async handler(ctx) {
        const { dav } = ctx.deps.store;
        const contacts = [];
        for (const book of await dav.listCollections('user', ctx.user.id, 'addressbook')) {
          for (const item of await dav.listItems(book.id, { componentType: 'VCARD' })) contacts.push(cardJson(book.id, item));
        }
        contacts.sort((a, b) => a.name.localeCompare(b.name, 'fr'));
        sendJson(ctx.res, 200, { contacts });
      },
    },
    {
      method: 'POST', path: '/addressbook',
      async handler(ctx) {
        const body = await ctx.body();
        const books = await ctx.deps.store.dav.listCollections('user', ctx.user.id, 'addressbook');
        const book = books.find((b) => b.slug === 'default') ?? books[0];
        if (!book) throw Errors.conflict('You have no address book');
        const uid = randomUUID();
        const { item } = await ctx.deps.store.dav.putItem(book.id, { name: `${uid}.vcf`, uid, data: cardInput(body, uid), componentType: 'VCARD', firstStart: null, lastEnd: null }, { ifNoneMatch: '*' });
        sendJson(ctx.res, 201, cardJson(book.id, item));
      },
    },
    {
      method: 'PUT', path: '/addressbook/:id',
      async handler(ctx) {
        const { book, item } = await ownCard(ctx, ctx.params.id);
        const body = await ctx.body();
        const { item: saved } = await ctx.deps.store.dav.putItem(book.id, { name: item.name, uid: item.uid, data: cardInput(body, item.uid), componentType: 'VCARD', firstStart: null, lastEnd: null }, { ifMatch: typeof body.etag === 'string' ? body.etag : item.etag });
        sendJson(ctx.res, 200, cardJson(book.id, saved));
      },
    },
    {
      method: 'DELETE', path: '/addressbook/:id',
      async handler(ctx) {
        const { book, item } = await ownCard(ctx, ctx.params.id);
        await ctx.deps.store.dav.deleteItem(book.id, item.name);
        sendJson(ctx.res, 204, null);
      },
    },
    {
      method: 'GET', path: '/contacts',
      async handler(ctx) {
        const q = (ctx.url.searchParams.get('q') ?? '').trim().slice(0, 200);
        const words = fold(q).split(/\s+/).filter(Boolean);
        const personal: Contact[] = [];
        if (words.length > 0) {
          const { dav } = ctx.deps.store;
          for (const book of await dav.listCollections('user', ctx.user.id, 'addressbook')) {
            for (const item of await dav.listItems(book.id, { componentType: 'VCARD' })) {
              const card = vcardEmails(item.data);
              for (const address of card.addresses) {
                const key = fold(`${card.name} ${address}`);
                if (words.every((w) => key.includes(w))) personal.push({ name: card.name, address, source: 'personal' });
              }
            }
          }
        }
        const seen = new Set<string>();
        const contacts: Contact[] = [];
        for (const c of [...personal, ...(await directory.search(q, ctx.user.unit))]) {
          const k = c.address.toLowerCase();
          if (seen.has(k)) continue;
          seen.add(k);
          contacts.push(c);
          if (contacts.length >= MAX_RESULTS) break;
        }
        sendJson(ctx.res, 200, { contacts });
      },
    },
  ];
}
