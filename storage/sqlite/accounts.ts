// The SQLite AccountStore: domains, DKIM keys, units, users, aliases, groups, app passwords.
// An address is unique across users, aliases and groups: every insert checks the three
// tables inside its IMMEDIATE transaction, so two writers cannot both take one address.
import type { Statement } from 'better-sqlite3';
import { AlreadyExists, Conflict, Invalid, NotFound } from '../../core/errors.js';
import type {
  AccountStore, Alias, AppPassword, DkimKey, Domain, Group, Id, NewUser, Resolved, Unit, User, UserPatch, UserQuery, UserProvision,
} from '../types.js';
import { checkQuota, checkRole, checkText, normalizeAddress, normalizeDomain } from './accounts-names.js';
import { UserBatchWriter } from './accounts-batch.js';
import { OwnerPurger } from './accounts-purge.js';
import {
  toAlias, toAppPassword, toDkim, toDomain, toGroup, toUnit, toUser,
  type AliasRow, type AppPasswordRow, type DkimRow, type DomainRow, type GroupRow, type UnitRow, type UserRow,
} from './accounts-rows.js';
import { newId, writeTx } from './db.js';
import type { SqliteContext } from './index.js';
import { unlinkReleased } from './mail-blob-pins.js';
import { mapStoreErrors } from './mail-errors.js';

const ALGORITHMS = new Set(['rsa', 'ed25519']);

function orNull<T>(fn: () => T): T | null {
  try { return fn(); } catch (err) { if (err instanceof Invalid) return null; throw err; }
}

export class SqliteAccounts implements AccountStore {
  private readonly s: Record<string, Statement>;
  private readonly purger: OwnerPurger;
  private readonly userQueries = new Map<string, Statement>();

