// Admin actions on the outbound queue, audited: retry now, remove without delivering.
import { NotFound } from '../errors.js';
import type { Actor } from '../accounts/service.js';
import type { QueueEntry, Store } from '../../storage/index.js';

export class QueueAdmin {
  constructor(private readonly store: Pick<Store, 'queue' | 'audit'>) {}

  async get(id: string): Promise<QueueEntry> {
    const entry = await this.store.queue.get(id);
    if (!entry) throw new NotFound(`no queue entry ${id}`);
    return entry;
  }

  async retry(id: string, actor: Actor): Promise<QueueEntry> {
    const entry = await this.store.queue.retryNow(id);
    await this.audit(actor, 'queue.retry', id, { count: 1 });
    return entry;
  }

  async remove(id: string, actor: Actor): Promise<QueueEntry> {
    const entry = await this.get(id);
    await this.store.queue.remove(id);
    const pending = entry.recipients.filter((r) => r.status === 'pending').map((r) => r.address);
    await this.audit(actor, 'queue.delete', id, { from: entry.from, recipients: pending });
    return entry;
  }

  private async audit(actor: Actor, action: string, target: string, details: Record<string, unknown>) {
    await this.store.audit.append({ actor: actor.name, ip: actor.ip ?? null, action, target, unit: null, success: true, details });
  }
}
