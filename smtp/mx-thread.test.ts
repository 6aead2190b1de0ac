// The MX listener on its own thread, with the main thread's side faked: a message crosses to
// the pipeline with its analysis, the worker's log lines come out of the server's logger, and
// a worker that dies is replaced on the same port.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCEPT, analyzeMessage, zoneTextResolver, type Delivery, type ResolvedRecipient, type Target } from '../core/index.js';
import { createLogger } from '../core/log.js';
import { loadTls } from '../core/tls.js';
import type { Store } from '../storage/index.js';
import { RawSmtp } from '../tests/smtp/raw-client.js';
import { startMxThread, type MxThread } from './mx-thread.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-mx-thread-'));
let thread: MxThread;
let logs = '';
const accepted: { from: string; rcpts: string[]; targets: Target[]; raw: string; subject: string; traceHeaders: string }[] = [];

beforeAll(async () => {
  const tls = await loadTls({ certFile: null, keyFile: null, dataDir: dir, hostname: 'mx.facteur.test' });
  const delivery = {
    checkSender: async () => ACCEPT,
    checkRecipient: async (_origin: unknown, rcpt: string): Promise<ResolvedRecipient> => ({ address: rcpt, decision: ACCEPT, targets: [{ kind: 'remote', address: `${rcpt}.example` }] }),
    accept: async (_origin: unknown, from: string, recipients: ResolvedRecipient[], raw: Buffer, extras: { traceHeaders?: string }) => {
      // The pipeline analyses what it is given: here it gets what the MX thread found.
      const analysis = await analyzeMessage(raw);
      accepted.push({
        from, rcpts: recipients.map((r) => r.address), targets: recipients.flatMap((r) => r.targets), raw: raw.toString(), subject: analysis.summary.subject, traceHeaders: extras.traceHeaders ?? '',
      });
      return { decision: ACCEPT, delivered: recipients.length, queued: [] };
    },
  } as unknown as Delivery;
  const store = { accounts: { getDomain: async () => null } } as unknown as Store;
  const sink = new Writable({ write(chunk, _enc, cb) { logs += chunk.toString(); cb(); } });
  thread = await startMxThread({
    host: '127.0.0.1', port: 0, hostname: 'mx.facteur.test', tls, maxMessageBytes: 1024 * 1024, maxRecipients: 100,
    maxClients: 100, socketTimeoutMs: 30_000, delivery, store, resolver: zoneTextResolver('ext.example TXT "v=spf1 ip4:127.0.0.1 -all"\n'),
    log: createLogger({ level: 'info', destination: sink }).child({ svc: 'smtp', listener: 'smtp' }), loopbackIsSecure: true,
  });
});
afterAll(async () => {
  await thread?.stop(100);
  rmSync(dir, { recursive: true, force: true });
});

async function send(subject: string): Promise<string> {
  const c = await RawSmtp.connect(thread.listener.port);
  await c.hello();
  await c.command('MAIL FROM:<bob@ext.example>');
  await c.command('RCPT TO:<alice@facteur.test>');
  await c.command('DATA');
  const reply = await c.command(`From: bob@ext.example\r\nSubject: ${subject}\r\n\r\nHello.\r\n.`);
  c.close();
  return reply;
}

describe('MX thread', () => {
  it('hands each message to the pipeline with its analysis and its trace headers, and logs through the server', async () => {
    expect(await send('first')).toMatch(/^250 2\.6\.0 Message accepted/);
    const got = accepted.at(-1)!;
    expect(got).toMatchObject({ from: 'bob@ext.example', rcpts: ['alice@facteur.test'], subject: 'first' });
    // The targets stayed on the main thread, and come back with the message.
    expect(got.targets).toEqual([{ kind: 'remote', address: 'alice@facteur.test.example' }]);
    expect(thread.heldRecipients()).toBe(0);
    expect(got.traceHeaders).toMatch(/^Received-SPF: pass /m);
    expect(got.traceHeaders).toMatch(/^Received: from client\.example .*\r\n\tby mx\.facteur\.test \(Facteur\) with ESMTP/m);
    // The worker sends its lines over once per turn of its event loop: they may follow the reply.
    const acceptedLine = () => logs.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'message accepted');
    for (let i = 0; i < 100 && !acceptedLine(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const line = acceptedLine();
    expect(line).toMatchObject({ svc: 'smtp', listener: 'smtp', from: 'bob@ext.example', spf: 'pass', pid: process.pid });
  });

  it('lets go of recipients checked for a message that never comes', async () => {
    const c = await RawSmtp.connect(thread.listener.port);
    await c.hello();
    await c.command('MAIL FROM:<bob@ext.example>');
    expect(await c.command('RCPT TO:<alice@facteur.test>')).toMatch(/^250 /);
    expect(await c.command('RCPT TO:<carol@facteur.test>')).toMatch(/^250 /);
    expect(await c.command('RCPT TO:<Carol@facteur.test>')).toMatch(/^250 /);
    // The repeated one was let go (the notice may land just after the reply).
    for (let i = 0; i < 100 && thread.heldRecipients() !== 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(thread.heldRecipients()).toBe(2);
    await c.command('RSET');
    await c.command('MAIL FROM:<bob@ext.example>');
    expect(await c.command('RCPT TO:<dave@facteur.test>')).toMatch(/^250 /);
    c.close();
    for (let i = 0; i < 100 && thread.heldRecipients() > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(thread.heldRecipients()).toBe(0);
  });

  it('starts a new worker on the same port when one dies', async () => {
    const first = thread.worker()!;
    await first.terminate();
    let next = thread.worker();
    for (let i = 0; i < 50 && (!next || next === first); i++) {
      await new Promise((r) => setTimeout(r, 100));
      next = thread.worker();
    }
    expect(next).not.toBe(first);
    let reply = '';
    for (let i = 0; i < 50 && !reply; i++) {
      reply = await send('after restart').catch(() => '');
      if (!reply) await new Promise((r) => setTimeout(r, 100));
    }
    expect(reply).toMatch(/^250 /);
    expect(accepted.at(-1)!.subject).toBe('after restart');
    expect(logs).toContain('MX worker stopped unexpectedly');
  });
});
