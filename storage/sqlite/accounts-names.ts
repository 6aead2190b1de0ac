// Domain names and addresses as the accounts tables hold them: lower case, domains as
// IDNA A-labels, so that one address has one spelling.
import { domainToASCII } from 'node:url';
import { Invalid } from '../../core/errors.js';
import type { Role } from '../types.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const ROLES = new Set<string>(['user', 'unit-admin', 'admin']);

export function normalizeDomain(name: string): string {
  if (typeof name !== 'string') throw new Invalid('domain must be a string', 'domain');
  const trimmed = name.trim().toLowerCase().replace(/\.$/, '');
  const ascii = trimmed === '' ? '' : domainToASCII(trimmed);
  if (ascii === '' || ascii.length > 253 || !ascii.split('.').every((l) => LABEL.test(l))) {
    throw new Invalid(`invalid domain name ${JSON.stringify(name)}`, 'domain');
  }
  return ascii;
}

/** Lower-case local part and A-label domain; `field` names the input at fault. */
export function normalizeAddress(address: string, field = 'address'): { address: string; domain: string } {
  if (typeof address !== 'string') throw new Invalid('address must be a string', field);
  const trimmed = address.trim();
  const at = trimmed.lastIndexOf('@');
  const local = trimmed.slice(0, at).toLowerCase();
  if (at <= 0 || local.length > 64 || /[\s<>()[\],;:\\"@\x00-\x1f\x7f]/.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    throw new Invalid(`invalid address ${JSON.stringify(address)}`, field);
  }
  let domain: string;
  try {
    domain = normalizeDomain(trimmed.slice(at + 1));
  } catch {
    throw new Invalid(`invalid address ${JSON.stringify(address)}`, field);
  }
  return { address: `${local}@${domain}`, domain };
}

export function checkRole(role: unknown): Role {
  if (typeof role !== 'string' || !ROLES.has(role)) throw new Invalid(`unknown role ${String(role)}`, 'role');
  return role as Role;
}

export function checkQuota(bytes: unknown): number {
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0) throw new Invalid('quota must be a non-negative integer (0 = unlimited)', 'quotaBytes');
  return bytes;
}

export function checkText(value: unknown, field: string, max = 500): string {
  if (typeof value !== 'string' || value.length > max) throw new Invalid(`${field} must be a string of at most ${max} characters`, field);
  return value;
}
