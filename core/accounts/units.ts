// Who sees whom in the district directory. A unit marked hidden is hidden from the other units:
// its members (and those of its sub-units, and its groups) are seen only by users of that unit
// or of a unit below it. Everyone else is seen by everyone. The DAV directory address book and
// the webmail's directory search both follow this one rule.
import { NotFound } from '../errors.js';
import type { Store, Unit } from '../../storage/index.js';
import type { Actor } from './service.js';

export class UnitVisibility {
  private readonly parents: Map<string, string | null>;
  private readonly hiddenSet: ReadonlySet<string>;
  private readonly hidingMemo = new Map<string, string | null>();

  private constructor(units: readonly Unit[]) {
    this.parents = new Map(units.map((u) => [u.name, u.parent]));
    this.hiddenSet = new Set(units.filter((u) => u.hidden).map((u) => u.name));
  }

  static of(units: readonly Unit[]): UnitVisibility {
    return new UnitVisibility(units);
  }

  /** The hidden units, sorted. */
  get hidden(): string[] {
    return [...this.hiddenSet].sort();
  }

  /** The unit and its ancestors, nearest first (a loop in the data stops the walk). */
  private lineage(unit: string | null): string[] {
    const out: string[] = [];
    for (let u = unit; u !== null && u !== undefined && !out.includes(u); u = this.parents.get(u) ?? null) out.push(u);
    return out;
  }

  /** The nearest hidden unit at or above `unit`: whoever is in it is seen only from inside
   *  that hidden unit. null: seen by everyone. */
  hidingUnit(unit: string | null): string | null {
    if (unit === null || this.hiddenSet.size === 0) return null;
    let found = this.hidingMemo.get(unit);
    if (found === undefined) {
      found = this.lineage(unit).find((u) => this.hiddenSet.has(u)) ?? null;
      this.hidingMemo.set(unit, found);
    }
    return found;
  }

  /** The hidden units at or above `unit`, nearest first: those a member of `unit` is inside of. */
  hiddenAround(unit: string | null): string[] {
    return this.hiddenSet.size === 0 ? [] : this.lineage(unit).filter((u) => this.hiddenSet.has(u));
  }

  /** Whether a user of `viewerUnit` sees an entry (user or group) of `entryUnit`. */
  sees(viewerUnit: string | null, entryUnit: string | null): boolean {
    const hiding = this.hidingUnit(entryUnit);
    return hiding === null || this.lineage(viewerUnit).includes(hiding);
  }
}

/** Hides or shows a unit, with an audit entry ("unit.hide" / "unit.show"). NotFound for an
 *  unknown unit. Callers check the actor may do it (district admins only). */
export async function setUnitHidden(store: Pick<Store, 'accounts' | 'audit'>, name: string, hidden: boolean, actor: Actor): Promise<Unit> {
  const unit = (await store.accounts.listUnits()).find((u) => u.name === name);
  if (!unit) throw new NotFound(`unknown unit ${name}`);
  const updated = await store.accounts.setUnitHidden(name, hidden);
  await store.audit.append({
    actor: actor.name, ip: actor.ip ?? null, action: hidden ? 'unit.hide' : 'unit.show', target: name, unit: name,
    success: true, details: { changed: unit.hidden !== hidden },
  });
  return updated;
}
