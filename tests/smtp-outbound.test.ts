// The outbound queue worker end to end: a real SQLite store, the real delivery pipeline (so
// bounces land in the sender's INBOX), a zone-file resolver, and smtp-server sinks on
// 127.0.0.1 standing in for remote MX hosts and for a smart host. The `facteur queue`
// commands run as the real CLI (node bin/facteur.js) against a data dir.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Accounts, Delivery, zoneTextResolver, type Resolver } from '../core/index.js';
import { loadTls } from '../core/tls.js';
import { OutboundWorker, type OutboundOptions } from '../smtp/outbound/index.js';
import type { QueueEntry, Store, User } from '../storage/index.js';
import { openSqliteStore } from '../storage/sqlite/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOSTNAME = 'mx.school.test';
const MINUTE = 60_000;

const zone = zoneTextResolver(`
remote.test          MX  10 mx.remote.test.
mx.remote.test       A   127.0.0.1
other.test           MX  10 mx.other.test.
mx.other.test        A   127.0.0.1
; the preferred MX does not answer (nothing listens on 127.0.0.2), the second one does
fallback.test        MX  10 dead.fallback.test.
fallback.test        MX  20 live.fallback.test.
dead.fallback.test   A   127.0.0.2
live.fallback.test   A   127.0.0.1
nullmx.test          MX  0 .
`);

// ------------------------------------------------------------------ the remote side

interface Received {
  from: string;
  to: string[];
  raw: Buffer;
  secure: boolean;
  user: string | null;
  body: string | undefined;
}

type Reply = string | undefined;

interface SinkBehaviour {
  /** An error reply ("550 5.1.1 ...") for this RCPT, or undefined to accept. `n` counts RCPTs for this address. */
  rcpt?: (address: string, n: number) => Reply;
  /** An error reply for the message, 'hang' to never answer, or undefined to accept. */
  data?: (n: number) => Reply | 'hang';
  /** How long to sit on the message before answering. */
  holdMs?: number;
  /** Require AUTH with these credentials (a smart host). */
  auth?: { user: string; pass: string };
  /** SIZE limit announced in EHLO (RFC 1870). */
  size?: number;
  /** Offers STARTTLS but cannot complete a handshake (a misconfigured MX). */
  brokenTls?: boolean;
}

interface Sink {
  port: number;
  received: Received[];
  rcptCount: Map<string, number>;
  /** Most transactions at once, per recipient domain. */
  maxActive: Map<string, number>;
  authFailures: number;
  close(): Promise<void>;
}

let tlsMaterial: { key: string; cert: string };

function mailArgs(session: SMTPServerSession): Record<string, string> {
  const from = session.envelope.mailFrom;
  return (from && (from.args as Record<string, string> | false)) || {};
}

function replyError(reply: string): Error {
  const m = /^(\d{3}) (.*)$/.exec(reply)!;
  return Object.assign(new Error(m[2]), { responseCode: Number(m[1]) });
}

async function startSink(behaviour: SinkBehaviour = {}): Promise<Sink> {
  const received: Received[] = [];
  const rcptCount = new Map<string, number>();
  const active = new Map<string, number>();
  const maxActive = new Map<string, number>();
  const counted = new WeakMap<SMTPServerSession, string>();
  let dataCount = 0;
  const sink: Sink = { port: 0, received, rcptCount, maxActive, authFailures: 0, close: async () => undefined };

  const leave = (session: SMTPServerSession) => {
    const domain = counted.get(session);
    if (domain) active.set(domain, active.get(domain)! - 1);
    counted.delete(session);
  };

  const server = new SMTPServer({
    key: tlsMaterial.key,
    cert: tlsMaterial.cert,
    logger: false,
    closeTimeout: 200,
    size: behaviour.size,
    // Only ECDSA signatures with an RSA certificate: every handshake fails.
    ...(behaviour.brokenTls ? { sigalgs: 'ecdsa_secp256r1_sha256' } : {}),
    authOptional: !behaviour.auth,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (behaviour.auth && auth.username === behaviour.auth.user && auth.password === behaviour.auth.pass) {
        return callback(null, { user: auth.username });
      }
      sink.authFailures++;
      callback(replyError('535 5.7.8 Authentication credentials invalid'));
    },
    onRcptTo(address, session, callback) {
      const n = (rcptCount.get(address.address) ?? 0) + 1;
      rcptCount.set(address.address, n);
      const refusal = behaviour.rcpt?.(address.address, n);
      if (refusal) return callback(replyError(refusal));
      if (!counted.has(session)) {
        const domain = address.address.split('@')[1];
        counted.set(session, domain);
        active.set(domain, (active.get(domain) ?? 0) + 1);
        maxActive.set(domain, Math.max(maxActive.get(domain) ?? 0, active.get(domain)!));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const n = ++dataCount;
        const verdict = behaviour.data?.(n);
        if (verdict === 'hang') return; // never answers: the client has to give up
        setTimeout(() => {
          leave(session);
          if (verdict) return callback(replyError(verdict));
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks),
            secure: session.secure,
            user: (session.user as string | undefined) ?? null,
            body: mailArgs(session).BODY,
          });
          callback(null, 'Queued as 1234');
        }, behaviour.holdMs ?? 0);
      });
    },
    onClose(session) {
      leave(session);
    },
  });
  server.on('error', () => undefined); // failed handshakes and dropped clients are the tests' business
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = (server.server.address() as { port: number }).port;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}

