// Rows of the accounts tables and their contract shapes.
import type { Alias, AppPassword, DkimAlgorithm, DkimKey, Domain, Group, Role, Unit, User } from '../types.js';

export interface UserRow {
  id: string; address: string; domain: string; display_name: string; password_hash: string | null;
  quota_bytes: number; used_bytes: number; role: string; unit: string | null; enabled: number;
  created_at: number; updated_at: number;
}
export interface DomainRow { name: string; created_at: number }
export interface DkimRow { domain: string; selector: string; algorithm: string; private_key_pem: string; public_key: string; created_at: number }
export interface UnitRow { name: string; parent: string | null; display_name: string; hidden: number }
export interface AliasRow { address: string; domain: string; targets: string; created_at: number }
export interface GroupRow { id: string; address: string; domain: string; display_name: string; unit: string | null; created_at: number }
export interface AppPasswordRow { id: string; user_id: string; name: string; hash: string; created_at: number; last_used_at: number | null }

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    address: r.address,
    domain: r.domain,
    displayName: r.display_name,
    passwordHash: r.password_hash,
    quotaBytes: r.quota_bytes,
    usedBytes: r.used_bytes,
    role: r.role as Role,
    unit: r.unit,
    enabled: r.enabled === 1,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

export function toDomain(r: DomainRow): Domain {
  return { name: r.name, createdAt: new Date(r.created_at) };
}

export function toDkim(r: DkimRow): DkimKey {
  return {
    domain: r.domain,
    selector: r.selector,
    algorithm: r.algorithm as DkimAlgorithm,
    privateKeyPem: r.private_key_pem,
    publicKey: r.public_key,
    createdAt: new Date(r.created_at),
  };
}

export function toUnit(r: UnitRow): Unit {
  return { name: r.name, parent: r.parent, displayName: r.display_name, hidden: r.hidden === 1 };
}

export function toAlias(r: AliasRow): Alias {
  return { address: r.address, domain: r.domain, targets: JSON.parse(r.targets) as string[], createdAt: new Date(r.created_at) };
}

export function toGroup(r: GroupRow, memberIds: string[]): Group {
  return { id: r.id, address: r.address, domain: r.domain, displayName: r.display_name, unit: r.unit, memberIds, createdAt: new Date(r.created_at) };
}

export function toAppPassword(r: AppPasswordRow): AppPassword {
  return { id: r.id, userId: r.user_id, name: r.name, hash: r.hash, createdAt: new Date(r.created_at), lastUsedAt: r.last_used_at === null ? null : new Date(r.last_used_at) };
}
