// Deleting a user with a grace period: the account is disabled at once (no login, no mail) and
// purged when the period ends, unless an admin restores it first. With no grace period the
// purge is immediate. The purge itself is core's Accounts.deleteUser: messages, unreferenced
// blobs, calendars, contacts, app passwords, sessions, memberships.
import type { Accounts, Actor } from '../accounts/service.js';
import { Conflict, NotFound } from '../errors.js';
import type { PendingDeletion, Store } from '../../storage/index.js';

export type DeleteOutcome = { purged: true } | { purged: false; pending: PendingDeletion };

export class AccountDeletion {
  constructor(
    private readonly store: Pick<Store, 'accounts' | 'deletions' | 'audit'>,
    private readonly accounts: Accounts,
    private readonly graceMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get graceDays(): number {
    return this.graceMs / 86_400_000;
  }

  async delete(address: string, actor: Actor): Promise<DeleteOutcome> {
    const user = await this.accounts.getUser(address);
    if (this.graceMs <= 0) {
      await this.purge(user.address, actor);
      return { purged: true };
    }
    if (await this.store.deletions.get(user.id)) throw new Conflict(`the deletion of ${user.address} is already scheduled`);
    const now = this.now();
    const pending = await this.store.deletions.schedule({
      userId: user.id, requestedAt: now, purgeAfter: new Date(now.getTime() + this.graceMs), requestedBy: actor.name, wasEnabled: user.enabled,
    });
    if (user.enabled) await this.store.accounts.updateUser(user.id, { enabled: false });
    await this.audit(actor, 'user.delete.schedule', user.address, user.unit, { purgeAfter: pending.purgeAfter.toISOString() });
    return { purged: false, pending };
  }

  /** Cancels a pending deletion and gives the account back as it was. */
  async restore(address: string, actor: Actor) {
    const user = await this.accounts.getUser(address);
    const pending = await this.store.deletions.get(user.id);
    if (!pending) throw new NotFound(`no deletion of ${user.address} is pending`);
    await this.store.deletions.cancel(user.id);
    const restored = pending.wasEnabled ? await this.store.accounts.updateUser(user.id, { enabled: true }) : user;
    await this.audit(actor, 'user.restore', user.address, user.unit);
    return restored;
  }

  pending(): Promise<PendingDeletion[]> {
    return this.store.deletions.list();
  }

  /** Purges every user whose grace period has ended; returns their addresses. */
  async purgeDue(): Promise<string[]> {
    const done: string[] = [];
    for (const d of await this.store.deletions.list({ dueAt: this.now() })) {
      await this.purge(d.address, { name: 'system' }, { requestedBy: d.requestedBy, requestedAt: d.requestedAt.toISOString() });
      done.push(d.address);
    }
    return done;
  }

  private async purge(address: string, actor: Actor, details: Record<string, unknown> = {}): Promise<void> {
    await this.accounts.deleteUser(address, actor);
    if (Object.keys(details).length > 0) await this.audit(actor, 'user.purge', address, null, details);
  }

  private async audit(actor: Actor, action: string, target: string, unit: string | null, details: Record<string, unknown> = {}) {
    await this.store.audit.append({ actor: actor.name, ip: actor.ip ?? null, action, target, unit, success: true, details });
  }
}
