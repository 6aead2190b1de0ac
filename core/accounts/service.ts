// Provisioning: the rules around the account store that every caller (CLI, admin API,
// bulk import) must share: address syntax, password hashing, default folders and
// collections, and an audit entry for every change.
import { Invalid, NotFound } from '../errors.js';
import type { Alias, Group, Role, Store, User, UserProvision } from '../../storage/index.js';
import { domainOf, normalizeAddress, normalizeDomain } from './address.js';
import { DEFAULT_ADDRESSBOOK, DEFAULT_CALENDAR, DEFAULT_MAILBOXES } from './defaults.js';
import { DEFAULT_HASH_PARAMS, hashPassword, type HashParams } from './password.js';
import { runPipeline, type CreateUsersResult } from './pipeline.js';

export type { CreateUsersResult } from './pipeline.js';

/** Who acts, for the audit log. */
export interface Actor {
  name: string;
  ip?: string | null;
}

export interface NewUserInput {
  address: string;
  displayName?: string;
  /** Plain text; hashed here. null or absent: password login disabled until one is set. */
  password?: string | null;
  quotaBytes?: number;
  unit?: string | null;
  role?: Role;
  enabled?: boolean;
}

export interface AccountsOptions {
  hash?: HashParams;
  /** Quota given to users created without one; 0 = unlimited. */
  defaultQuotaBytes?: number;
}

const ROLES: Role[] = ['user', 'unit-admin', 'admin'];
const SYSTEM: Actor = { name: 'system' };

const PROVISION: UserProvision = {
  mailboxes: DEFAULT_MAILBOXES,
  collections: [
    { kind: 'calendar', slug: DEFAULT_CALENDAR.slug, displayName: DEFAULT_CALENDAR.displayName, components: DEFAULT_CALENDAR.components },
    { kind: 'addressbook', slug: DEFAULT_ADDRESSBOOK.slug, displayName: DEFAULT_ADDRESSBOOK.displayName, components: [] },
  ],
};

export class Accounts {
  private readonly hashParams: HashParams;
  private readonly defaultQuota: number;

  constructor(private readonly store: Store, options: AccountsOptions = {}) {
    this.hashParams = options.hash ?? DEFAULT_HASH_PARAMS;
    this.defaultQuota = options.defaultQuotaBytes ?? 0;
  }

  // ------------------------------------------------------------ domains

  async addDomain(name: string, actor: Actor = SYSTEM) {
    const domain = await this.store.accounts.addDomain(normalizeDomain(name));
    await this.audit(actor, 'domain.add', domain.name);
    return domain;
  }

  async removeDomain(name: string, actor: Actor = SYSTEM) {
    const domain = normalizeDomain(name);
    await this.store.accounts.removeDomain(domain);
    await this.audit(actor, 'domain.remove', domain);
  }

  // ------------------------------------------------------------ users

  async getUser(address: string): Promise<User> {
    const user = await this.store.accounts.getUserByAddress(normalizeAddress(address));
    if (!user) throw new NotFound(`no user ${address}`);
    return user;
  }

  /** Validates everything before writing anything, so bad input changes nothing. `domains`
   *  remembers, across the users of one call, which domains exist. */
  async prepareUser(input: NewUserInput, domains: Map<string, boolean> = new Map()) {
    const address = normalizeAddress(input.address);
    const role = input.role ?? 'user';
    if (!ROLES.includes(role)) throw new Invalid(`invalid role "${role}": use user, unit-admin or admin`, 'role');
    if (role === 'unit-admin' && !input.unit) throw new Invalid('a unit-admin needs a unit', 'unit');
    const quotaBytes = input.quotaBytes ?? this.defaultQuota;
    if (!Number.isSafeInteger(quotaBytes) || quotaBytes < 0) throw new Invalid(`invalid quota ${quotaBytes}`, 'quota');
    const unit = input.unit?.trim() || null;
    if (unit !== null && !/^[\p{L}\p{N}][\p{L}\p{N} ._/-]{0,127}$/u.test(unit)) throw new Invalid(`invalid unit "${unit}"`, 'unit');
    const domain = domainOf(address);
    let known = domains.get(domain);
    if (known === undefined) domains.set(domain, (known = (await this.store.accounts.getDomain(domain)) !== null));
    if (!known) throw new NotFound(`unknown domain ${domain} (add it with: facteur domain add ${domain})`);
    if (await this.store.accounts.resolveAddress(address)) throw new Invalid(`address ${address} is already in use`, 'address');
    if (input.password !== undefined && input.password !== null) checkPassword(input.password);
    return { address, role, quotaBytes, unit };
  }

