// The delivery pipeline on a real SQLite store: who may send as what, where each recipient
// goes, and what accept() stores, queues, signs or refuses.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authenticate } from 'mailauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../storage/sqlite/index.js';
import type { Store, User } from '../../storage/index.js';
import { Accounts } from '../accounts/index.js';
import { Dkim } from '../dkim/index.js';
import { zoneTextResolver } from '../dns/index.js';
import { Unavailable } from '../errors.js';
import { analyzeNow } from '../mail/analyze.js';
import { deliverLocal } from './local.js';
import { mailboxIds, type MailboxIds } from '../mail/mailbox-ids.js';
import { Delivery, type Origin } from './pipeline.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-delivery-'));
let store: Store;
let accounts: Accounts;
let delivery: Delivery;
let alice: User;
const OPTIONS = { hostname: 'mx.facteur.test', maxMessageBytes: 10_000, maxRecipients: 5, queueLifetimeMs: 3600_000, sendLimitPerHour: 0 };

beforeAll(async () => {
  store = await openSqliteStore({ dataDir: dir });
  accounts = new Accounts(store, { hash: { memoryKib: 1024, iterations: 1, parallelism: 1 } });
  await accounts.addDomain('facteur.test');
  for (const name of ['alice', 'bob', 'carol', 'dave', 'full', 'tiny']) await accounts.createUser({ address: `${name}@facteur.test` });
  await accounts.setEnabled('dave@facteur.test', false);
  await accounts.setQuota('tiny@facteur.test', 300);
  await accounts.addAlias('team@facteur.test', ['alice@facteur.test', 'bob@facteur.test']);
  await accounts.addAlias('outside@facteur.test', ['bob@facteur.test', 'x@remote.example']);
  await accounts.addAlias('loop-a@facteur.test', ['carol@facteur.test']);
  await accounts.addAlias('loop-b@facteur.test', ['loop-a@facteur.test']);
  await store.accounts.removeAlias('loop-a@facteur.test');
  await store.accounts.addAlias('loop-a@facteur.test', ['loop-b@facteur.test', 'carol@facteur.test']);
  await accounts.createGroup({ address: 'profs@facteur.test', members: ['alice@facteur.test', 'carol@facteur.test', 'dave@facteur.test'] });
  delivery = new Delivery(store, OPTIONS);
  alice = await accounts.getUser('alice@facteur.test');
  // "full" holds a message, then gets a quota below its use.
  const r = await delivery.submit({ kind: 'cli', user: await accounts.getUser('full@facteur.test') },
    { from: 'full@facteur.test', to: ['full@facteur.test'] }, msg({ From: 'full@facteur.test' }, 'x'.repeat(500)));
  expect(r.delivered).toBe(1);
  await accounts.setQuota('full@facteur.test', 100);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function msg(headers: Record<string, string>, body = 'Hello.'): Buffer {
  return Buffer.from(`${Object.entries({ Subject: 'test', ...headers }).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}\r\n`);
}

async function inbox(address: string, folder = 'INBOX'): Promise<string[]> {
  const user = (await store.accounts.getUserByAddress(address))!;
  const box = (await store.mail.findMailbox(user.id, folder))!;
  const index = await store.mail.listMessageIndex(box.id);
  const records = await store.mail.getMessages(box.id, index.map((m) => m.uid));
  return Promise.all(records.map(async (r) => (await store.blobs.get(r.blobId)).toString('utf8')));
}

const mx: Origin = { kind: 'mx', ip: '192.0.2.1' };
const asAlice = (): Origin => ({ kind: 'submission', ip: '127.0.0.1', user: alice });

describe('checkSender', () => {
  it('takes any sender from the outside, the null one included', async () => {
    expect(await delivery.checkSender(mx, 'anyone@elsewhere.example')).toEqual({ ok: true });
    expect(await delivery.checkSender(mx, '')).toEqual({ ok: true });
  });

  it('lets a user send as themself, an alias reaching them, a group they are in; nothing else', async () => {
    for (const ok of ['alice@facteur.test', 'ALICE@Facteur.Test', 'team@facteur.test', 'profs@facteur.test']) {
      expect(await delivery.checkSender(asAlice(), ok)).toEqual({ ok: true });
    }
    for (const bad of ['bob@facteur.test', 'outside@facteur.test', 'alice@elsewhere.example', '', 'not an address']) {
      expect(await delivery.checkSender(asAlice(), bad)).toMatchObject({ ok: false, code: 553, status: '5.7.1' });
    }
    expect(await delivery.checkSender({ kind: 'webmail' }, 'alice@facteur.test')).toMatchObject({ ok: false, code: 553 });
  });
});

describe('checkRecipient', () => {
  it('gives each refusal its code', async () => {
    const cases: [Origin, string, number, string][] = [
      [mx, 'x@elsewhere.example', 550, '5.7.1'],
      [mx, 'nobody@facteur.test', 550, '5.1.1'],
      [mx, 'dave@facteur.test', 550, '5.2.1'],
      [mx, 'full@facteur.test', 452, '4.2.2'],
      [mx, 'bad address@facteur.test', 553, '5.1.3'],
    ];
    for (const [origin, rcpt, code, status] of cases) {
      expect((await delivery.checkRecipient(origin, rcpt)).decision).toMatchObject({ ok: false, code, status });
    }
    expect((await delivery.checkRecipient(mx, 'full@facteur.test')).decision).toMatchObject({ temporary: true });
  });

  it('relays for authenticated users only', async () => {
    expect(await delivery.checkRecipient(asAlice(), 'X@Remote.Example')).toEqual({
      address: 'x@remote.example', decision: { ok: true }, targets: [{ kind: 'remote', address: 'x@remote.example' }],
    });
  });

  it('expands aliases (through loops) and groups (without disabled members)', async () => {
    const names = async (rcpt: string) => (await delivery.checkRecipient(mx, rcpt)).targets.map((t) => (t.kind === 'local' ? t.user.address : t.address));
    expect(await names('team@facteur.test')).toEqual(['alice@facteur.test', 'bob@facteur.test']);
    expect(await names('outside@facteur.test')).toEqual(['bob@facteur.test', 'x@remote.example']);
    expect(await names('loop-a@facteur.test')).toEqual(['carol@facteur.test']);
    expect(await names('profs@facteur.test')).toEqual(['alice@facteur.test', 'carol@facteur.test']);
  });
});

async function mailboxOf(address: string, name = 'INBOX'): Promise<string> {
  const user = await store.accounts.getUserByAddress(address);
  return (await store.mail.findMailbox(user!.id, name))!.id;
}

describe('accept', () => {
  it('stores one copy per user with Return-Path, Delivered-To and the trace headers, duplicates once', async () => {
    const rcpts = await Promise.all(['team@facteur.test', 'profs@facteur.test', 'alice@facteur.test'].map((r) => delivery.checkRecipient(mx, r)));
    const before = (await inbox('alice@facteur.test')).length;
    const result = await delivery.accept(mx, 'paul@ext.example', rcpts, msg({ From: 'paul@ext.example', Subject: 'fan-out' }), { traceHeaders: 'Received: from x by y; now\r\n' });
    expect(result).toEqual({ decision: { ok: true }, delivered: 3, queued: [] });
    expect((await inbox('alice@facteur.test')).length).toBe(before + 1);
    const copy = (await inbox('carol@facteur.test')).at(-1)!;
    expect(copy.startsWith('Return-Path: <paul@ext.example>\r\nDelivered-To: carol@facteur.test\r\nReceived: from x by y; now\r\nSubject: fan-out\r\n')).toBe(true);
  });

  it('files with the analysis the caller made, when it gives one (the MX thread does)', async () => {
    const raw = msg({ From: 'a@ext.example', Subject: 'as sent' });
    const analyzed = analyzeNow(msg({ From: 'a@ext.example', Subject: 'as analysed elsewhere' }));
    const result = await delivery.accept(mx, 'a@ext.example', [await delivery.checkRecipient(mx, 'carol@facteur.test')], raw, { analyzed });
    expect(result.decision).toEqual({ ok: true });
    expect(await store.mail.searchText(await mailboxOf('carol@facteur.test'), [{ field: 'subject', value: 'analysed elsewhere' }])).toHaveLength(1);
    expect(await store.mail.searchText(await mailboxOf('carol@facteur.test'), [{ field: 'subject', value: 'as sent' }])).toHaveLength(0);
  });

  it('files in Junk when asked', async () => {
    const before = (await inbox('bob@facteur.test', 'Junk')).length;
    await delivery.accept(mx, 'a@ext.example', [await delivery.checkRecipient(mx, 'bob@facteur.test')], msg({ From: 'a@ext.example' }), { junk: true });
    expect((await inbox('bob@facteur.test', 'Junk')).length).toBe(before + 1);
  });

  it('queues remote targets per domain, with the trace headers and the DSN parameters', async () => {
    const rcpts = [await delivery.checkRecipient(mx, 'outside@facteur.test')];
    const result = await delivery.accept(mx, 'a@ext.example', rcpts, msg({ From: 'a@ext.example', Subject: 'fwd' }), { traceHeaders: 'Received: here\r\n', dsn: { envid: 'E1', ret: 'FULL' } });
    expect(result.delivered).toBe(1);
    expect(result.queued).toHaveLength(1);
    const entry = (await store.queue.get(result.queued[0]))!;
    expect(entry).toMatchObject({ from: 'a@ext.example', domain: 'remote.example', meta: { envid: 'E1', ret: 'FULL', origin: 'mx' } });
    expect((await store.blobs.get(entry.blobId)).toString()).toMatch(/^Received: here\r\nSubject: fwd\r\n/);
  });

  it('refuses what is too big, has no recipient, or does not fit anywhere', async () => {
    const bob = [await delivery.checkRecipient(mx, 'bob@facteur.test')];
    expect((await delivery.accept(mx, '', bob, Buffer.alloc(OPTIONS.maxMessageBytes + 1, 'a'))).decision).toMatchObject({ code: 552, status: '5.3.4' });
    expect((await delivery.accept(mx, '', [await delivery.checkRecipient(mx, 'nobody@facteur.test')], msg({}))).decision).toMatchObject({ code: 554 });
    const tiny = [await delivery.checkRecipient(mx, 'tiny@facteur.test')];
    expect(await delivery.accept(mx, '', tiny, msg({}, 'y'.repeat(1000)))).toMatchObject({ decision: { code: 552, status: '5.2.2' }, delivered: 0 });
    expect(await inbox('tiny@facteur.test')).toEqual([]);
  });

  it('delivers to those with room and bounces for the others (never for the null sender)', async () => {
    const rcpts = await Promise.all(['tiny@facteur.test', 'bob@facteur.test'].map((r) => delivery.checkRecipient(mx, r)));
    const before = (await inbox('carol@facteur.test')).length;
    const result = await delivery.accept(mx, 'carol@facteur.test', rcpts, msg({ From: 'carol@facteur.test', Subject: 'partly full' }, 'z'.repeat(1000)));
    expect(result).toMatchObject({ decision: { ok: true }, delivered: 1 });
    const dsn = (await inbox('carol@facteur.test')).at(-1)!;
    expect((await inbox('carol@facteur.test')).length).toBe(before + 1);
    expect(dsn).toMatch(/^Return-Path: <>\r\n/);
    expect(dsn).toContain('Final-Recipient: rfc822; tiny@facteur.test');
    expect(dsn).toContain('Status: 5.2.2');

    const quiet = await delivery.accept(mx, '', rcpts, msg({ Subject: 'bounce of a bounce' }, 'z'.repeat(1000)));
    expect(quiet.delivered).toBe(1);
    expect((await inbox('carol@facteur.test')).length).toBe(before + 1);
  });

  it('stores nothing when one copy fails: the earlier ones are removed again (451 4.3.0)', async () => {
    const rcpts = [await delivery.checkRecipient(mx, 'team@facteur.test')];
    const bob = (await store.accounts.getUserByAddress('bob@facteur.test'))!;
    const bobInbox = (await store.mail.findMailbox(bob.id, 'INBOX'))!;
    const before = [(await inbox('alice@facteur.test')).length, (await inbox('bob@facteur.test')).length];
    const append = store.mail.appendMessage;
    store.mail.appendMessage = async (id, input) => {
      if (id === bobInbox.id) throw new Error('disk on fire');
      return append.call(store.mail, id, input);
    };
    try {
      expect((await delivery.accept(mx, 'a@ext.example', rcpts, msg({}))).decision).toMatchObject({ code: 451, status: '4.3.0' });
    } finally {
      store.mail.appendMessage = append;
    }
    expect([(await inbox('alice@facteur.test')).length, (await inbox('bob@facteur.test')).length]).toEqual(before);
  });

  it('undoes local copies and queue entries when queueing fails', async () => {
    const rcpts = [await delivery.checkRecipient(asAlice(), 'bob@facteur.test'), await delivery.checkRecipient(asAlice(), 'x@remote.example'), await delivery.checkRecipient(asAlice(), 'y@other.example')];
    const beforeBob = (await inbox('bob@facteur.test')).length;
    const beforeQueue = (await store.queue.list()).length;
    const enqueue = store.queue.enqueue;
    let calls = 0;
    store.queue.enqueue = async (input) => {
      if (++calls === 2) throw new Unavailable('queue unavailable');
      return enqueue.call(store.queue, input);
    };
    try {
      expect((await delivery.accept(asAlice(), 'alice@facteur.test', rcpts, msg({ From: 'alice@facteur.test' }))).decision).toMatchObject({ code: 451 });
    } finally {
      store.queue.enqueue = enqueue;
    }
    expect(calls).toBe(2);
    expect((await inbox('bob@facteur.test')).length).toBe(beforeBob);
    expect((await store.queue.list()).length).toBe(beforeQueue);
  });

  it('holds authenticated senders to their From: (one field, their own address)', async () => {
    const bob = [await delivery.checkRecipient(asAlice(), 'bob@facteur.test')];
    expect((await delivery.accept(asAlice(), 'alice@facteur.test', bob, msg({ From: 'Boss <boss@facteur.test>' }))).decision)
      .toMatchObject({ code: 553, status: '5.7.1', text: expect.stringContaining('boss@facteur.test') });
    const two = Buffer.concat([Buffer.from('From: alice@facteur.test\r\n'), msg({ FROM: 'bob@facteur.test' })]);
    expect((await delivery.accept(asAlice(), 'alice@facteur.test', bob, two)).decision).toMatchObject({ code: 550, status: '5.6.0' });
    expect((await delivery.accept(asAlice(), 'alice@facteur.test', bob, msg({ From: 'Équipe <team@facteur.test>' }))).decision).toEqual({ ok: true });
  });

  it('DKIM-signs mail from users with their domain\'s key, not mail from outside', async () => {
    const record = await new Dkim(store).generate('facteur.test', { selector: 'sel1', algorithm: 'ed25519' });
    const resolver = zoneTextResolver(`${record.name} TXT "${record.value}"\n`);
    const bob = [await delivery.checkRecipient(asAlice(), 'bob@facteur.test')];
    await delivery.accept(asAlice(), 'alice@facteur.test', bob, msg({ From: 'alice@facteur.test', Subject: 'signed' }));
    const signed = (await inbox('bob@facteur.test')).at(-1)!;
    const res = await authenticate(Buffer.from(signed), { ip: '127.0.0.1', sender: 'alice@facteur.test', mta: 'v.example', resolver, disableArc: true, disableBimi: true });
    expect(res.dkim.results.map((r) => [r.status.result, r.signingDomain])).toEqual([['pass', 'facteur.test']]);

    await delivery.accept(mx, 'alice@facteur.test', [await delivery.checkRecipient(mx, 'bob@facteur.test')], msg({ From: 'alice@facteur.test', Subject: 'from outside' }));
    expect((await inbox('bob@facteur.test')).at(-1)!).not.toContain('DKIM-Signature');
  });

  it('stops a user past the hourly sending limit (450 4.7.1)', async () => {
    const limited = new Delivery(store, { ...OPTIONS, sendLimitPerHour: 2 });
    const bob = [await limited.checkRecipient(asAlice(), 'bob@facteur.test')];
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await limited.accept(asAlice(), 'alice@facteur.test', bob, msg({ From: 'alice@facteur.test' }))).decision);
    expect(codes.map((d) => (d.ok ? 250 : d.code))).toEqual([250, 250, 450]);
  });
});

