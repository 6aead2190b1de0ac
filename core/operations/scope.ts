// What an admin token may see and change. A district admin sees everything; a unit admin sees
// the users and groups of its units and of their sub-units, and nothing else: anything outside
// is reported as not found, so a unit admin cannot even learn that an address exists elsewhere.
import { Forbidden, NotFound } from '../errors.js';
import type { AccountStore, AdminToken, Group, Unit, User } from '../../storage/index.js';

export class Scope {
  private constructor(
    readonly role: AdminToken['role'],
    /** null: every unit (and users without one). */
    private readonly visible: ReadonlySet<string> | null,
  ) {}

  static async of(token: Pick<AdminToken, 'role' | 'units'>, accounts: Pick<AccountStore, 'listUnits'>): Promise<Scope> {
    if (token.role === 'admin') return new Scope('admin', null);
    return new Scope('unit-admin', expandUnits(token.units, await accounts.listUnits()));
  }

  get isDistrict(): boolean {
    return this.visible === null;
  }

  /** The units a listing is limited to, or undefined for all. */
  get units(): string[] | undefined {
    return this.visible === null ? undefined : [...this.visible].sort();
  }

  seesUnit(unit: string | null): boolean {
    return this.visible === null || (unit !== null && this.visible.has(unit));
  }

  /** The user, or NotFound if it does not exist or lies outside the scope. */
  user(user: User | null, address: string): User {
    if (!user || !this.seesUnit(user.unit)) throw new NotFound(`no user ${address}`);
    return user;
  }

  group(group: Group | null, address: string): Group {
    if (!group || !this.seesUnit(group.unit)) throw new NotFound(`no group ${address}`);
    return group;
  }

  /** For district-wide resources (domains, aliases, DKIM, queue, tokens). */
  requireDistrict(what: string): void {
    if (!this.isDistrict) throw new Forbidden(`${what} is for district admins only`);
  }

  /** A unit a unit admin assigns must be one of its own. */
  requireUnit(unit: string | null): void {
    if (!this.seesUnit(unit)) throw new Forbidden(unit === null ? 'a unit admin must give a unit of its own' : `unit ${unit} is outside this token's units`);
  }
}

/** The given units and every unit below them in the tree. */
export function expandUnits(roots: string[], units: Unit[]): Set<string> {
  const children = new Map<string, string[]>();
  for (const u of units) {
    if (u.parent === null) continue;
    const list = children.get(u.parent) ?? [];
    list.push(u.name);
    children.set(u.parent, list);
  }
  const out = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (out.has(name)) continue;
    out.add(name);
    stack.push(...(children.get(name) ?? []));
  }
  return out;
}
