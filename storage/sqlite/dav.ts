// Calendars and address books. Each collection carries one counter, sync_token, bumped by
// every change to it or its items; an item remembers the token of its last change (modseq)
// and a deleted item leaves a tombstone, so "what changed since token N" is two index scans
// (RFC 6578). The counter lives in the database, so tokens survive a restart.
import { createHash } from 'node:crypto';
import { AlreadyExists, Invalid, NotFound, PreconditionFailed } from '../../core/errors.js';
import type { DavCollection, DavItem, DavItemInput, DavKind, DavOwnerType, DavStore, Id } from '../types.js';
import { newId, prepareCached, writeTx, type Db } from './db.js';
import type { SqliteContext } from './index.js';

interface CollectionRow {
  id: string; owner_type: DavOwnerType; owner_id: string; kind: DavKind; slug: string;
  display_name: string; description: string; color: string | null; components: string;
  props: string; sync_token: number; sync_horizon: number; created_at: number;
}

interface ItemRow {
  collection_id: string; name: string; uid: string; etag: string; data: string;
  component_type: string; modseq: number; size: number; first_start: number | null;
  last_end: number | null; updated_at: number;
}

export interface SqliteDavOptions {
  /** How long a deleted item's tombstone is kept. A client whose sync token predates a
   *  pruned tombstone is told to start over (RFC 6578 §3.2, DAV:valid-sync-token). */
  tombstoneRetentionMs?: number;
}

const DEFAULT_TOMBSTONE_RETENTION_MS = 180 * 24 * 3600_000;
const OWNER_TYPES: readonly string[] = ['user', 'group', 'directory'];
const KINDS: readonly string[] = ['calendar', 'addressbook'];
/** Names per getItems query: far under SQLite's bound-parameter limit (32766 since 3.32, 999 before). */
const GET_ITEMS_CHUNK = 512;

export class SqliteDav implements DavStore {
  private readonly db: Db;
  private readonly ctx: SqliteContext;
  private readonly retentionMs: number;

  constructor(ctx: SqliteContext, options: SqliteDavOptions = {}) {
    this.ctx = ctx;
    this.db = ctx.db;
    this.retentionMs = options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS;
  }

  async createCollection(input: Omit<DavCollection, 'id' | 'syncToken' | 'createdAt'>): Promise<DavCollection> {
    if (!OWNER_TYPES.includes(input.ownerType)) throw new Invalid(`bad owner type ${input.ownerType}`, 'ownerType');
    if (!KINDS.includes(input.kind)) throw new Invalid(`bad collection kind ${input.kind}`, 'kind');
    checkSegment(input.slug, 'slug');
    checkProps(input.props);
    const row = writeTx(this.db, () => this.insertCollection(input));
    this.ctx.changes.notify();
    return toCollection(row);
  }

  /** Inside a write transaction (the caller's): one new collection row. */
  insertCollection(input: Omit<DavCollection, 'id' | 'syncToken' | 'createdAt'>) {
    if (this.findRow(input.ownerType, input.ownerId, input.kind, input.slug)) {
      throw new AlreadyExists(`${input.kind} ${input.slug} already exists`);
    }
    const id = newId();
    prepareCached(this.db, `INSERT INTO dav_collections (id, owner_type, owner_id, kind, slug, display_name, description,
        color, components, props, sync_token, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`)
      .run(id, input.ownerType, input.ownerId, input.kind, input.slug, input.displayName, input.description,
        input.color, JSON.stringify(input.components), JSON.stringify(input.props ?? {}), Date.now());
    const created = this.collectionRow(id)!;
    this.recordChange('dav.collection', created, 0);
    return created;
  }

  async getCollection(id: Id): Promise<DavCollection | null> {
    const row = this.collectionRow(id);
    return row ? toCollection(row) : null;
  }

  async findCollection(ownerType: DavOwnerType, ownerId: Id, kind: DavKind, slug: string): Promise<DavCollection | null> {
    const row = this.findRow(ownerType, ownerId, kind, slug);
    return row ? toCollection(row) : null;
  }

