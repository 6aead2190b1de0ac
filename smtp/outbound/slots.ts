// How many deliveries may run at once: overall, and per destination domain so that one big
// provider's slow MX cannot take every slot (and does not see us as a flood).

export class Slots {
  private total = 0;
  private readonly byDomain = new Map<string, number>();

  constructor(private readonly max: number, private readonly maxPerDomain: number) {
    if (max < 1 || maxPerDomain < 1) throw new RangeError('concurrency limits must be at least 1');
  }

  get used(): number {
    return this.total;
  }

  get free(): number {
    return this.max - this.total;
  }

  canTake(domain: string): boolean {
    return this.total < this.max && (this.byDomain.get(domain) ?? 0) < this.maxPerDomain;
  }

  domainFull(domain: string): boolean {
    return (this.byDomain.get(domain) ?? 0) >= this.maxPerDomain;
  }

  /** Takes a slot for `domain`; false (nothing taken) when a limit is reached. */
  take(domain: string): boolean {
    if (!this.canTake(domain)) return false;
    this.total++;
    this.byDomain.set(domain, (this.byDomain.get(domain) ?? 0) + 1);
    return true;
  }

  release(domain: string): void {
    const n = this.byDomain.get(domain) ?? 0;
    if (n <= 0) throw new Error(`no slot held for ${domain}`);
    this.total--;
    if (n === 1) this.byDomain.delete(domain);
    else this.byDomain.set(domain, n - 1);
  }
}