  /** `provisioner` runs inside createUser's transaction and makes the user's mailboxes and
   *  collections (it belongs to the mail and DAV parts of the backend). */
  constructor(private readonly ctx: SqliteContext, private readonly provisioner: (userId: Id, provision: UserProvision) => void) {
    const { db } = ctx;
    this.purger = new OwnerPurger(ctx);
    this.s = {
      taken: db.prepare(`SELECT 'user' FROM users WHERE address = @address UNION ALL SELECT 'alias' FROM aliases WHERE address = @address
        UNION ALL SELECT 'group' FROM groups WHERE address = @address LIMIT 1`).pluck(),
      domain: db.prepare('SELECT * FROM domains WHERE name = ?'),
      domains: db.prepare('SELECT * FROM domains ORDER BY name'),
      insertDomain: db.prepare('INSERT INTO domains (name, created_at) VALUES (?, ?) RETURNING *'),
      domainInUse: db.prepare(`SELECT 1 FROM users WHERE domain = @domain UNION ALL SELECT 1 FROM aliases WHERE domain = @domain
        UNION ALL SELECT 1 FROM groups WHERE domain = @domain LIMIT 1`).pluck(),
      deleteDomain: db.prepare('DELETE FROM domains WHERE name = ?'),
      deleteDkim: db.prepare('DELETE FROM dkim_keys WHERE domain = ? AND selector = ?'),
      insertDkim: db.prepare(`INSERT INTO dkim_keys (domain, selector, algorithm, private_key_pem, public_key, created_at)
        VALUES (?, ?, ?, ?, ?, ?) RETURNING *`),
      dkim: db.prepare('SELECT * FROM dkim_keys WHERE domain = ? ORDER BY created_at DESC, rowid DESC'),
      unit: db.prepare('SELECT * FROM units WHERE name = ?'),
      units: db.prepare('SELECT * FROM units ORDER BY name'),
      insertUnit: db.prepare('INSERT INTO units (name, parent, display_name) VALUES (?, ?, ?) RETURNING *'),
      setUnitHidden: db.prepare('UPDATE units SET hidden = ? WHERE name = ? AND hidden <> ? RETURNING *'),
      user: db.prepare('SELECT * FROM users WHERE id = ?'),
      userByAddress: db.prepare('SELECT * FROM users WHERE address = ?'),
      updateUser: db.prepare(`UPDATE users SET display_name = ?, password_hash = ?, quota_bytes = ?, role = ?, unit = ?, enabled = ?, updated_at = ?
        WHERE id = ? RETURNING *`),
      deleteUser: db.prepare('DELETE FROM users WHERE id = ?'),
      groupsOfUser: db.prepare('SELECT g.* FROM groups g JOIN group_members m ON m.group_id = g.id WHERE m.user_id = ? ORDER BY g.address'),
      leaveGroups: db.prepare('DELETE FROM group_members WHERE user_id = ?'),
      deleteAppPasswordsOf: db.prepare('DELETE FROM app_passwords WHERE user_id = ?'),
      alias: db.prepare('SELECT * FROM aliases WHERE address = ?'),
      aliases: db.prepare('SELECT * FROM aliases WHERE @domain IS NULL OR domain = @domain ORDER BY address'),
      insertAlias: db.prepare('INSERT INTO aliases (address, domain, targets, created_at) VALUES (?, ?, ?, ?) RETURNING *'),
      deleteAlias: db.prepare('DELETE FROM aliases WHERE address = ?'),
      group: db.prepare('SELECT * FROM groups WHERE id = ?'),
      groupByAddress: db.prepare('SELECT * FROM groups WHERE address = ?'),
      groups: db.prepare('SELECT * FROM groups WHERE @domain IS NULL OR domain = @domain ORDER BY address'),
      members: db.prepare('SELECT user_id FROM group_members WHERE group_id = ? ORDER BY rowid').pluck(),
      insertGroup: db.prepare('INSERT INTO groups (id, address, domain, display_name, unit, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *'),
      addMember: db.prepare('INSERT OR IGNORE INTO group_members (group_id, user_id) VALUES (?, ?)'),
      removeMember: db.prepare('DELETE FROM group_members WHERE group_id = ? AND user_id = ?'),
      deleteGroup: db.prepare('DELETE FROM groups WHERE id = ?'),
      userExists: db.prepare('SELECT 1 FROM users WHERE id = ?').pluck(),
      insertAppPassword: db.prepare('INSERT INTO app_passwords (id, user_id, name, hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *'),
      appPasswords: db.prepare('SELECT * FROM app_passwords WHERE user_id = ? ORDER BY created_at, rowid'),
      deleteAppPassword: db.prepare('DELETE FROM app_passwords WHERE id = ? AND user_id = ?'),
      touchAppPassword: db.prepare('UPDATE app_passwords SET last_used_at = ? WHERE id = ?'),
    };
  }

  /** One write transaction; change events become visible to subscribers after it commits. */
  private tx<T>(fn: () => T): T {
    const result = mapStoreErrors(() => writeTx(this.ctx.db, fn));
    this.ctx.changes.notify();
    return result;
  }

  private needDomain(name: string): void {
    if (!this.s.domain.get(name)) throw new NotFound(`unknown domain ${name}`);
  }

  private needFree(address: string): void {
    const kind = this.s.taken.get({ address }) as string | undefined;
    if (kind) throw new AlreadyExists(`${address} is already used by a${kind === 'alias' ? 'n' : ''} ${kind}`);
  }

  // ------------------------------------------------------------ domains and DKIM

  async addDomain(name: string): Promise<Domain> {
    const n = normalizeDomain(name);
    return toDomain(this.tx(() => {
      if (this.s.domain.get(n)) throw new AlreadyExists(`domain ${n} already exists`);
      const row = this.s.insertDomain.get(n, Date.now()) as DomainRow;
      this.ctx.changes.record({ kind: 'account.domain' });
      return row;
    }));
  }

  async getDomain(name: string): Promise<Domain | null> {
    const n = orNull(() => normalizeDomain(name));
    const row = n === null ? undefined : this.s.domain.get(n) as DomainRow | undefined;
    return row ? toDomain(row) : null;
  }