  async createUser(input: NewUserInput, actor: Actor = SYSTEM): Promise<User> {
    const [result] = await this.createUsers([input], actor);
    if (!result.ok) throw result.error;
    return result.user;
  }

  /** Creates users as createUser does (same checks, folders, calendar, address book, audit
   *  entry), many at once: hashing runs ahead on the thread pool while the users already hashed
   *  are written in batches (pipeline.ts). Each user is all-or-nothing and a refused one does
   *  not stop the others. One result per input, in order; `onResult` hears of each user once it
   *  is durable or refused. Rejects on a fault (users already reported stay created). */
  async createUsers(inputs: NewUserInput[], actor: Actor = SYSTEM, onResult?: (index: number, result: CreateUsersResult) => void): Promise<CreateUsersResult[]> {
    const results: CreateUsersResult[] = new Array(inputs.length);
    const domains = new Map<string, boolean>();
    await runPipeline({
      count: inputs.length,
      make: async (index) => {
        const input = inputs[index];
        const { address, role, quotaBytes, unit } = await this.prepareUser(input, domains);
        const passwordHash = input.password ? await hashPassword(input.password, this.hashParams) : null;
        return {
          user: {
            address,
            displayName: input.displayName?.trim() || address.slice(0, address.indexOf('@')),
            passwordHash,
            quotaBytes,
            role,
            unit,
            enabled: input.enabled ?? true,
          },
          // One atomic step: a user never exists without INBOX, calendar, address book and the
          // audit entry that records its creation.
          provision: PROVISION,
          audit: { actor: actor.name, ip: actor.ip ?? null, action: 'user.create', target: address, unit, success: true, details: { role, quotaBytes } },
        };
      },
      write: (items) => this.store.accounts.createUsers(items),
      done: (index, result) => {
        results[index] = result;
        onResult?.(index, result);
      },
    });
    return results;
  }

  async setPassword(address: string, password: string, actor: Actor = SYSTEM): Promise<User> {
    checkPassword(password);
    const user = await this.getUser(address);
    const updated = await this.store.accounts.updateUser(user.id, { passwordHash: await hashPassword(password, this.hashParams) });
    await this.audit(actor, 'user.passwd', user.address, user.unit);
    return updated;
  }

  async setQuota(address: string, quotaBytes: number, actor: Actor = SYSTEM): Promise<User> {
    if (!Number.isSafeInteger(quotaBytes) || quotaBytes < 0) throw new Invalid(`invalid quota ${quotaBytes}`, 'quota');
    const user = await this.getUser(address);
    const updated = await this.store.accounts.updateUser(user.id, { quotaBytes });
    await this.audit(actor, 'user.quota', user.address, user.unit, { quotaBytes });
    return updated;
  }

  async setEnabled(address: string, enabled: boolean, actor: Actor = SYSTEM): Promise<User> {
    const user = await this.getUser(address);
    const updated = await this.store.accounts.updateUser(user.id, { enabled });
    await this.audit(actor, enabled ? 'user.enable' : 'user.disable', user.address, user.unit);
    return updated;
  }

  async updateUser(address: string, patch: { displayName?: string; unit?: string | null; role?: Role }, actor: Actor = SYSTEM): Promise<User> {
    const user = await this.getUser(address);
    if (patch.role && !ROLES.includes(patch.role)) throw new Invalid(`invalid role "${patch.role}"`, 'role');
    if (patch.unit) await this.store.accounts.ensureUnit({ name: patch.unit });
    const updated = await this.store.accounts.updateUser(user.id, patch);
    await this.audit(actor, 'user.update', user.address, updated.unit, patch);
    return updated;
  }

  async deleteUser(address: string, actor: Actor = SYSTEM): Promise<void> {
    const user = await this.getUser(address);
    await this.store.accounts.deleteUser(user.id);
    await this.audit(actor, 'user.delete', user.address, user.unit);
  }

  // ------------------------------------------------------------ aliases