  async listCollections(ownerType: DavOwnerType, ownerId: Id, kind?: DavKind): Promise<DavCollection[]> {
    const rows = (kind
      ? prepareCached(this.db, 'SELECT * FROM dav_collections WHERE owner_type = ? AND owner_id = ? AND kind = ? ORDER BY kind, slug').all(ownerType, ownerId, kind)
      : prepareCached(this.db, 'SELECT * FROM dav_collections WHERE owner_type = ? AND owner_id = ? ORDER BY kind, slug').all(ownerType, ownerId)) as CollectionRow[];
    return rows.map(toCollection);
  }

  async updateCollection(id: Id, patch: Partial<Pick<DavCollection, 'displayName' | 'description' | 'color' | 'props'>>): Promise<DavCollection> {
    if (patch.props !== undefined) checkProps(patch.props);
    const row = writeTx(this.db, () => {
      const current = this.requireCollection(id);
      prepareCached(this.db, `UPDATE dav_collections SET display_name = ?, description = ?, color = ?, props = ? WHERE id = ?`).run(
        patch.displayName ?? current.display_name,
        patch.description ?? current.description,
        patch.color !== undefined ? patch.color : current.color,
        patch.props !== undefined ? JSON.stringify(patch.props) : current.props,
        id);
      // Clients cache collection properties under the CTag, so a property change bumps it.
      const token = this.bumpToken(id);
      this.recordChange('dav.collection', current, token);
      return this.collectionRow(id)!;
    });
    this.ctx.changes.notify();
    return toCollection(row);
  }

  async deleteCollection(id: Id): Promise<void> {
    writeTx(this.db, () => {
      const current = this.requireCollection(id);
      // Items and tombstones go by ON DELETE CASCADE.
      prepareCached(this.db, 'DELETE FROM dav_collections WHERE id = ?').run(id);
      this.recordChange('dav.collection', current, current.sync_token);
    });
    this.ctx.changes.notify();
  }

  async putItem(collectionId: Id, input: DavItemInput, conditions: { ifMatch?: string; ifNoneMatch?: '*' } = {}): Promise<{ item: DavItem; created: boolean }> {
    checkItemInput(input);
    const result = writeTx(this.db, () => this.writeItem(this.requireCollection(collectionId), input, conditions));
    this.ctx.changes.notify();
    return { item: toItem(result.row), created: result.created };
  }

  async putItems(collectionId: Id, inputs: DavItemInput[]): Promise<DavItem[]> {
    for (const input of inputs) checkItemInput(input);
    if (new Set(inputs.map((i) => i.name)).size !== inputs.length) throw new Invalid('the same name twice in one batch', 'name');
    const rows = writeTx(this.db, () => {
      const collection = this.requireCollection(collectionId);
      return inputs.map((input) => this.writeItem(collection, input, {}).row);
    });
    this.ctx.changes.notify();
    return rows.map(toItem);
  }

  /** Inside a write transaction: one item written, token bumped, change recorded. */
  private writeItem(collection: CollectionRow, input: DavItemInput, conditions: { ifMatch?: string; ifNoneMatch?: '*' }): { row: ItemRow; created: boolean } {
    const collectionId = collection.id;
    const etag = strongEtag(input.data);
    const size = Buffer.byteLength(input.data, 'utf8');
    const existing = this.itemRow(collectionId, input.name);
    checkConditions(existing, conditions);
    // RFC 4791 §5.3.2.1 / RFC 6352 §6.3.2.1 (no-uid-conflict): a UID names one resource.
    const clash = prepareCached(this.db, 'SELECT name FROM dav_items WHERE collection_id = ? AND uid = ? AND name <> ?')
      .pluck().get(collectionId, input.uid, input.name) as string | undefined;
    if (clash !== undefined) throw new AlreadyExists(`UID ${input.uid} is already used by ${clash}`);
    const token = this.bumpToken(collectionId);
    prepareCached(this.db, `INSERT INTO dav_items (collection_id, name, uid, etag, data, component_type, modseq, size,
        first_start, last_end, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (collection_id, name) DO UPDATE SET uid = excluded.uid, etag = excluded.etag, data = excluded.data,
        component_type = excluded.component_type, modseq = excluded.modseq, size = excluded.size,
        first_start = excluded.first_start, last_end = excluded.last_end, updated_at = excluded.updated_at`)
      .run(collectionId, input.name, input.uid, etag, input.data, input.componentType, token, size,
        input.firstStart?.getTime() ?? null, input.lastEnd?.getTime() ?? null, Date.now());
    // A name deleted then re-created is reported as changed, not as removed.
    prepareCached(this.db, 'DELETE FROM dav_tombstones WHERE collection_id = ? AND name = ?').run(collectionId, input.name);
    this.recordChange('dav.item', collection, token);
    return { row: this.itemRow(collectionId, input.name)!, created: !existing };
  }