// ------------------------------------------------------------------ the local side

let dataDir: string;
let store: Store;
let alice: User;
let logLines: string[];
const sinks: Sink[] = [];
const workers: OutboundWorker[] = [];

function deliveryFor(s: Store): Delivery {
  return new Delivery(s, { hostname: HOSTNAME, maxMessageBytes: 10 * 1024 * 1024, maxRecipients: 100, queueLifetimeMs: 120 * 60 * MINUTE, sendLimitPerHour: 0 });
}

function worker(options: Partial<OutboundOptions> & { port: number }, deps: { store?: Store; resolver?: Resolver } = {}): OutboundWorker {
  const s = deps.store ?? store;
  const log = pino({ level: 'debug' }, { write: (line: string) => { logLines.push(line); } });
  const w = new OutboundWorker(
    { store: s, resolver: deps.resolver ?? zone, delivery: deliveryFor(s), log },
    { hostname: HOSTNAME, relay: null, concurrency: 4, concurrencyPerDomain: 2, pollMs: 50, ...options },
  );
  workers.push(w);
  return w;
}

async function sink(behaviour?: SinkBehaviour): Promise<Sink> {
  const s = await startSink(behaviour);
  sinks.push(s);
  return s;
}

function message(subject: string, to = 'bob@remote.test', from = 'alice@school.test'): Buffer {
  // CRLF, 8-bit UTF-8, and lines that begin with a dot (SMTP transparency, RFC 5321 §4.5.2).
  return Buffer.from([
    `From: Alice <${from}>`, `To: <${to}>`, `Subject: ${subject}`, 'Message-ID: <' + subject.replace(/\W/g, '') + '@school.test>',
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '',
    'Bonjour, voilà le compte rendu confidentiel.', '.', '..deux points', '. un point', 'Fin.', '',
  ].join('\r\n'), 'utf8');
}

async function enqueue(input: { to: string[]; from?: string; raw?: Buffer; expiresAt?: Date; meta?: Record<string, unknown> }): Promise<QueueEntry> {
  const domain = input.to[0].split('@')[1];
  return store.queue.enqueue({
    from: input.from ?? 'alice@school.test', domain, recipients: input.to, raw: input.raw ?? message(`to ${input.to.join(',')}`, input.to[0]),
    expiresAt: input.expiresAt ?? new Date(Date.now() + 5 * 24 * 60 * MINUTE), meta: input.meta ?? {},
  });
}

