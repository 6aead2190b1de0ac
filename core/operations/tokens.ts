// Admin API tokens: made by the CLI, shown once, checked on every API request.
//
// Secrets are 256 random bits, stored as their SHA-256. A slow password hash (argon2) guards
// against guessing low-entropy human passwords from a stolen database; a 256-bit random secret
// cannot be guessed from its hash however fast the hash is, and a fast one lets every API
// request be checked by one indexed lookup.
import { createHash, randomBytes } from 'node:crypto';
import { Invalid, NotFound } from '../errors.js';
import type { Actor } from '../accounts/service.js';
import type { AdminToken, AdminTokenRole, AdminTokenStore, AuditLog } from '../../storage/index.js';

/** Prefix of every secret: recognizable by secret scanners and by a person reading a config. */
export const TOKEN_PREFIX = 'fct_';
const ROLES: AdminTokenRole[] = ['admin', 'unit-admin'];
// Writing last-used on every request would make every API call a database write.
const TOUCH_EVERY_MS = 60_000;

export type TokenCheck =
  | { ok: true; token: AdminToken }
  | { ok: false; reason: 'missing' | 'unknown' | 'revoked' | 'expired'; token: AdminToken | null };

export interface TokenStores {
  readonly adminTokens: AdminTokenStore;
  readonly audit: Pick<AuditLog, 'append'>;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** How a token appears in the audit log. */
export function tokenActor(token: Pick<AdminToken, 'id' | 'name'>, ip?: string | null): Actor {
  return { name: `token:${token.id}`, ip: ip ?? null };
}

export class AdminTokens {
  constructor(private readonly store: TokenStores, private readonly now: () => number = Date.now) {}

  async create(input: { name?: string; role: string; units?: string[]; lifetimeMs: number | null }, actor: Actor): Promise<{ token: AdminToken; secret: string }> {
    const role = input.role as AdminTokenRole;
    if (!ROLES.includes(role)) throw new Invalid(`invalid token role "${input.role}": use admin or unit-admin`, 'role');
    const units = [...new Set((input.units ?? []).map((u) => u.trim()).filter(Boolean))];
    if (role === 'unit-admin' && units.length === 0) throw new Invalid('a unit-admin token needs at least one --unit', 'unit');
    if (role === 'admin' && units.length > 0) throw new Invalid('an admin token covers the whole district: give no --unit', 'unit');
    const name = (input.name ?? `${role}-${new Date(this.now()).toISOString().replace(/[-:]/g, '').slice(0, 15)}`).trim();
    if (!/^[\p{L}\p{N}][\p{L}\p{N} ._@-]{0,99}$/u.test(name)) throw new Invalid(`invalid token name "${name}"`, 'name');
    if (input.lifetimeMs !== null && !(input.lifetimeMs > 0)) throw new Invalid('a token lifetime must be positive', 'expires');
    const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const token = await this.store.adminTokens.create({
      name, role, units, secretHash: hashSecret(secret), createdBy: actor.name,
      expiresAt: input.lifetimeMs === null ? null : new Date(this.now() + input.lifetimeMs),
    });
    await this.audit(actor, 'token.create', token, { role, units, expiresAt: token.expiresAt?.toISOString() ?? null });
    return { token, secret };
  }

  /** Checks a presented secret. Never throws for a bad one: the caller answers 401. */
  async check(secret: string | null | undefined): Promise<TokenCheck> {
    if (!secret) return { ok: false, reason: 'missing', token: null };
    if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return { ok: false, reason: 'unknown', token: null };
    const token = await this.store.adminTokens.findBySecretHash(hashSecret(secret));
    if (!token) return { ok: false, reason: 'unknown', token: null };
    const now = this.now();
    if (token.revokedAt) return { ok: false, reason: 'revoked', token };
    if (token.expiresAt && token.expiresAt.getTime() <= now) return { ok: false, reason: 'expired', token };
    if (!token.lastUsedAt || now - token.lastUsedAt.getTime() >= TOUCH_EVERY_MS) await this.store.adminTokens.touch(token.id, new Date(now));
    return { ok: true, token };
  }

  list(): Promise<AdminToken[]> {
    return this.store.adminTokens.list();
  }

  /** By id or by name. */
  async find(idOrName: string): Promise<AdminToken> {
    const token = (await this.store.adminTokens.get(idOrName)) ?? (await this.store.adminTokens.getByName(idOrName));
    if (!token) throw new NotFound(`no token ${idOrName}`);
    return token;
  }

  async revoke(idOrName: string, actor: Actor): Promise<AdminToken> {
    const token = await this.find(idOrName);
    const revoked = await this.store.adminTokens.revoke(token.id, new Date(this.now()));
    await this.audit(actor, 'token.revoke', revoked);
    return revoked;
  }

  private async audit(actor: Actor, action: string, token: AdminToken, details: Record<string, unknown> = {}) {
    await this.store.audit.append({
      actor: actor.name, ip: actor.ip ?? null, action, target: `token:${token.id}`, unit: null, success: true,
      details: { name: token.name, ...details },
    });
  }
}

/** Where a token stands, for listings. */
export function tokenStatus(token: AdminToken, now: Date = new Date()): 'active' | 'revoked' | 'expired' {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && token.expiresAt <= now) return 'expired';
  return 'active';
}