  async getItem(collectionId: Id, name: string): Promise<DavItem | null> {
    const row = this.itemRow(collectionId, name);
    return row ? toItem(row) : null;
  }

  async getItems(collectionId: Id, names: string[]): Promise<DavItem[]> {
    const wanted = [...new Set(names)];
    const found = new Map<string, ItemRow>();
    for (let i = 0; i < wanted.length; i += GET_ITEMS_CHUNK) {
      const chunk = wanted.slice(i, i + GET_ITEMS_CHUNK);
      // Placeholders come in powers of two (padded with a repeated name), so that a few
      // statement shapes serve every size and stay in the statement cache.
      let width = 1;
      while (width < chunk.length) width *= 2;
      const params = [...chunk, ...Array<string>(width - chunk.length).fill(chunk[0])];
      const rows = prepareCached(this.db, `SELECT * FROM dav_items WHERE collection_id = ? AND name IN (${Array(width).fill('?').join(', ')})`)
        .all(collectionId, ...params) as ItemRow[];
      for (const row of rows) found.set(row.name, row);
    }
    return wanted.flatMap((name) => {
      const row = found.get(name);
      return row ? [toItem(row)] : [];
    });
  }

  async findItemByUid(collectionId: Id, uid: string): Promise<DavItem | null> {
    // The UNIQUE index (collection_id, uid) that enforces no-uid-conflict answers this.
    const row = prepareCached(this.db, 'SELECT * FROM dav_items WHERE collection_id = ? AND uid = ?').get(collectionId, uid) as ItemRow | undefined;
    return row ? toItem(row) : null;
  }

  async listItems(collectionId: Id, options: { componentType?: string; range?: { start: Date | null; end: Date | null } } = {}): Promise<DavItem[]> {
    const where = ['collection_id = ?'];
    const params: (string | number)[] = [collectionId];
    if (options.componentType) {
      where.push('component_type = ?');
      params.push(options.componentType);
    }
    const start = options.range?.start?.getTime() ?? null;
    const end = options.range?.end?.getTime() ?? null;
    // Overlap as in RFC 4791 §9.9: the span starts before the range ends and ends after the
    // range starts; a zero-length span (an instant) matches when start <= it < end.
    // A NULL first_start reaches back forever, a NULL last_end forward forever.
    if (end !== null) {
      where.push('(first_start IS NULL OR first_start < ?)');
      params.push(end);
    }
    if (start !== null) {
      where.push('(last_end IS NULL OR last_end > ? OR (last_end = first_start AND first_start >= ?))');
      params.push(start, start);
    }
    const rows = prepareCached(this.db, `SELECT * FROM dav_items WHERE ${where.join(' AND ')} ORDER BY name`).all(...params) as ItemRow[];
    return rows.map(toItem);
  }

  async deleteItem(collectionId: Id, name: string, conditions: { ifMatch?: string } = {}): Promise<void> {
    writeTx(this.db, () => {
      const collection = this.requireCollection(collectionId);
      const existing = this.itemRow(collectionId, name);
      if (!existing) throw new NotFound(`no item ${name}`);
      checkConditions(existing, conditions);
      const token = this.bumpToken(collectionId);
      const now = Date.now();
      prepareCached(this.db, 'DELETE FROM dav_items WHERE collection_id = ? AND name = ?').run(collectionId, name);
      prepareCached(this.db, `INSERT INTO dav_tombstones (collection_id, name, modseq, deleted_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (collection_id, name) DO UPDATE SET modseq = excluded.modseq, deleted_at = excluded.deleted_at`)
        .run(collectionId, name, token, now);
      this.pruneTombstones(collectionId, now - this.retentionMs);
      this.recordChange('dav.item', collection, token);
    });
    this.ctx.changes.notify();
  }