async function inbox(s: Store, user: User): Promise<string[]> {
  const box = await s.mail.findMailbox(user.id, 'INBOX');
  const index = await s.mail.listMessageIndex(box!.id);
  const records = await s.mail.getMessages(box!.id, index.map((m) => m.uid));
  return Promise.all(records.map(async (r) => (await s.blobs.get(r.blobId)).toString('utf8')));
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function queueEmpty(s: Store = store): Promise<boolean> {
  return (await s.queue.list()).length === 0;
}

beforeAll(async () => {
  const tlsDir = mkdtempSync(path.join(os.tmpdir(), 'facteur-outbound-tls-'));
  const t = await loadTls({ certFile: null, keyFile: null, dataDir: tlsDir, hostname: 'mx.remote.test' });
  tlsMaterial = { key: t.key, cert: t.cert };
  rmSync(tlsDir, { recursive: true, force: true });
});

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'facteur-outbound-'));
  store = await openSqliteStore({ dataDir });
  const accounts = new Accounts(store);
  await accounts.addDomain('school.test');
  alice = await accounts.createUser({ address: 'alice@school.test', displayName: 'Alice' });
  logLines = [];
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop(0)));
  await Promise.all(sinks.splice(0).map((s) => s.close()));
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});


// ------------------------------------------------------------------ delivery

