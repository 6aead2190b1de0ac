// Calls across a thread boundary (the MX thread, the store's background thread): values and
// typed errors arrive as they left, so that a storage fault is answered (smtp/replies.ts) as
// it would be on one thread.
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { DnsError } from './dns/index.js';
import { OverQuota, Unavailable, isFacteurError } from './errors.js';
import { RpcPeer } from './rpc.js';

let channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels) {
    c.port1.close();
    c.port2.close();
  }
  channels = [];
});

function pair(handlers: Record<string, (...args: any[]) => unknown>): { caller: RpcPeer; notices: unknown[][] } {
  const channel = new MessageChannel();
  channels.push(channel);
  const notices: unknown[][] = [];
  new RpcPeer(channel.port2, { ...handlers, note: (...args: unknown[]) => notices.push(args) });
  return { caller: new RpcPeer(channel.port1, {}), notices };
}

describe('RpcPeer', () => {
  it('returns what the other side returns, buffers and dates included', async () => {
    const { caller } = pair({ echo: async (x: unknown) => x, sum: (a: number, b: number) => a + b });
    const when = new Date('2025-06-02T10:00:00Z');
    expect(await caller.call('sum', [2, 3])).toBe(5);
    const back = await caller.call<{ raw: Uint8Array; when: Date }>('echo', [{ raw: Buffer.from('hello'), when }]);
    expect(Buffer.from(back.raw).toString()).toBe('hello');
    expect(back.when).toEqual(when);
  });

  it('answers concurrent calls each with its own result', async () => {
    const { caller } = pair({ later: (ms: number, v: string) => new Promise((r) => setTimeout(() => r(v), ms)) });
    expect(await Promise.all([caller.call('later', [30, 'slow']), caller.call('later', [1, 'fast'])])).toEqual(['slow', 'fast']);
  });

  it('rebuilds typed core errors as their own class', async () => {
    const { caller } = pair({
      store: () => { throw new Unavailable('disk I/O error'); },
      quota: () => { throw new OverQuota('full', 100, 90); },
    });
    const err = await caller.call('store', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Unavailable);
    expect((err as Error).message).toBe('disk I/O error');
    const quota = await caller.call('quota', []).catch((e: unknown) => e);
    expect(quota).toBeInstanceOf(OverQuota);
    expect(quota).toMatchObject({ quotaBytes: 100, usedBytes: 90, code: 'OVER_QUOTA' });
  });

  it('keeps the code of a DNS error (mailauth tells "no record" from "lookup failed" by it) and the stack of any other', async () => {
    const { caller } = pair({
      resolve: () => { throw new DnsError('ENOTFOUND', 'x.example', 'TXT'); },
      bug: () => { throw new TypeError('boom'); },
    });
    const dns = await caller.call('resolve', []).catch((e: unknown) => e);
    expect(dns).toMatchObject({ code: 'ENOTFOUND', name: 'DnsError' });
    const bug = (await caller.call('bug', []).catch((e: unknown) => e)) as Error;
    expect(isFacteurError(bug)).toBe(false);
    expect(bug.message).toBe('boom');
    expect(bug.stack).toContain('rpc.test.ts');
  });

  it('refuses an unknown method, delivers notices, and fails the calls of a side that is gone', async () => {
    const { caller, notices } = pair({});
    await expect(caller.call('nope', [])).rejects.toThrow('no such method nope');
    caller.notify('note', ['a', 1]);
    await new Promise((r) => setTimeout(r, 20));
    expect(notices).toEqual([['a', 1]]);

    const channel = new MessageChannel();
    channels.push(channel);
    const lonely = new RpcPeer(channel.port1, {});
    const pending = lonely.call('anything', []);
    lonely.failPending(new Error('MX worker exited (1)'));
    await expect(pending).rejects.toThrow('MX worker exited (1)');
  });

  it('starts what one turn sent in the order it was sent, calls and notices alike', async () => {
    const seen: string[] = [];
    const { caller } = pair({ work: async (n: number) => { seen.push(`work ${n}`); return n; }, stop: () => { seen.push('stop'); } });
    const answers = [caller.call('work', [1]), caller.call('work', [2])];
    caller.notify('stop', []);
    expect(await Promise.all(answers)).toEqual([1, 2]);
    expect(seen).toEqual(['work 1', 'work 2', 'stop']);
  });

  it('drain() waits until every call taken is answered and the answers are sent', async () => {
    const channel = new MessageChannel();
    channels.push(channel);
    let finish: () => void = () => undefined;
    const server = new RpcPeer(channel.port2, { slow: () => new Promise<string>((r) => { finish = () => r('done'); }) });
    const caller = new RpcPeer(channel.port1, {});
    const answer = caller.call('slow', []);
    await new Promise((r) => setTimeout(r, 20));
    let drained = false;
    const draining = server.drain().then(() => { drained = true; });
    await new Promise((r) => setTimeout(r, 20));
    expect(drained).toBe(false);
    finish();
    await draining;
    // Sent already: the answer arrives even if the serving side closes its port now.
    channel.port2.close();
    expect(await answer).toBe('done');
  });

  it('fails the calls of a batch that cannot be sent, and goes on', async () => {
    const { caller } = pair({ echo: (x: unknown) => x });
    const bad = caller.call('echo', [() => 'a function cannot be cloned']);
    await expect(bad).rejects.toThrow();
    expect(await caller.call('echo', ['fine'])).toBe('fine');
  });
});