  async changesSince(collectionId: Id, token: number): Promise<{ token: number; changed: string[]; deleted: string[] }> {
    const { changed, deleted, next } = await this.changesPage(collectionId, { token });
    return { token: next.token, changed, deleted };
  }

  async changesPage(collectionId: Id, from: { token: number; floor?: number }, limit?: number): Promise<{
    changed: string[]; deleted: string[]; truncated: boolean; next: { token: number; floor: number };
  }> {
    const { token } = from;
    const floor = from.floor ?? token;
    if (!Number.isSafeInteger(token) || token < 0) throw new Invalid(`bad sync token ${token}`, 'token');
    if (!Number.isSafeInteger(floor) || floor < token) throw new Invalid(`bad sync floor ${floor}`, 'floor');
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) throw new Invalid(`bad limit ${limit}`, 'limit');
    return this.db.transaction(() => {
      const collection = this.requireCollection(collectionId);
      if (floor > collection.sync_token) throw new Invalid(`sync token ${floor} was never issued`, 'token');
      // Floor 0: the client holds nothing yet, so no removal up to now concerns it (RFC 6578
      // §3.4: an initial sync reports no removed members).
      const since = floor === 0 ? collection.sync_token : floor;
      // Removals the client needs may have been pruned (see pruneTombstones).
      if (floor !== 0 && floor < collection.sync_horizon) throw new Invalid(`sync token ${floor} is too old`, 'token');
      const take = limit === undefined ? -1 : limit + 1;
      const changed = prepareCached(this.db, 'SELECT name, modseq FROM dav_items WHERE collection_id = ? AND modseq > ? ORDER BY modseq, name LIMIT ?')
        .all(collectionId, token, take) as { name: string; modseq: number }[];
      const deleted = prepareCached(this.db, 'SELECT name, modseq FROM dav_tombstones WHERE collection_id = ? AND modseq > ? ORDER BY modseq, name LIMIT ?')
        .all(collectionId, since, take) as { name: string; modseq: number }[];
      const all = [...changed.map((c) => ({ ...c, gone: false })), ...deleted.map((d) => ({ ...d, gone: true }))]
        .sort((a, b) => a.modseq - b.modseq);
      const page = limit === undefined ? all : all.slice(0, limit);
      const truncated = page.length < all.length;
      // Every change has its own modseq, so "up to the last one reported" cuts no change in two.
      const last = truncated ? page[page.length - 1].modseq : collection.sync_token;
      return {
        changed: page.filter((c) => !c.gone).map((c) => c.name),
        deleted: page.filter((c) => c.gone).map((c) => c.name),
        truncated,
        next: truncated ? { token: last, floor: Math.max(since, last) } : { token: last, floor: last },
      };
    })();
  }

  /** Inside a write transaction: forgets tombstones deleted before `before`, and raises the
   *  horizon so that tokens which relied on them are refused rather than answered wrongly. */
  private pruneTombstones(collectionId: string, before: number): void {
    const pruned = prepareCached(this.db, 'DELETE FROM dav_tombstones WHERE collection_id = ? AND deleted_at < ? RETURNING modseq')
      .pluck().all(collectionId, before) as number[];
    if (pruned.length === 0) return;
    // A client holding token t already saw every deletion with modseq <= t, so t stays
    // answerable as long as t >= the newest pruned modseq.
    prepareCached(this.db, 'UPDATE dav_collections SET sync_horizon = MAX(sync_horizon, ?) WHERE id = ?').run(Math.max(...pruned), collectionId);
  }

  private bumpToken(collectionId: string): number {
    return prepareCached(this.db, 'UPDATE dav_collections SET sync_token = sync_token + 1 WHERE id = ? RETURNING sync_token')
      .pluck().get(collectionId) as number;
  }

  private recordChange(kind: 'dav.collection' | 'dav.item', collection: CollectionRow, token: number): void {
    this.ctx.changes.record({
      kind,
      userId: collection.owner_type === 'user' ? collection.owner_id : null,
      collectionId: collection.id,
      modseq: token,
    });
  }

  private collectionRow(id: string): CollectionRow | undefined {
    return prepareCached(this.db, 'SELECT * FROM dav_collections WHERE id = ?').get(id) as CollectionRow | undefined;
  }

  private requireCollection(id: string): CollectionRow {
    const row = this.collectionRow(id);
    if (!row) throw new NotFound(`no collection ${id}`);
    return row;
  }

  private findRow(ownerType: string, ownerId: string, kind: string, slug: string): CollectionRow | undefined {
    return prepareCached(this.db, 'SELECT * FROM dav_collections WHERE owner_type = ? AND owner_id = ? AND kind = ? AND slug = ?')
      .get(ownerType, ownerId, kind, slug) as CollectionRow | undefined;
  }

  private itemRow(collectionId: string, name: string): ItemRow | undefined {
    return prepareCached(this.db, 'SELECT * FROM dav_items WHERE collection_id = ? AND name = ?').get(collectionId, name) as ItemRow | undefined;
  }
}

