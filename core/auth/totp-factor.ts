// The optional TOTP second factor of the webmail: enrolment (pending until confirmed with a
// code), verification at login with replay refused, one-time recovery codes, disable and an
// admin's reset. Failures count in the shared brute-force guard and go to the audit log.
//
// The guard counts second-factor failures per IP (shared with passwords: a guesser's IP
// locks as it would for passwords) and under a per-account key of their own, "totp:<address>":
// a right password clears that account's password failures, and must not clear the code
// failures of someone who knows the password and is guessing codes.
import { createHash, randomInt } from 'node:crypto';
import type { AuditLog, TotpStore, User } from '../../storage/index.js';
import type { Actor } from '../accounts/service.js';
import { Conflict, Invalid, NotFound } from '../errors.js';
import type { AuthProtocol } from './authenticate.js';
import type { BruteForceGuard } from './guard.js';
import { canonicalIp } from './ip.js';
import { matchTotp, newTotpSecret, totpStep, totpUri } from './totp.js';
import type { SecretSealer } from './totp-seal.js';

export const RECOVERY_CODE_COUNT = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export interface TotpStatus {
  enabled: boolean;
  /** An enrolment was started and not confirmed yet. */
  pending: boolean;
  recoveryCodesLeft: number;
}

export type SecondFactorResult =
  | { ok: true; method: 'totp' | 'recovery-code'; recoveryCodesLeft: number }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

export interface SecondFactorRequest {
  user: User;
  /** Six digits from the app, or a recovery code. */
  code: string;
  protocol: AuthProtocol;
  ip: string;
  client?: string | null;
}

export interface TotpFactorOptions {
  guard: BruteForceGuard;
  /** Shown by the authenticator app above the account ("Facteur"). */
  issuer?: string;
  /** Encrypts secrets at rest; without it they are stored as base32. */
  sealer?: SecretSealer;
  now?: () => number;
}

/** Recovery codes are random (about 60 bits): a plain SHA-256 is enough to keep a copy of the
 *  database from being a list of working codes, and lets the store find one in a single step. */
export function hashRecoveryCode(userId: string, code: string): string {
  return createHash('sha256').update(`${userId}\n${normalizeRecoveryCode(code)}`).digest('hex');
}

function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

function newRecoveryCode(): string {
  let out = '';
  for (let i = 0; i < 12; i++) {
    if (i === 4 || i === 8) out += '-';
    out += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  }
  return out;
}

export class TotpFactor {
  private readonly guard: BruteForceGuard;
  private readonly issuer: string;
  private readonly now: () => number;
  private readonly sealer: SecretSealer | null;

  constructor(private readonly store: { readonly totp: TotpStore; readonly audit: Pick<AuditLog, 'append'> }, options: TotpFactorOptions) {
    this.guard = options.guard;
    this.issuer = options.issuer ?? 'Facteur';
    this.now = options.now ?? Date.now;
    this.sealer = options.sealer ?? null;
  }

  private secretOf(e: { userId: string; secret: string }): string {
    return this.sealer ? this.sealer.unseal(e.secret, e.userId) : e.secret;
  }

  async status(user: User): Promise<TotpStatus> {
    const e = await this.store.totp.get(user.id);
    return { enabled: !!e?.confirmedAt, pending: !!e && !e.confirmedAt, recoveryCodesLeft: e?.confirmedAt ? e.recoveryCodes.length : 0 };
  }

  /** Whether a login of this user must give a code after the password. */
  async required(user: User): Promise<boolean> {
    return !!(await this.store.totp.get(user.id))?.confirmedAt;
  }

  /** A new secret, pending until confirmEnrolment. Conflict if the factor is already on. */
  async beginEnrolment(user: User): Promise<{ secret: string; uri: string }> {
    const secret = newTotpSecret();
    await this.store.totp.begin(user.id, this.sealer ? this.sealer.seal(secret, user.id) : secret, new Date(this.now()));
    return { secret, uri: totpUri(secret, user.address, this.issuer) };
  }

  /** Turns the factor on once the user shows a code from the app, and hands out the recovery
   *  codes (shown once: only their hashes are kept). Invalid for a wrong code. */
  async confirmEnrolment(user: User, code: string, actor: Actor): Promise<{ recoveryCodes: string[] }> {
    const e = await this.store.totp.get(user.id);
    if (!e) throw new NotFound('no TOTP enrolment was started');
    if (e.confirmedAt) throw new Conflict('the second factor is already on');
    const step = matchTotp(this.secretOf(e), code.trim(), this.now());
    if (step === null) throw new Invalid('wrong code: check the time of the phone and type the code shown now', 'code');
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await this.store.totp.confirm(user.id, step, codes.map((c) => hashRecoveryCode(user.id, c)), new Date(this.now()));
    await this.audit(actor, 'totp.enable', user, true, {});
    return { recoveryCodes: codes };
  }