describe('submit', () => {
  it('runs every step and returns the first refusal', async () => {
    const origin: Origin = { kind: 'webmail', user: alice };
    expect((await delivery.submit(origin, { from: 'bob@facteur.test', to: ['carol@facteur.test'] }, msg({ From: 'alice@facteur.test' }))).decision).toMatchObject({ code: 553 });
    expect((await delivery.submit(origin, { from: 'alice@facteur.test', to: ['a@x.example', 'b@x.example', 'c@x.example', 'd@x.example', 'e@x.example', 'f@x.example'] }, msg({}))).decision)
      .toMatchObject({ code: 452, status: '4.5.3' });
    expect((await delivery.submit(origin, { from: 'alice@facteur.test', to: ['carol@facteur.test', 'nobody@facteur.test'] }, msg({ From: 'alice@facteur.test' }))).decision)
      .toMatchObject({ code: 550, status: '5.1.1' });
    const ok = await delivery.submit(origin, { from: 'alice@facteur.test', to: ['carol@facteur.test'] }, msg({ From: 'alice@facteur.test', Subject: 'from webmail' }));
    expect(ok).toMatchObject({ decision: { ok: true }, delivered: 1 });
  });
});

describe('INBOX ids kept between deliveries', () => {
  it('are asked again when the one known is gone', async () => {
    let stale = true;
    const known = mailboxIds(store);
    const inboxes: MailboxIds = {
      get: (userId) => (stale ? Promise.resolve('gone-mailbox-id') : known.get(userId)),
      forget: (userId) => { stale = false; known.forget(userId); },
    };
    const before = (await inbox('carol@facteur.test')).length;
    const raw = msg({ From: 'x@ext.example' }, 'after a stale id');
    const result = await deliverLocal(store, {
      users: [await accounts.getUser('carol@facteur.test')], raw, analyzed: analyzeNow(raw), returnPath: 'x@ext.example', headers: '', junk: false, inboxes,
    });
    expect(result.stored).toHaveLength(1);
    expect(stale).toBe(false);
    expect(await inbox('carol@facteur.test')).toHaveLength(before + 1);
  });
});