/** A strong ETag (RFC 9110 §8.8.3): equal only for byte-identical content. */
export function strongEtag(data: string): string {
  return `"${createHash('sha256').update(data, 'utf8').digest('hex').slice(0, 32)}"`;
}

/** HTTP conditional requests (RFC 9110 §13.1.1-2): If-Match uses the strong comparison and
 *  fails on a missing resource; If-None-Match: * fails on an existing one. */
function checkConditions(existing: ItemRow | undefined, conditions: { ifMatch?: string; ifNoneMatch?: '*' }): void {
  if (conditions.ifNoneMatch === '*' && existing) throw new PreconditionFailed(`${existing.name} already exists`);
  if (conditions.ifMatch !== undefined) {
    if (!existing) throw new PreconditionFailed('If-Match on a missing item');
    if (conditions.ifMatch !== '*' && conditions.ifMatch !== existing.etag) {
      throw new PreconditionFailed(`${existing.name} has changed (ETag ${existing.etag})`);
    }
  }
}

function checkItemInput(input: DavItemInput): void {
  checkSegment(input.name, 'name');
  if (!input.uid) throw new Invalid('an item needs a UID', 'uid');
  if (!input.componentType) throw new Invalid('an item needs a component type', 'componentType');
  if (input.firstStart && input.lastEnd && input.firstStart.getTime() > input.lastEnd.getTime()) {
    throw new Invalid('the item ends before it starts', 'lastEnd');
  }
}

function checkSegment(value: string, field: string): void {
  if (!value || value === '.' || value === '..' || value.includes('/')) throw new Invalid(`bad ${field} "${value}"`, field);
}

function checkProps(props: Record<string, string> | undefined): void {
  if (props === undefined) return;
  for (const [key, value] of Object.entries(props)) {
    if (typeof value !== 'string') throw new Invalid(`dead property ${key} must be a string`, 'props');
  }
}

function toCollection(r: CollectionRow): DavCollection {
  return {
    id: r.id,
    ownerType: r.owner_type,
    ownerId: r.owner_id,
    kind: r.kind,
    slug: r.slug,
    displayName: r.display_name,
    description: r.description,
    color: r.color,
    components: JSON.parse(r.components) as string[],
    syncToken: r.sync_token,
    props: JSON.parse(r.props) as Record<string, string>,
    createdAt: new Date(r.created_at),
  };
}

function toItem(r: ItemRow): DavItem {
  return {
    collectionId: r.collection_id,
    name: r.name,
    uid: r.uid,
    etag: r.etag,
    data: r.data,
    componentType: r.component_type,
    modseq: r.modseq,
    size: r.size,
    firstStart: r.first_start === null ? null : new Date(r.first_start),
    lastEnd: r.last_end === null ? null : new Date(r.last_end),
    updatedAt: new Date(r.updated_at),
  };
}