describe('outbound delivery to MX hosts', () => {
  it('delivers a submitted message byte for byte, over STARTTLS, with the envelope of the queue entry', async () => {
    const remote = await sink();
    const raw = message('Rapport du conseil');
    const submitted = await deliveryFor(store).submit({ kind: 'submission', user: alice }, { from: 'alice@school.test', to: ['Bob@remote.test'] }, raw);
    expect(submitted.decision).toEqual({ ok: true });
    expect(submitted.queued).toHaveLength(1);
    const entry = (await store.queue.get(submitted.queued[0]))!;
    const queuedBytes = await store.blobs.get(entry.blobId);

    worker({ port: remote.port }).start();
    await waitFor('the remote to get the message', () => remote.received.length === 1);
    const got = remote.received[0];
    expect(got.raw.equals(queuedBytes)).toBe(true);
    expect(got.raw.equals(raw)).toBe(true); // no DKIM key for school.test: nothing was added
    expect(got.from).toBe('alice@school.test');
    expect(got.to).toEqual(['bob@remote.test']);
    expect(got.secure).toBe(true);
    expect(got.body).toBe('8BITMIME');
    await waitFor('the entry to leave the queue', () => queueEmpty());
    await waitFor('the blob to be released', async () => !(await store.blobs.has(entry.blobId)));
    // The log says what happened, never what the message said.
    // Logged once the attempt is settled and synced to disk, which may come after other readers
    // already see the entry gone (the commit is visible before its fdatasync returns).
    await waitFor('the attempt to be logged', () => logLines.some((l) => l.includes('"delivery attempt"') && l.includes('bob@remote.test') && l.includes('Queued as 1234')));
    expect(logLines.join('\n')).not.toMatch(/compte rendu|Rapport du conseil/);
  });

  it('tries the next MX host when the preferred one does not answer', async () => {
    const remote = await sink();
    await enqueue({ to: ['dan@fallback.test'] });
    worker({ port: remote.port }).start();
    await waitFor('delivery through the second MX', () => remote.received.length === 1);
    expect(remote.received[0].to).toEqual(['dan@fallback.test']);
    await waitFor('the entry to leave the queue', () => queueEmpty());
  });

  it('delivers in clear to an MX whose STARTTLS handshake fails (opportunistic TLS)', async () => {
    const remote = await sink({ brokenTls: true });
    await enqueue({ to: ['bob@remote.test'] });
    worker({ port: remote.port }).start();
    await waitFor('delivery without TLS', () => remote.received.length === 1);
    expect(remote.received[0].secure).toBe(false);
  });

  it('keeps a recipient refused with 451 pending, retries it on the schedule, then delivers', async () => {
    const remote = await sink({ rcpt: (_a, n) => (n === 1 ? '451 4.7.1 Greylisted, try again later' : undefined) });
    let offset = 0;
    const now = () => new Date(Date.now() + offset);
    const entry = await enqueue({ to: ['bob@remote.test'] });
    const w = worker({ port: remote.port, now });
    const before = Date.now();
    w.start();

    const deferred = await waitFor('the first attempt to be recorded', async () => {
      const e = await store.queue.get(entry.id);
      return e && e.attempts === 1 ? e : null;
    });
    expect(deferred.recipients).toEqual([{ address: 'bob@remote.test', status: 'pending', lastResponse: '451 4.7.1 Greylisted, try again later' }]);
    expect(deferred.lastError).toBe('451 4.7.1 Greylisted, try again later');
    expect(deferred.leaseUntil).toBeNull();
    // First wait of the default schedule: 5 minutes.
    expect(deferred.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before + 5 * MINUTE);
    expect(deferred.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now() + 5 * MINUTE);
    await new Promise((r) => setTimeout(r, 200));
    expect(remote.received).toHaveLength(0); // not due yet: nobody hammers the remote

    offset = 5 * MINUTE + 1000;
    await waitFor('the retry to be delivered', () => remote.received.length === 1);
    expect(remote.rcptCount.get('bob@remote.test')).toBe(2);
    await waitFor('the entry to leave the queue', () => queueEmpty());
    expect(await inbox(store, alice)).toHaveLength(0); // a delay is not a failure: no bounce
  });

  it('bounces a recipient refused with 5xx to the sender\'s INBOX and delivers the others', async () => {
    const remote = await sink({ rcpt: (a) => (a === 'bob@remote.test' ? '550 5.1.1 <bob@remote.test>: no such user here' : undefined) });
    const entry = await enqueue({ to: ['bob@remote.test', 'carol@remote.test'], raw: message('Sortie scolaire'), meta: { envid: 'ENV-42' } });
    worker({ port: remote.port }).start();

    const [dsn] = await waitFor('a bounce in the INBOX', async () => {
      const msgs = await inbox(store, alice);
      return msgs.length > 0 ? msgs : null;
    });
    expect(remote.received.map((r) => r.to)).toEqual([['carol@remote.test']]);
    expect(dsn).toMatch(/^Return-Path: <>/m);
    expect(dsn).toMatch(/Content-Type: multipart\/report; report-type=delivery-status/);
    expect(dsn).toMatch(/^Reporting-MTA: dns; mx\.school\.test$/m);
    expect(dsn).toMatch(/^Original-Envelope-Id: ENV-42$/m);
    expect(dsn).toMatch(/^Final-Recipient: rfc822; bob@remote\.test$/m);
    expect(dsn).toMatch(/^Action: failed$/m);
    expect(dsn).toMatch(/^Status: 5\.1\.1$/m);
    expect(dsn).toMatch(/^Remote-MTA: dns; mx\.remote\.test$/m);
    expect(dsn).toMatch(/^Diagnostic-Code: smtp; 550 5\.1\.1 <bob@remote\.test>: no such user here$/m);
    expect(dsn).not.toMatch(/Final-Recipient: rfc822; carol/);
    expect(dsn).toMatch(/^Subject: Sortie scolaire$/m); // the original headers come back
    await waitFor('the entry to leave the queue', async () => (await store.queue.get(entry.id)) === null);
  });

  it('bounces only the recipients whose NOTIFY asks for failures (RFC 3461), with their ORCPT and, for RET=FULL, the message', async () => {
    const remote = await sink({ rcpt: () => '550 5.1.1 no such user' });
    const entry = await enqueue({
      to: ['bob@remote.test', 'carol@remote.test', 'dan@remote.test'], raw: message('Conseil de classe'),
      meta: { ret: 'FULL', recipients: {
        'bob@remote.test': { notify: ['NEVER'], orcpt: null },
        'carol@remote.test': { notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;Carol@Remote.test' },
        'dan@remote.test': { notify: ['DELAY'], orcpt: null },
      } },
    });
    worker({ port: remote.port }).start();
    await waitFor('the entry to leave the queue', async () => (await store.queue.get(entry.id)) === null);
    const [dsn, ...more] = await waitFor('the bounce', async () => {
      const msgs = await inbox(store, alice);
      return msgs.length > 0 ? msgs : null;
    });
    expect(more).toHaveLength(0);
    expect(dsn.match(/^Final-Recipient: .*$/gm)).toEqual(['Final-Recipient: rfc822; carol@remote.test']);
    expect(dsn).toMatch(/^Original-Recipient: rfc822;Carol@Remote\.test$/m);
    expect(dsn).toMatch(/^Content-Type: message\/rfc822$/m);
    expect(dsn).toContain('Subject: Conseil de classe');
  });

  it('sends no bounce at all when no failed recipient wants one (NOTIFY=NEVER)', async () => {
    const remote = await sink({ rcpt: () => '550 5.1.1 no such user' });
    const entry = await enqueue({ to: ['bob@remote.test'], meta: { recipients: { 'bob@remote.test': { notify: ['NEVER'], orcpt: null } } } });
    worker({ port: remote.port }).start();
    await waitFor('the entry to leave the queue', async () => (await store.queue.get(entry.id)) === null);
    await new Promise((r) => setTimeout(r, 200));
    expect(await inbox(store, alice)).toHaveLength(0);
    expect(remote.rcptCount.get('bob@remote.test')).toBe(1);
  });

  it('when every recipient is refused, bounces the 5xx one and keeps the 4xx one', async () => {
    const remote = await sink({ rcpt: (a) => (a === 'bob@remote.test' ? '550 5.1.1 no such user' : '452 4.2.2 Mailbox full') });
    const entry = await enqueue({ to: ['bob@remote.test', 'carol@remote.test'] });
    worker({ port: remote.port }).start();
    const [dsn] = await waitFor('the bounce', async () => {
      const msgs = await inbox(store, alice);
      return msgs.length > 0 ? msgs : null;
    });
    expect(dsn.match(/^Final-Recipient: .*$/gm)).toEqual(['Final-Recipient: rfc822; bob@remote.test']);
    const left = await waitFor('the attempt to be recorded', async () => {
      const e = await store.queue.get(entry.id);
      return e && e.attempts === 1 ? e : null;
    });
    expect(left.recipients).toEqual([
      { address: 'bob@remote.test', status: 'failed', lastResponse: '550 5.1.1 no such user' },
      { address: 'carol@remote.test', status: 'pending', lastResponse: '452 4.2.2 Mailbox full' },
    ]);
    expect(remote.received).toHaveLength(0);
  });

  it('bounces every recipient when the message itself is refused at the end of DATA', async () => {
    const remote = await sink({ data: () => '554 5.7.1 Message rejected as spam' });
    await enqueue({ to: ['bob@remote.test', 'carol@remote.test'] });
    worker({ port: remote.port }).start();
    const [dsn] = await waitFor('the bounce', async () => {
      const msgs = await inbox(store, alice);
      return msgs.length > 0 ? msgs : null;
    });
    expect(dsn.match(/^Final-Recipient: .*$/gm)).toEqual(['Final-Recipient: rfc822; bob@remote.test', 'Final-Recipient: rfc822; carol@remote.test']);
    expect(dsn.match(/^Diagnostic-Code: .*$/gm)).toEqual(Array(2).fill('Diagnostic-Code: smtp; 554 5.7.1 Message rejected as spam'));
    await waitFor('the entry to leave the queue', () => queueEmpty());
  });

  it('bounces with 4.4.7 when the queue lifetime runs out, naming the last error', async () => {
    const remote = await sink({ rcpt: () => '451 4.3.2 System not accepting network messages' });
    let offset = 0;
    const now = () => new Date(Date.now() + offset);
    const entry = await enqueue({ to: ['bob@remote.test'], expiresAt: new Date(Date.now() + 3 * MINUTE) });
    worker({ port: remote.port, now }).start();

    const deferred = await waitFor('the first attempt', async () => {
      const e = await store.queue.get(entry.id);
      return e && e.attempts === 1 ? e : null;
    });
    // The next try falls at the deadline, not 5 minutes later: the last chance is not skipped.
    expect(deferred.nextAttemptAt.getTime()).toBe(entry.expiresAt.getTime());
    expect(await inbox(store, alice)).toHaveLength(0);

    offset = 4 * MINUTE;
    const [dsn] = await waitFor('the expiry bounce', async () => {
      const msgs = await inbox(store, alice);
      return msgs.length > 0 ? msgs : null;
    });
    expect(remote.rcptCount.get('bob@remote.test')).toBe(2); // it was tried once more at the deadline
    expect(dsn).toMatch(/^Final-Recipient: rfc822; bob@remote\.test$/m);
    expect(dsn).toMatch(/^Action: failed$/m);
    expect(dsn).toMatch(/^Status: 4\.4\.7$/m);
    expect(dsn).toMatch(/^Diagnostic-Code: smtp; Delivery time expired after 2 attempts; last error: 451 4\.3\.2 System not accepting network messages$/m);
    await waitFor('the entry to leave the queue', () => queueEmpty());
  });

  it('bounces a message larger than the SIZE the remote announces, without sending it', async () => {
    const remote = await sink({ size: 200 });
    await enqueue({ to: ['bob@remote.test'] });
    worker({ port: remote.port }).start();
    const [dsn] = await waitFor('the bounce', async () => {
      const msgs = await inbox(store, alice);
      return msgs.length > 0 ? msgs : null;
    });
    expect(dsn).toMatch(/^Status: 5\.3\.4$/m);
    expect(remote.rcptCount.size).toBe(0);
    expect(remote.received).toHaveLength(0);
  });

  it('bounces at once for a domain that publishes a null MX, without connecting anywhere', async () => {
    const remote = await sink();
    await enqueue({ to: ['eve@nullmx.test'] });
    worker({ port: remote.port }).start();
    const [dsn] = await waitFor('the bounce', async () => {
      const msgs = await inbox(store, alice);
      return msgs.length > 0 ? msgs : null;
    });
    expect(dsn).toMatch(/^Status: 5\.1\.10$/m);
    expect(dsn).toMatch(/null MX/);
    expect(dsn).not.toMatch(/^Remote-MTA/m);
    expect(remote.rcptCount.size).toBe(0);
    await waitFor('the entry to leave the queue', () => queueEmpty());
  });

  it('drops an undeliverable bounce instead of bouncing it (bounces never bounce)', async () => {
    const remote = await sink({ rcpt: () => '550 5.1.1 no such user' });
    const entry = await enqueue({ from: '', to: ['bob@remote.test'] });
    worker({ port: remote.port }).start();
    await waitFor('the entry to leave the queue', () => queueEmpty());
    expect(remote.rcptCount.get('bob@remote.test')).toBe(1);
    expect(await inbox(store, alice)).toHaveLength(0);
    expect(logLines.some((l) => l.includes('undeliverable bounce dropped') && l.includes(entry.id))).toBe(true);
  });

  it('holds to the per-domain limit while other domains go on', async () => {
    const remote = await sink({ holdMs: 300 });
    for (let i = 0; i < 6; i++) await enqueue({ to: [`user${i}@remote.test`] });
    for (let i = 0; i < 2; i++) await enqueue({ to: [`user${i}@other.test`] });
    worker({ port: remote.port, concurrency: 10, concurrencyPerDomain: 2 }).start();
    await waitFor('every delivery', () => remote.received.length === 8);
    expect(remote.maxActive.get('remote.test')).toBe(2);
    expect(remote.maxActive.get('other.test')).toBe(2);
    // other.test did not wait behind the remote.test backlog.
    expect(remote.received.slice(0, 4).filter((r) => r.to[0].endsWith('@other.test'))).toHaveLength(2);
    await waitFor('the queue to empty', () => queueEmpty());
  });

  it('does not claim a saturated domain\'s backlog only to hand it back', async () => {
    const remote = await sink({ holdMs: 100 });
    for (let i = 0; i < 30; i++) await enqueue({ to: [`user${i}@remote.test`] });
    let handedBack = 0;
    const release = store.queue.release.bind(store.queue);
    store.queue.release = async (id) => { handedBack++; return release(id); };
    try {
      worker({ port: remote.port, concurrency: 10, concurrencyPerDomain: 2 }).start();
      await waitFor('every delivery', () => remote.received.length === 30);
    } finally {
      store.queue.release = release;
    }
    expect(remote.maxActive.get('remote.test')).toBe(2);
    // Only the first claim, before the worker knows the domain is busy, may over-reach.
    expect(handedBack).toBeLessThanOrEqual(10);
  });

  it('holds to the global limit across domains', async () => {
    const remote = await sink({ holdMs: 300 });
    for (let i = 0; i < 3; i++) await enqueue({ to: [`user${i}@remote.test`] });
    for (let i = 0; i < 3; i++) await enqueue({ to: [`user${i}@other.test`] });
    const w = worker({ port: remote.port, concurrency: 2, concurrencyPerDomain: 2 });
    let most = 0;
    const timer = setInterval(() => { most = Math.max(most, w.busy.inFlight); }, 5);
    w.start();
    await waitFor('every delivery', () => remote.received.length === 6);
    clearInterval(timer);
    expect(most).toBe(2);
  });
});

// ------------------------------------------------------------------ relay

describe('outbound delivery through a smart host', () => {
  it('sends everything to the relay with AUTH, without MX lookups', async () => {
    const relay = await sink({ auth: { user: 'facteur', pass: 'S3cret-relay' } });
    await enqueue({ to: ['zoe@nowhere-in-the-zone.test'] });
    worker({ port: 9, relay: { host: '127.0.0.1', port: relay.port, user: 'facteur', password: 'S3cret-relay' } }).start();
    await waitFor('the relay to get the message', () => relay.received.length === 1);
    expect(relay.received[0]).toMatchObject({ from: 'alice@school.test', to: ['zoe@nowhere-in-the-zone.test'], user: 'facteur', secure: true });
    await waitFor('the queue to empty', () => queueEmpty());
    expect(logLines.join('\n')).not.toContain('S3cret-relay');
  });

  it('keeps the message queued, without a bounce, when the relay refuses our credentials', async () => {
    const relay = await sink({ auth: { user: 'facteur', pass: 'right' } });
    const entry = await enqueue({ to: ['zoe@far.test'] });
    worker({ port: 9, relay: { host: '127.0.0.1', port: relay.port, user: 'facteur', password: 'wrong' } }).start();
    const deferred = await waitFor('the failed attempt', async () => {
      const e = await store.queue.get(entry.id);
      return e && e.attempts === 1 ? e : null;
    });
    expect(relay.authFailures).toBe(1);
    expect(deferred.recipients[0].status).toBe('pending');
    expect(deferred.lastError).toMatch(/535 5\.7\.8/);
    expect(relay.received).toHaveLength(0);
    expect(await inbox(store, alice)).toHaveLength(0);
  });
});

// ------------------------------------------------------------------ restarts and leases

describe('a persistent queue', () => {
  it('survives a restart: an attempt cut by shutdown is due again and delivered once after reopening', async () => {
    let hung = false;
    const remote = await sink({ data: () => (hung ? undefined : ((hung = true), 'hang')) });
    const entry = await enqueue({ to: ['bob@remote.test'], raw: message('Avant redémarrage') });
    const first = worker({ port: remote.port });
    first.start();
    await waitFor('the first attempt to be under way', () => hung);
    await first.stop(100);
    await store.close();

    store = await openSqliteStore({ dataDir });
    const after = (await store.queue.get(entry.id))!;
    expect(after.attempts).toBe(1);
    expect(after.leaseUntil).toBeNull();
    expect(after.recipients[0]).toMatchObject({ status: 'pending', lastResponse: 'delivery interrupted' });
    expect(after.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());

    worker({ port: remote.port }).start();
    await waitFor('delivery after the restart', () => remote.received.length === 1);
    expect(remote.received[0].raw.equals(message('Avant redémarrage'))).toBe(true);
    await waitFor('the queue to empty', () => queueEmpty());
    expect(remote.received).toHaveLength(1);
  });

  it('takes over an entry whose worker died once its lease runs out', async () => {
    const remote = await sink();
    const entry = await enqueue({ to: ['bob@remote.test'] });
    // A worker that claimed it and was killed: the lease stays until it runs out.
    const [claimed] = await store.queue.claimDue(new Date(), 1, 60_000);
    expect(claimed.id).toBe(entry.id);
    let offset = 0;
    const w = worker({ port: remote.port, now: () => new Date(Date.now() + offset) });
    w.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(remote.received).toHaveLength(0);
    offset = 61_000;
    await waitFor('delivery after the lease ran out', () => remote.received.length === 1);
  });

  it('hands back the entries it had not started when it stops', async () => {
    const remote = await sink({ data: () => 'hang' });
    const entries = [];
    for (let i = 0; i < 3; i++) entries.push(await enqueue({ to: [`user${i}@remote.test`] }));
    const w = worker({ port: remote.port, concurrency: 4, concurrencyPerDomain: 1 });
    w.start();
    await waitFor('one in flight, others waiting', () => w.busy.inFlight === 1 && w.busy.waiting >= 1);
    await w.stop(50);
    const after = await Promise.all(entries.map((e) => store.queue.get(e.id)));
    expect(after.every((e) => e !== null && e.leaseUntil === null)).toBe(true);
    expect(after.map((e) => e!.attempts).sort()).toEqual([0, 0, 1]);
    expect(after.every((e) => e!.nextAttemptAt.getTime() <= Date.now())).toBe(true);
  });
});

// ------------------------------------------------------------------ the CLI

interface Run { code: number | null; stdout: string; stderr: string }

function facteur(args: string[]): Promise<Run> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('FACTEUR_')) env[k] = v;
  env.FACTEUR_DATA_DIR = dataDir;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/facteur.js', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