  /** Checks a second-factor code through the guard; the audit entry is a login step. A code
   *  is accepted once: the same one again (or an older one) is a replay (RFC 6238 §5.2). */
  async verify(request: SecondFactorRequest): Promise<SecondFactorResult> {
    const { user } = request;
    const decision = this.guard.begin(request.ip, `totp:${user.address}`);
    if (!decision.allowed) {
      await this.loginAudit(request, false, { factor: 'totp', reason: 'throttled', retryAfterMs: decision.retryAfterMs });
      return { ok: false, reason: 'throttled', retryAfterMs: decision.retryAfterMs };
    }
    let result: { method: 'totp' | 'recovery-code'; left: number } | { reason: 'invalid' | 'replay' | 'off' };
    try {
      if (decision.delayMs > 0) await new Promise((r) => setTimeout(r, decision.delayMs));
      result = await this.check(user, String(request.code ?? '').trim().slice(0, 64));
    } catch (err) {
      decision.attempt.withdraw();
      throw err;
    }
    if ('method' in result) {
      decision.attempt.succeed();
      await this.loginAudit(request, true, { factor: result.method, ...(result.method === 'recovery-code' ? { recoveryCodesLeft: result.left } : {}) });
      return { ok: true, method: result.method, recoveryCodesLeft: result.left };
    }
    decision.attempt.fail();
    await this.loginAudit(request, false, { factor: 'totp', reason: result.reason });
    return { ok: false, reason: 'invalid' };
  }

  private async check(user: User, code: string): Promise<{ method: 'totp' | 'recovery-code'; left: number } | { reason: 'invalid' | 'replay' | 'off' }> {
    const e = await this.store.totp.get(user.id);
    if (!e?.confirmedAt) return { reason: 'off' };
    if (/^\d{6}$/.test(code)) {
      const step = matchTotp(this.secretOf(e), code, this.now());
      if (step === null) return { reason: 'invalid' };
      return (await this.store.totp.useStep(user.id, step)) ? { method: 'totp', left: e.recoveryCodes.length } : { reason: 'replay' };
    }
    if (normalizeRecoveryCode(code).length !== 12) return { reason: 'invalid' };
    return (await this.store.totp.useRecoveryCode(user.id, hashRecoveryCode(user.id, code)))
      ? { method: 'recovery-code', left: e.recoveryCodes.length - 1 }
      : { reason: 'invalid' };
  }

  /** The user turns the factor off (the caller has checked their password and a code). */
  async disable(user: User, actor: Actor): Promise<void> {
    if (!(await this.store.totp.remove(user.id))) throw new NotFound('the second factor is not on');
    await this.audit(actor, 'totp.disable', user, true, {});
  }

  /** An admin turns it off for a locked-out user (lost phone and codes). */
  async reset(user: User, actor: Actor): Promise<boolean> {
    const removed = await this.store.totp.remove(user.id);
    await this.audit(actor, 'totp.reset', user, true, { wasEnrolled: removed });
    return removed;
  }

  /** New recovery codes replace the old ones (the caller has checked password and code). */
  async regenerateRecoveryCodes(user: User, actor: Actor): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await this.store.totp.replaceRecoveryCodes(user.id, codes.map((c) => hashRecoveryCode(user.id, c)));
    await this.audit(actor, 'totp.recovery-codes', user, true, {});
    return codes;
  }

  /** The current time step (for tests and tools). */
  step(): number {
    return totpStep(this.now());
  }

  private async audit(actor: Actor, action: string, user: User, success: boolean, details: Record<string, unknown>) {
    await this.store.audit.append({ actor: actor.name, ip: actor.ip ?? null, action, target: user.address, unit: user.unit, success, details });
  }

  private async loginAudit(request: SecondFactorRequest, success: boolean, details: Record<string, unknown>) {
    const client = typeof request.client === 'string' && request.client !== '' ? { client: request.client.slice(0, 200) } : {};
    await this.store.audit.append({
      at: new Date(this.now()), actor: request.user.address, action: `login.${request.protocol}`, target: request.user.address,
      unit: request.user.unit, ip: request.ip ? canonicalIp(request.ip).slice(0, 100) : null, success, details: { ...details, ...client },
    });
  }
}
