// Small builders shared by the conformance cases: users, mailboxes, messages, error checks.
import { expect } from 'vitest';
import type { AppendInput, AppendResult, Id, Mailbox, NewUser, SearchText, Store, User } from '../../storage/types.js';

export const DOMAIN = 'ecole.example';

/** Adds the domain once per store (ignores "already there"). */
export async function ensureDomain(store: Store, name = DOMAIN): Promise<void> {
  if (!(await store.accounts.getDomain(name))) await store.accounts.addDomain(name);
}

export async function makeUser(store: Store, local: string, patch: Partial<NewUser> = {}): Promise<User> {
  const address = patch.address ?? `${local}@${DOMAIN}`;
  await ensureDomain(store, address.split('@')[1]);
  return store.accounts.createUser({
    address,
    displayName: local,
    passwordHash: null,
    quotaBytes: 0,
    role: 'user',
    unit: null,
    enabled: true,
    ...patch,
  });
}

/** A user with INBOX and Archive. */
export async function userWithMailboxes(store: Store, local = 'alice', quotaBytes = 0): Promise<{ user: User; inbox: Mailbox; archive: Mailbox }> {
  const user = await makeUser(store, local, { quotaBytes });
  const inbox = await store.mail.createMailbox(user.id, 'INBOX');
  const archive = await store.mail.createMailbox(user.id, 'Archive', { specialUse: '\\Archive' });
  return { user, inbox, archive };
}

let counter = 0;

/** An RFC 5322 message with CRLF line ends. `padTo` pads the body to reach a size. */
export function rawMessage(opts: { subject?: string; from?: string; body?: string; messageId?: string; padTo?: number } = {}): Buffer {
  counter += 1;
  const head = [
    `From: ${opts.from ?? 'Bob <bob@ailleurs.example>'}`,
    `To: alice@${DOMAIN}`,
    `Subject: ${opts.subject ?? `message ${counter}`}`,
    `Message-ID: <${opts.messageId ?? `m${counter}.${process.pid}@test`}>`,
    'Date: Tue, 02 Sep 2025 08:00:00 +0200',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    '',
  ].join('\r\n');
  let raw = Buffer.from(head + (opts.body ?? `body ${counter}`) + '\r\n', 'utf8');
  if (opts.padTo !== undefined && raw.length < opts.padTo) {
    raw = Buffer.concat([raw, Buffer.alloc(opts.padTo - raw.length, 'x')]);
  }
  return raw;
}

/** Exactly `size` bytes (a valid, if dull, message). */
export function rawOfSize(size: number): Buffer {
  const raw = rawMessage({ padTo: size });
  if (raw.length !== size) throw new Error(`cannot build a ${size}-byte message (minimum ${raw.length})`);
  return raw;
}

export function appendInput(raw: Buffer, opts: { flags?: string[]; internalDate?: Date; search?: Partial<SearchText>; messageId?: string | null; references?: string[] } = {}): AppendInput {
  return {
    raw,
    flags: opts.flags,
    internalDate: opts.internalDate,
    summary: { test: true, size: raw.length },
    search: { subject: '', from: '', to: '', cc: '', bcc: '', body: '', ...opts.search },
    threading: { messageId: opts.messageId ?? null, references: opts.references ?? [] },
  };
}

export function append(store: Store, mailboxId: Id, raw: Buffer = rawMessage(), opts: Parameters<typeof appendInput>[1] = {}): Promise<AppendResult> {
  return store.mail.appendMessage(mailboxId, appendInput(raw, opts));
}

export async function uidsOf(store: Store, mailboxId: Id): Promise<number[]> {
  return (await store.mail.listMessageIndex(mailboxId)).map((e) => e.uid);
}

export async function usedBytes(store: Store, userId: Id): Promise<number> {
  const user = await store.accounts.getUser(userId);
  if (!user) throw new Error(`user ${userId} vanished`);
  return user.usedBytes;
}

/** Awaits `promise` and checks it failed with `cls`; returns the error for further checks. */
export async function rejects<E extends Error>(promise: Promise<unknown>, cls: abstract new (...args: never[]) => E): Promise<E> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (err) {
    if (!(err instanceof cls)) {
      const got = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      expect.fail(`expected ${cls.name}, got ${got}`);
    }
    return err;
  }
  return expect.fail(`expected ${cls.name}, but it succeeded with ${JSON.stringify(outcome)}`);
}

export function sorted(list: number[]): number[] {
  return [...list].sort((a, b) => a - b);
}

export function sum(list: number[]): number {
  return list.reduce((a, b) => a + b, 0);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or `timeoutMs` passes (for asynchronous deliveries). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) expect.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