describe('facteur queue', () => {
  it('lists, retries and deletes queued messages; unknown ids are one-line errors', async () => {
    const later = new Date(Date.now() + 60 * MINUTE);
    const a = await enqueue({ to: ['bob@remote.test', 'carol@remote.test'] });
    const b = await enqueue({ to: ['dan@other.test'] });
    await store.queue.recordAttempt(a.id, { recipients: a.recipients.map((r) => ({ ...r, lastResponse: '451 4.7.1 Greylisted' })), nextAttemptAt: later, lastError: '451 4.7.1 Greylisted' });
    await store.queue.recordAttempt(b.id, { recipients: b.recipients, nextAttemptAt: later, lastError: 'no server took the message' });

    const [listed, table] = await Promise.all([facteur(['queue', 'list', '--json']), facteur(['queue', 'list'])]);
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
    const json = JSON.parse(listed.stdout) as any[];
    expect(json.map((e) => e.id).sort()).toEqual([a.id, b.id].sort());
    const shownA = json.find((e) => e.id === a.id);
    expect(shownA).toMatchObject({ from: 'alice@school.test', domain: 'remote.test', attempts: 1, lastError: '451 4.7.1 Greylisted', sending: false, nextAttemptAt: later.toISOString() });
    expect(shownA.recipients.map((r: any) => r.address)).toEqual(['bob@remote.test', 'carol@remote.test']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+FROM\s+TO\s+SIZE\s+ATTEMPTS\s+NEXT ATTEMPT\s+EXPIRES\s+LAST ERROR$/m);
    expect(table.stdout).toContain('bob@remote.test, carol@remote.test');
    expect(table.stdout).toContain('451 4.7.1 Greylisted');

    const retried = await facteur(['queue', 'retry', a.id]);
    expect(retried).toEqual({ code: 0, stdout: `queue entry ${a.id} will be retried now\n`, stderr: '' });
    expect((await store.queue.get(a.id))!.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect((await store.queue.get(b.id))!.nextAttemptAt.getTime()).toBe(later.getTime());

    const all = await facteur(['queue', 'retry', '--all']);
    expect(all).toEqual({ code: 0, stdout: '2 queue entries will be retried now\n', stderr: '' });
    expect((await store.queue.get(b.id))!.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());

    const deleted = await facteur(['queue', 'delete', b.id]);
    expect(deleted).toEqual({ code: 0, stdout: `deleted queue entry ${b.id} (from alice@school.test to dan@other.test)\n`, stderr: '' });
    expect(await store.queue.get(b.id)).toBeNull();
    expect(await store.queue.get(a.id)).not.toBeNull();
    expect(await inbox(store, alice)).toHaveLength(0); // deleting tells nobody
    const audit = await store.audit.query({ action: 'queue.delete' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ target: b.id, success: true });

    const [unknownRetry, unknownDelete, neither] = await Promise.all([
      facteur(['queue', 'retry', 'nope']), facteur(['queue', 'delete', b.id]), facteur(['queue', 'retry']),
    ]);
    for (const [run, problem] of [[unknownRetry, /no queue entry nope/], [unknownDelete, new RegExp(`no queue entry ${b.id}`)], [neither, /either a queue entry id or --all/]] as const) {
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^facteur: [^\n]+\n$/);
      expect(run.stderr).toMatch(problem);
    }

    const empty = await facteur(['queue', 'delete', a.id]).then(() => facteur(['queue', 'list']));
    expect(empty).toEqual({ code: 0, stdout: 'the queue is empty\n', stderr: '' });
  });
});
