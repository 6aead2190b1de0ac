// Querying the audit log the way an admin asks: about a user (as actor or as target), a unit
// and its sub-units, a period, an action; limited to what the asking token may see.
import { normalizeAddress } from '../accounts/address.js';
import type { AccountStore, AuditEntry, AuditLog, AuditQuery } from '../../storage/index.js';
import { expandUnits, type Scope } from './scope.js';

export interface AuditFilter {
  user?: string;
  unit?: string;
  action?: string;
  since?: Date;
  until?: Date;
  limit?: number;
}

export const AUDIT_DEFAULT_LIMIT = 100;
export const AUDIT_MAX_LIMIT = 10_000;

export async function queryAudit(
  store: { audit: Pick<AuditLog, 'query'>; accounts: Pick<AccountStore, 'listUnits'> },
  filter: AuditFilter,
  scope?: Scope,
): Promise<AuditEntry[]> {
  const limit = Math.min(filter.limit ?? AUDIT_DEFAULT_LIMIT, AUDIT_MAX_LIMIT);
  let units: string[] | undefined = scope?.units;
  if (filter.unit !== undefined) {
    const asked = [...expandUnits([filter.unit], await store.accounts.listUnits())];
    units = units === undefined ? asked : asked.filter((u) => units!.includes(u));
  }
  const base: AuditQuery = { action: filter.action, since: filter.since, until: filter.until, units, limit };
  if (filter.user === undefined) return store.audit.query(base);
  // A user appears as the actor of their logins and actions, and as the target of what others
  // did to their account: both, merged newest first.
  let user = filter.user.trim().toLowerCase();
  try {
    user = normalizeAddress(user);
  } catch {
    // Not an address (e.g. "cli:root", "token:<id>"): matched as given.
  }
  const [asActor, asTarget] = await Promise.all([store.audit.query({ ...base, actor: user }), store.audit.query({ ...base, target: user })]);
  const byId = new Map<string, AuditEntry>();
  for (const e of [...asActor, ...asTarget]) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, limit);
}

/** A user's own recent logins on every protocol (success and failure), newest first: what the
 *  webmail shows its user. Failed attempts on the address count, whoever made them. */
export async function recentLogins(store: { audit: Pick<AuditLog, 'query'> }, address: string, limit = 20): Promise<AuditEntry[]> {
  const entries = await store.audit.query({ target: normalizeAddress(address), limit: limit * 5 });
  return entries.filter((e) => e.action.startsWith('login.')).slice(0, limit);
}