  async listDomains(): Promise<Domain[]> {
    return (this.s.domains.all() as DomainRow[]).map(toDomain);
  }

  async removeDomain(name: string): Promise<void> {
    const n = normalizeDomain(name);
    this.tx(() => {
      this.needDomain(n);
      if (this.s.domainInUse.get({ domain: n })) throw new Conflict(`domain ${n} still has users, aliases or groups`);
      this.s.deleteDomain.run(n);
      this.ctx.changes.record({ kind: 'account.domain' });
    });
  }

  async putDkimKey(key: Omit<DkimKey, 'createdAt'>): Promise<DkimKey> {
    const domain = normalizeDomain(key.domain);
    const selector = typeof key.selector === 'string' ? key.selector.trim().toLowerCase() : '';
    if (!/^[a-z0-9](?:[a-z0-9._-]{0,62})$/.test(selector)) throw new Invalid(`invalid DKIM selector ${JSON.stringify(key.selector)}`, 'selector');
    if (!ALGORITHMS.has(key.algorithm)) throw new Invalid(`unknown DKIM algorithm ${String(key.algorithm)}`, 'algorithm');
    const pem = checkText(key.privateKeyPem, 'privateKeyPem', 20_000);
    const pub = checkText(key.publicKey, 'publicKey', 20_000);
    if (pem === '' || pub === '') throw new Invalid('DKIM keys must not be empty', pem === '' ? 'privateKeyPem' : 'publicKey');
    return toDkim(this.tx(() => {
      this.needDomain(domain);
      // A selector names one key: putting it again replaces the key (and makes it the newest).
      this.s.deleteDkim.run(domain, selector);
      const row = this.s.insertDkim.get(domain, selector, key.algorithm, pem, pub, Date.now()) as DkimRow;
      this.ctx.changes.record({ kind: 'account.domain' });
      return row;
    }));
  }

  async listDkimKeys(domain: string): Promise<DkimKey[]> {
    const n = orNull(() => normalizeDomain(domain));
    return n === null ? [] : (this.s.dkim.all(n) as DkimRow[]).map(toDkim);
  }

  // ------------------------------------------------------------ units

  async ensureUnit(unit: { name: string; parent?: string | null; displayName?: string }): Promise<Unit> {
    const name = checkText(unit.name, 'name', 200).trim();
    if (name === '') throw new Invalid('unit name must not be empty', 'name');
    const parent = unit.parent === undefined || unit.parent === null ? null : checkText(unit.parent, 'parent', 200).trim();
    if (parent === name) throw new Invalid('a unit cannot be its own parent', 'parent');
    const displayName = unit.displayName === undefined ? name : checkText(unit.displayName, 'displayName');
    return toUnit(mapStoreErrors(() => writeTx(this.ctx.db, () => {
      const existing = this.s.unit.get(name) as UnitRow | undefined;
      if (existing) return existing;
      if (parent !== null && !this.s.unit.get(parent)) throw new NotFound(`unknown parent unit ${parent}`);
      // A new unit is one more entry for directory readers (autocomplete lists units).
      this.ctx.changes.record({ kind: 'account.unit' });
      return this.s.insertUnit.get(name, parent, displayName) as UnitRow;
    })));
  }

  async listUnits(): Promise<Unit[]> {
    return (this.s.units.all() as UnitRow[]).map(toUnit);
  }

  async setUnitHidden(name: string, hidden: boolean): Promise<Unit> {
    if (typeof hidden !== 'boolean') throw new Invalid('hidden must be a boolean', 'hidden');
    const flag = hidden ? 1 : 0;
    return toUnit(this.tx(() => {
      const changed = this.s.setUnitHidden.get(flag, name, flag) as UnitRow | undefined;
      if (changed) {
        // Who sees whom in the directory changed: its readers rebuild from this event.
        this.ctx.changes.record({ kind: 'account.unit' });
        return changed;
      }
      const existing = this.s.unit.get(name) as UnitRow | undefined;
      if (!existing) throw new NotFound(`unknown unit ${name}`);
      return existing;
    }));
  }

