// Per-user sending limit (messages per hour), to contain a compromised account. In memory:
// the limit protects the district's reputation within one server process; a restart resets it.
export class SendingLimiter {
  private readonly sent = new Map<string, number[]>();

  constructor(private readonly perHour: number, private readonly now: () => number = Date.now) {}

  /** Counts `messages` for the user if the limit allows them; false otherwise. */
  take(userId: string, messages = 1): boolean {
    if (this.perHour <= 0) return true;
    const cutoff = this.now() - 3600_000;
    const times = (this.sent.get(userId) ?? []).filter((t) => t > cutoff);
    if (times.length + messages > this.perHour) {
      this.sent.set(userId, times);
      return false;
    }
    for (let i = 0; i < messages; i++) times.push(this.now());
    this.sent.set(userId, times);
    return true;
  }
}
