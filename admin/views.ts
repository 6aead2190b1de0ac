// What the API returns for each resource: never a password hash, a private key or a blob.
import type { Alias, AuditEntry, Group, QueueEntry, User } from '../storage/index.js';

export function userView(u: User) {
  return {
    id: u.id, address: u.address, domain: u.domain, name: u.displayName, role: u.role, unit: u.unit, enabled: u.enabled,
    quotaBytes: u.quotaBytes, usedBytes: u.usedBytes, passwordSet: u.passwordHash !== null, createdAt: u.createdAt, updatedAt: u.updatedAt,
  };
}

export function groupView(g: Group, members: string[]) {
  return { id: g.id, address: g.address, domain: g.domain, name: g.displayName, unit: g.unit, members, createdAt: g.createdAt };
}

export function aliasView(a: Alias) {
  return { address: a.address, domain: a.domain, targets: a.targets, createdAt: a.createdAt };
}

export function queueView(e: QueueEntry) {
  return {
    id: e.id, from: e.from, domain: e.domain, recipients: e.recipients, size: e.size, attempts: e.attempts,
    createdAt: e.createdAt, nextAttemptAt: e.nextAttemptAt, expiresAt: e.expiresAt, lastError: e.lastError,
    sending: e.leaseUntil !== null && e.leaseUntil > new Date(),
  };
}

export function auditView(e: AuditEntry) {
  return { id: e.id, at: e.at, actor: e.actor, action: e.action, target: e.target, unit: e.unit, ip: e.ip, success: e.success, details: e.details };
}