  async addAlias(address: string, targets: string[], actor: Actor = SYSTEM): Promise<Alias> {
    const alias = normalizeAddress(address);
    if (targets.length === 0) throw new Invalid('an alias needs at least one target', 'target');
    const normalized = [...new Set(targets.map(normalizeAddress))];
    if (normalized.includes(alias)) throw new Invalid(`alias ${alias} cannot point to itself`, 'target');
    if (!(await this.store.accounts.getDomain(domainOf(alias)))) throw new NotFound(`unknown domain ${domainOf(alias)}`);
    for (const t of normalized) {
      // A local target must exist; remote targets are forwarded as they are.
      if ((await this.store.accounts.getDomain(domainOf(t))) && !(await this.store.accounts.resolveAddress(t))) {
        throw new NotFound(`alias target ${t} does not exist`);
      }
    }
    const created = await this.store.accounts.addAlias(alias, normalized);
    await this.audit(actor, 'alias.add', alias, null, { targets: normalized });
    return created;
  }

  async removeAlias(address: string, actor: Actor = SYSTEM): Promise<void> {
    const alias = normalizeAddress(address);
    await this.store.accounts.removeAlias(alias);
    await this.audit(actor, 'alias.remove', alias);
  }

  // ------------------------------------------------------------ groups

  async createGroup(input: { address: string; displayName?: string; unit?: string | null; members: string[] }, actor: Actor = SYSTEM): Promise<Group> {
    const address = normalizeAddress(input.address);
    if (!(await this.store.accounts.getDomain(domainOf(address)))) throw new NotFound(`unknown domain ${domainOf(address)}`);
    const members = await Promise.all(input.members.map((m) => this.getUser(m)));
    if (input.unit) await this.store.accounts.ensureUnit({ name: input.unit });
    const group = await this.store.accounts.createGroup({
      address,
      displayName: input.displayName?.trim() || address.slice(0, address.indexOf('@')),
      unit: input.unit ?? null,
      memberIds: [...new Set(members.map((u) => u.id))],
    });
    try {
      // A group's shared calendar, which appears in each member's home (CalDAV issue).
      await this.store.dav.createCollection({
        ownerType: 'group', ownerId: group.id, kind: 'calendar', slug: DEFAULT_CALENDAR.slug,
        displayName: group.displayName, description: '', color: null, components: DEFAULT_CALENDAR.components, props: {},
      });
    } catch (err) {
      await this.store.accounts.deleteGroup(group.id).catch(() => undefined);
      throw err;
    }
    await this.audit(actor, 'group.create', address, group.unit, { members: members.map((u) => u.address) });
    return group;
  }

  async getGroup(address: string): Promise<Group> {
    const group = await this.store.accounts.getGroupByAddress(normalizeAddress(address));
    if (!group) throw new NotFound(`no group ${address}`);
    return group;
  }

  async addGroupMember(groupAddress: string, member: string, actor: Actor = SYSTEM): Promise<Group> {
    const group = await this.getGroup(groupAddress);
    const user = await this.getUser(member);
    const updated = await this.store.accounts.addGroupMember(group.id, user.id);
    await this.audit(actor, 'group.member.add', group.address, group.unit, { member: user.address });
    return updated;
  }

  async removeGroupMember(groupAddress: string, member: string, actor: Actor = SYSTEM): Promise<Group> {
    const group = await this.getGroup(groupAddress);
    const user = await this.getUser(member);
    const updated = await this.store.accounts.removeGroupMember(group.id, user.id);
    await this.audit(actor, 'group.member.remove', group.address, group.unit, { member: user.address });
    return updated;
  }

  async deleteGroup(address: string, actor: Actor = SYSTEM): Promise<void> {
    const group = await this.getGroup(address);
    for (const c of await this.store.dav.listCollections('group', group.id)) await this.store.dav.deleteCollection(c.id);
    await this.store.accounts.deleteGroup(group.id);
    await this.audit(actor, 'group.delete', group.address, group.unit);
  }

  /** Addresses of a group's members, for listings. */
  async memberAddresses(group: Group): Promise<string[]> {
    const users = await Promise.all(group.memberIds.map((id) => this.store.accounts.getUser(id)));
    return users.filter((u): u is User => u !== null).map((u) => u.address).sort();
  }

  private async audit(actor: Actor, action: string, target: string, unit: string | null = null, details: Record<string, unknown> = {}) {
    await this.store.audit.append({ actor: actor.name, ip: actor.ip ?? null, action, target, unit, success: true, details });
  }
}

function checkPassword(password: string): void {
  if (password.length < 8) throw new Invalid('password too short: at least 8 characters', 'password');
  if (password.length > 1024) throw new Invalid('password too long', 'password');
}
