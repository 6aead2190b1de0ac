// Retention policies: messages older than N days in a special-use folder (Trash, Junk) are
// expunged by a periodic pass. A message's age in the folder comes from retention marks
// (storage RetentionStore): each pass records the folder's UIDNEXT, and a message whose UID is
// below the UIDNEXT recorded N days ago has been there at least N days. Its internal date does
// not tell: a message moved to Trash keeps the date it was received.
import type { Logger } from '../log.js';
import type { Service } from '../service.js';
import type { SpecialUse, Store, User } from '../../storage/index.js';

export interface RetentionPolicy {
  specialUse: SpecialUse;
  /** Messages are expunged this many days after they entered the folder. */
  days: number;
}

export interface RetentionPass {
  users: number;
  expunged: number;
}

const DAY_MS = 86_400_000;
const PAGE = 500;

export class RetentionRunner {
  constructor(
    private readonly store: Pick<Store, 'accounts' | 'mail' | 'retention' | 'audit'>,
    private readonly policies: RetentionPolicy[],
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** One pass over every user. A failure on one user is logged and the pass goes on. */
  async runOnce(): Promise<RetentionPass> {
    const pass: RetentionPass = { users: 0, expunged: 0 };
    if (this.policies.length === 0) return pass;
    let after: string | undefined;
    for (;;) {
      const page = await this.store.accounts.listUsers({ after, limit: PAGE });
      for (const user of page) {
        pass.users++;
        try {
          pass.expunged += await this.applyTo(user);
        } catch (err) {
          this.log.error({ err, user: user.address }, 'retention pass failed for a user');
        }
      }
      if (page.length < PAGE) return pass;
      after = page[page.length - 1].address;
    }
  }

  private async applyTo(user: User): Promise<number> {
    let total = 0;
    const now = this.now();
    for (const policy of this.policies) {
      const mailbox = await this.store.mail.findMailboxBySpecialUse(user.id, policy.specialUse);
      if (!mailbox) continue;
      const status = await this.store.mail.mailboxStatus(mailbox.id);
      await this.store.retention.mark(mailbox.id, status.uidValidity, status.uidNext, now);
      const cut = new Date(now.getTime() - policy.days * DAY_MS);
      const uidNextThen = await this.store.retention.uidNextAt(mailbox.id, status.uidValidity, cut);
      await this.store.retention.prune(mailbox.id, status.uidValidity, cut);
      if (uidNextThen === null) continue;
      const uids = (await this.store.mail.listMessageIndex(mailbox.id)).filter((m) => m.uid < uidNextThen).map((m) => m.uid);
      if (uids.length === 0) continue;
      const { uids: gone } = await this.store.mail.expunge(mailbox.id, { uids, onlyDeleted: false });
      total += gone.length;
      await this.store.audit.append({
        actor: 'system', action: 'retention.expunge', target: user.address, unit: user.unit, ip: null, success: true,
        details: { folder: mailbox.name, specialUse: policy.specialUse, days: policy.days, messages: gone.length },
      });
    }
    return total;
  }
}

export interface MaintenanceTask {
  name: string;
  /** Resolves to something worth logging when there was work, or a falsy value. */
  run(): Promise<unknown>;
}

/** Runs the tasks one after the other every `intervalMs`, the first time `firstDelayMs` after
 *  start (not at once: a start is busy enough). A failing task is logged; the others still run. */
export function createMaintenanceService(tasks: MaintenanceTask[], options: { intervalMs: number; firstDelayMs?: number; log: Logger }): Service {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;
  const pass = async () => {
    for (const task of tasks) {
      if (stopped) return;
      try {
        const result = await task.run();
        if (result) options.log.info({ task: task.name, result }, 'maintenance task done');
      } catch (err) {
        options.log.error({ err, task: task.name }, 'maintenance task failed');
      }
    }
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().finally(() => { running = null; schedule(options.intervalMs); });
    }, ms);
    timer.unref();
  };
  return {
    name: 'maintenance',
    async start() {
      schedule(options.firstDelayMs ?? 60_000);
      return { listeners: [] };
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/** The policies the configuration asks for; 0 days means "keep". */
export function retentionPolicies(days: { trash: number; junk: number }): RetentionPolicy[] {
  const out: RetentionPolicy[] = [];
  if (days.trash > 0) out.push({ specialUse: '\\Trash', days: days.trash });
  if (days.junk > 0) out.push({ specialUse: '\\Junk', days: days.junk });
  return out;
}
