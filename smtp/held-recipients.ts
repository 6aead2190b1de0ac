// The recipients the MX thread has checked, kept on the main thread until the message comes.
// A resolved recipient holds the users it reaches (whole account records): the MX thread needs
// none of that, only the decision. It gets a number instead, and hands the numbers back with
// the message. Less to copy between threads twice per recipient, and account records (password
// hashes included) stay on the thread that owns the store.
import type { ResolvedRecipient } from '../core/index.js';

/** Past this, a recipient nobody came back for is dropped (a session cut without a close). A
 *  transaction that takes longer gets 451 at the end of DATA, and its sender tries again. */
const MAX_AGE_MS = 3600_000;
const SWEEP_EVERY_MS = 60_000;

export class HeldRecipients {
  private readonly held = new Map<number, { recipient: ResolvedRecipient; at: number }>();
  private next = 1;
  private lastSweep: number;

  constructor(private readonly now: () => number = Date.now) {
    this.lastSweep = now();
  }

  get size(): number {
    return this.held.size;
  }

  /** What the MX thread gets for `recipient`: its decision, and its targets held here. */
  hold(recipient: ResolvedRecipient): ResolvedRecipient {
    if (!recipient.decision.ok || recipient.targets.length === 0) return recipient;
    this.sweep();
    const held = this.next++;
    this.held.set(held, { recipient, at: this.now() });
    return { address: recipient.address, decision: recipient.decision, targets: [], held };
  }

  /** The recipients as resolved at RCPT time, each with the DSN parameters the MX thread added;
   *  they are no longer held. Null if one of them is not held any more. */
  take(recipients: ResolvedRecipient[]): ResolvedRecipient[] | null {
    const out: ResolvedRecipient[] = [];
    let missing = false;
    for (const r of recipients) {
      if (r.held === undefined) {
        out.push(r);
        continue;
      }
      const entry = this.held.get(r.held);
      this.held.delete(r.held);
      if (!entry) missing = true;
      else out.push(r.dsn ? { ...entry.recipient, dsn: r.dsn } : entry.recipient);
    }
    return missing ? null : out;
  }

  release(numbers: number[]): void {
    for (const n of numbers) this.held.delete(n);
  }

  /** The MX thread is gone: nobody will come back for any of them. */
  clear(): void {
    this.held.clear();
  }

  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    // Insertion order is age order.
    for (const [n, entry] of this.held) {
      if (now - entry.at < MAX_AGE_MS) break;
      this.held.delete(n);
    }
  }
}