describe('local domains', () => {
  it('are ours as soon as they are added, and no longer once removed', async () => {
    expect((await delivery.checkRecipient(mx, 'x@later.test')).decision).toMatchObject({ code: 550, status: '5.7.1' });
    await accounts.addDomain('later.test');
    await accounts.createUser({ address: 'x@later.test' });
    expect((await delivery.checkRecipient(mx, 'x@later.test')).decision).toEqual({ ok: true });
    await accounts.deleteUser('x@later.test');
    await accounts.removeDomain('later.test');
    let decision = (await delivery.checkRecipient(mx, 'x@later.test')).decision;
    // Told by the change feed, within its poll interval; meanwhile the address is unknown.
    for (let i = 0; i < 50 && decision.ok === false && decision.status !== '5.7.1'; i++) {
      expect(decision).toMatchObject({ code: 550, status: '5.1.1' });
      await new Promise((resolve) => setTimeout(resolve, 20));
      decision = (await delivery.checkRecipient(mx, 'x@later.test')).decision;
    }
    expect(decision).toMatchObject({ code: 550, status: '5.7.1' });
  });
});

describe('out-of-office replies', () => {
  const repliesTo = async (address: string) => (await store.queue.list()).filter((q) => q.from === '' && q.recipients.some((r) => r.address === address));
  const fromOutside = async (sender: string) => {
    const recipients = [await delivery.checkRecipient(mx, 'bob@facteur.test')];
    const r = await delivery.accept(mx, sender, recipients, msg({ From: sender, To: 'bob@facteur.test' }));
    expect(r.delivered).toBe(1);
    // The reply is sent after the acknowledgement; give it the time to reach the queue.
    await new Promise((resolve) => setTimeout(resolve, 150));
  };

  it('follow the settings as soon as they are saved (the change feed drops the cached ones)', async () => {
    await fromOutside('first@ailleurs.example');
    expect(await repliesTo('first@ailleurs.example')).toHaveLength(0);
    const bob = (await accounts.getUser('bob@facteur.test')).id;
    await store.userSettings.put(bob, { autoReply: { enabled: true, subject: 'Absent', text: 'Back soon.' } });
    await fromOutside('second@ailleurs.example');
    expect(await repliesTo('second@ailleurs.example')).toHaveLength(1);
    await store.userSettings.put(bob, { autoReply: { enabled: false } });
    await fromOutside('third@ailleurs.example');
    expect(await repliesTo('third@ailleurs.example')).toHaveLength(0);
  });
});