  // ------------------------------------------------------------ users

  /** One user through the bulk path (accounts-batch.ts), which holds the checks and inserts. */
  async createUser(user: NewUser, provision?: UserProvision): Promise<User> {
    const [outcome] = await this.createUsers([{ user, provision }]);
    if (!outcome.ok) throw outcome.error;
    return outcome.user;
  }

  private batchWriter: UserBatchWriter | null = null;

  /** Bulk provisioning: one transaction per call, one savepoint per user (accounts-batch.ts). */
  async createUsers(items: Parameters<UserBatchWriter['createUsers']>[0]): ReturnType<UserBatchWriter['createUsers']> {
    this.batchWriter ??= new UserBatchWriter(this.ctx, this.provisioner);
    return this.batchWriter.createUsers(items);
  }

  async getUser(id: Id): Promise<User | null> {
    const row = this.s.user.get(id) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async getUserByAddress(address: string): Promise<User | null> {
    const n = orNull(() => normalizeAddress(address).address);
    const row = n === null ? undefined : this.s.userByAddress.get(n) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  // Each combination of filters gets its own statement, so that SQLite can use the index
  // that fits (domain, unit or address order) instead of one catch-all plan.
  private userQuery(query: UserQuery, count: boolean): { stmt: Statement; params: unknown[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.domain !== undefined) { where.push('domain = ?'); params.push(orNull(() => normalizeDomain(query.domain!)) ?? ''); }
    if (query.units !== undefined) { where.push('unit IN (SELECT value FROM json_each(?))'); params.push(JSON.stringify(query.units)); }
    if (!count && query.after !== undefined) { where.push('address > ?'); params.push(String(query.after).toLowerCase()); }
    let sql = `SELECT ${count ? 'COUNT(*)' : '*'} FROM users${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
    if (!count) {
      sql += ' ORDER BY address';
      if (query.limit !== undefined) {
        if (!Number.isSafeInteger(query.limit) || query.limit < 0) throw new Invalid('limit must be a non-negative integer', 'limit');
        sql += ' LIMIT ?';
        params.push(query.limit);
      }
    }
    let stmt = this.userQueries.get(sql);
    if (!stmt) {
      stmt = this.ctx.db.prepare(sql);
      if (count) stmt.pluck();
      this.userQueries.set(sql, stmt);
    }
    return { stmt, params };
  }

  async listUsers(query: UserQuery = {}): Promise<User[]> {
    const { stmt, params } = this.userQuery(query, false);
    return (stmt.all(...params) as UserRow[]).map(toUser);
  }

  async countUsers(query: Omit<UserQuery, 'after' | 'limit'> = {}): Promise<number> {
    const { stmt, params } = this.userQuery(query, true);
    return stmt.get(...params) as number;
  }

  async updateUser(id: Id, patch: UserPatch): Promise<User> {
    const p: UserPatch = {};
    if (patch.displayName !== undefined) p.displayName = checkText(patch.displayName, 'displayName');
    if (patch.passwordHash !== undefined) p.passwordHash = patch.passwordHash === null ? null : checkText(patch.passwordHash, 'passwordHash', 1000);
    if (patch.quotaBytes !== undefined) p.quotaBytes = checkQuota(patch.quotaBytes);
    if (patch.role !== undefined) p.role = checkRole(patch.role);
    if (patch.unit !== undefined) p.unit = patch.unit === null ? null : checkText(patch.unit, 'unit', 200);
    if (patch.enabled !== undefined) {
      if (typeof patch.enabled !== 'boolean') throw new Invalid('enabled must be a boolean', 'enabled');
      p.enabled = patch.enabled;
    }
    return toUser(this.tx(() => {
      const cur = this.s.user.get(id) as UserRow | undefined;
      if (!cur) throw new NotFound(`no user ${id}`);
      const row = this.s.updateUser.get(
        p.displayName ?? cur.display_name,
        p.passwordHash !== undefined ? p.passwordHash : cur.password_hash,
        p.quotaBytes ?? cur.quota_bytes,
        p.role ?? cur.role,
        p.unit !== undefined ? p.unit : cur.unit,
        p.enabled === undefined ? cur.enabled : p.enabled ? 1 : 0,
        Date.now(),
        id,
      ) as UserRow;
      this.ctx.changes.record({ kind: 'account.user', userId: id });
      return row;
    }));
  }

  async deleteUser(id: Id): Promise<void> {
    const released = this.tx(() => {
      if (!this.s.userExists.get(id)) throw new NotFound(`no user ${id}`);
      const ids = this.purger.purgeMail(id);
      this.purger.purgeDav('user', id);
      const groups = this.s.groupsOfUser.all(id) as GroupRow[];
      this.s.leaveGroups.run(id);
      this.s.deleteAppPasswordsOf.run(id);
      this.s.deleteUser.run(id);
      if (groups.length > 0) this.ctx.changes.record({ kind: 'account.group' });
      this.ctx.changes.record({ kind: 'account.user', userId: id });
      return ids;
    });
    unlinkReleased(this.ctx, released);
  }

  // ------------------------------------------------------------ aliases

  async addAlias(address: string, targets: string[]): Promise<Alias> {
    const { address: a, domain } = normalizeAddress(address);
    if (!Array.isArray(targets) || targets.length === 0) throw new Invalid('an alias needs at least one target', 'targets');
    const list = [...new Set(targets.map((t) => normalizeAddress(t, 'targets').address))];
    if (list.includes(a)) throw new Invalid('an alias cannot target itself', 'targets');
    return toAlias(this.tx(() => {
      this.needDomain(domain);
      this.needFree(a);
      const row = this.s.insertAlias.get(a, domain, JSON.stringify(list), Date.now()) as AliasRow;
      this.ctx.changes.record({ kind: 'account.alias' });
      return row;
    }));
  }

  async removeAlias(address: string): Promise<void> {
    const { address: a } = normalizeAddress(address);
    this.tx(() => {
      if (this.s.deleteAlias.run(a).changes === 0) throw new NotFound(`no alias ${a}`);
      this.ctx.changes.record({ kind: 'account.alias' });
    });
  }

  async listAliases(domain?: string): Promise<Alias[]> {
    const d = domain === undefined ? null : orNull(() => normalizeDomain(domain)) ?? '';
    return (this.s.aliases.all({ domain: d }) as AliasRow[]).map(toAlias);
  }

  // ------------------------------------------------------------ groups

  private group(row: GroupRow): Group {
    return toGroup(row, this.s.members.all(row.id) as string[]);
  }

  private needGroup(id: Id): GroupRow {
    const row = this.s.group.get(id) as GroupRow | undefined;
    if (!row) throw new NotFound(`no group ${id}`);
    return row;
  }

  private needUser(id: Id): void {
    if (!this.s.userExists.get(id)) throw new NotFound(`no user ${id}`);
  }

  async createGroup(group: { address: string; displayName: string; unit: string | null; memberIds: Id[] }): Promise<Group> {
    const { address, domain } = normalizeAddress(group.address);
    const displayName = checkText(group.displayName, 'displayName');
    const unit = group.unit === null || group.unit === undefined ? null : checkText(group.unit, 'unit', 200);
    if (!Array.isArray(group.memberIds)) throw new Invalid('memberIds must be an array', 'memberIds');
    return this.tx(() => {
      this.needDomain(domain);
      this.needFree(address);
      for (const m of group.memberIds) this.needUser(m);
      const row = this.s.insertGroup.get(newId(), address, domain, displayName, unit, Date.now()) as GroupRow;
      for (const m of group.memberIds) this.s.addMember.run(row.id, m);
      this.ctx.changes.record({ kind: 'account.group' });
      return this.group(row);
    });
  }

  async getGroup(id: Id): Promise<Group | null> {
    const row = this.s.group.get(id) as GroupRow | undefined;
    return row ? this.group(row) : null;
  }

  async getGroupByAddress(address: string): Promise<Group | null> {
    const n = orNull(() => normalizeAddress(address).address);
    const row = n === null ? undefined : this.s.groupByAddress.get(n) as GroupRow | undefined;
    return row ? this.group(row) : null;
  }

  async listGroups(domain?: string): Promise<Group[]> {
    const d = domain === undefined ? null : orNull(() => normalizeDomain(domain)) ?? '';
    return (this.s.groups.all({ domain: d }) as GroupRow[]).map((r) => this.group(r));
  }

  async listGroupsOfUser(userId: Id): Promise<Group[]> {
    return (this.s.groupsOfUser.all(userId) as GroupRow[]).map((r) => this.group(r));
  }

  async addGroupMember(groupId: Id, userId: Id): Promise<Group> {
    return this.tx(() => {
      const row = this.needGroup(groupId);
      this.needUser(userId);
      if (this.s.addMember.run(groupId, userId).changes > 0) this.ctx.changes.record({ kind: 'account.group' });
      return this.group(row);
    });
  }

  async removeGroupMember(groupId: Id, userId: Id): Promise<Group> {
    return this.tx(() => {
      const row = this.needGroup(groupId);
      if (this.s.removeMember.run(groupId, userId).changes > 0) this.ctx.changes.record({ kind: 'account.group' });
      return this.group(row);
    });
  }

  async deleteGroup(id: Id): Promise<void> {
    this.tx(() => {
      this.needGroup(id);
      // A group's shared calendars and address books go with it.
      this.purger.purgeDav('group', id);
      this.s.deleteGroup.run(id);
      this.ctx.changes.record({ kind: 'account.group' });
    });
  }

  // ------------------------------------------------------------ resolution

  async resolveAddress(address: string): Promise<Resolved | null> {
    const n = orNull(() => normalizeAddress(address).address);
    if (n === null) return null;
    const user = this.s.userByAddress.get(n) as UserRow | undefined;
    if (user) return { kind: 'user', user: toUser(user) };
    const alias = this.s.alias.get(n) as AliasRow | undefined;
    if (alias) return { kind: 'alias', alias: toAlias(alias) };
    const group = this.s.groupByAddress.get(n) as GroupRow | undefined;
    if (group) return { kind: 'group', group: this.group(group) };
    return null;
  }

  // ------------------------------------------------------------ app passwords

  async addAppPassword(userId: Id, name: string, hash: string): Promise<AppPassword> {
    const n = checkText(name, 'name', 200);
    const h = checkText(hash, 'hash', 1000);
    if (h === '') throw new Invalid('empty password hash', 'hash');
    return toAppPassword(this.tx(() => {
      this.needUser(userId);
      const row = this.s.insertAppPassword.get(newId(), userId, n, h, Date.now()) as AppPasswordRow;
      this.ctx.changes.record({ kind: 'account.user', userId });
      return row;
    }));
  }

  async listAppPasswords(userId: Id): Promise<AppPassword[]> {
    return (this.s.appPasswords.all(userId) as AppPasswordRow[]).map(toAppPassword);
  }

  async removeAppPassword(userId: Id, id: Id): Promise<void> {
    this.tx(() => {
      if (this.s.deleteAppPassword.run(id, userId).changes === 0) throw new NotFound(`no app password ${id} for user ${userId}`);
      this.ctx.changes.record({ kind: 'account.user', userId });
    });
  }

  async touchAppPassword(id: Id, at: Date): Promise<void> {
    const ms = at instanceof Date ? at.getTime() : NaN;
    if (!Number.isFinite(ms)) throw new Invalid('invalid date', 'at');
    // Bookkeeping on every login, not a change anyone subscribes to: no change event.
    mapStoreErrors(() => {
      if (this.s.touchAppPassword.run(ms, id).changes === 0) throw new NotFound(`no app password ${id}`);
    });
  }
}
