// The retry of intoDestination: a remembered destination id the store no longer knows (deleted
// by another process whose change has not reached the cache yet) is looked up again by name.
import { describe, expect, it } from 'vitest';
import { NotFound } from '../../core/index.js';
import { ok, type Reply } from '../replies.js';
import type { Session } from '../session.js';
import { findDestination, intoDestination, isReply } from './mailbox-arg.js';

/** A session whose destination cache answers from `ids` (one answer per get) and counts forgets. */
function fakeSession(ids: (string | null)[]) {
  const forgotten: string[] = [];
  const session = {
    user: { id: 'u1' },
    mailboxFromWire: (raw: Buffer) => raw.toString('latin1'),
    options: { destinations: { get: async () => ids.shift() ?? null, forget: (key: string) => { forgotten.push(key); } } },
  } as unknown as Session;
  return { session, forgotten };
}

const name = Buffer.from('Archive');

describe('intoDestination', () => {
  it('runs once on the remembered id when it is still there', async () => {
    const { session, forgotten } = fakeSession(['m1']);
    const target = await findDestination(session, name);
    if (isReply(target)) throw new Error('expected a destination');
    const seen: string[] = [];
    expect(await intoDestination(session, name, target, async (id) => { seen.push(id); return ok('done'); })).toEqual(ok('done'));
    expect(seen).toEqual(['m1']);
    expect(forgotten).toEqual([]);
  });

  it('looks the name up again after NotFound and runs on the mailbox it names now', async () => {
    const { session, forgotten } = fakeSession(['gone', 'm2']);
    const target = await findDestination(session, name);
    if (isReply(target)) throw new Error('expected a destination');
    const seen: string[] = [];
    const reply = await intoDestination(session, name, target, async (id) => {
      seen.push(id);
      if (id === 'gone') throw new NotFound('no mailbox gone');
      return ok('done');
    });
    expect(reply).toEqual(ok('done'));
    expect(seen).toEqual(['gone', 'm2']);
    expect(forgotten).toEqual(['u1\nArchive']);
  });

  it('answers TRYCREATE when the name is gone, and rethrows when the same mailbox is still there', async () => {
    const gone = fakeSession(['gone', null]);
    const t1 = await findDestination(gone.session, name);
    if (isReply(t1)) throw new Error('expected a destination');
    const reply: Reply = await intoDestination(gone.session, name, t1, async () => { throw new NotFound('no mailbox'); });
    expect(reply).toMatchObject({ status: 'NO', code: 'TRYCREATE' });

    const same = fakeSession(['m1', 'm1']);
    const t2 = await findDestination(same.session, name);
    if (isReply(t2)) throw new Error('expected a destination');
    await expect(intoDestination(same.session, name, t2, async () => { throw new NotFound('no source mailbox'); })).rejects.toThrow('no source mailbox');
  });
});
