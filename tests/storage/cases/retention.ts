// Retention marks: (time, UIDNEXT) per mailbox and UIDVALIDITY, read back as "UIDNEXT then".
import { expect } from 'vitest';
import { userWithMailboxes } from '../fixtures.js';
import type { Suite } from '../suite.js';

const at = (day: number) => new Date(Date.UTC(2026, 0, day));

export function registerRetentionTests({ test }: Suite): void {
  test('retention marks answer the UIDNEXT a mailbox had at a time', async ({ store }) => {
    const { inbox, archive } = await userWithMailboxes(store);
    const v = inbox.uidValidity;
    expect(await store.retention.uidNextAt(inbox.id, v, at(10))).toBeNull();
    await store.retention.mark(inbox.id, v, 1, at(1));
    await store.retention.mark(inbox.id, v, 5, at(3));
    await store.retention.mark(inbox.id, v, 9, at(5));
    await store.retention.mark(inbox.id, v, 9, at(5)); // the same mark again changes nothing
    await store.retention.mark(archive.id, archive.uidValidity, 100, at(2));
    expect(await store.retention.uidNextAt(inbox.id, v, at(0))).toBeNull();
    expect(await store.retention.uidNextAt(inbox.id, v, at(1))).toBe(1);
    expect(await store.retention.uidNextAt(inbox.id, v, at(4))).toBe(5);
    expect(await store.retention.uidNextAt(inbox.id, v, at(9))).toBe(9);
    // Another UIDVALIDITY (the mailbox was re-created) knows nothing of these.
    expect(await store.retention.uidNextAt(inbox.id, v + 1, at(9))).toBeNull();
    expect(await store.retention.uidNextAt(archive.id, archive.uidValidity, at(9))).toBe(100);
  });

  test('retention prune keeps the newest mark before the cut and drops other UIDVALIDITYs', async ({ store }) => {
    const { inbox } = await userWithMailboxes(store);
    const v = inbox.uidValidity;
    for (const [day, uidNext] of [[1, 1], [2, 3], [3, 7], [6, 8]]) await store.retention.mark(inbox.id, v, uidNext, at(day));
    await store.retention.mark(inbox.id, v + 7, 50, at(2));
    await store.retention.prune(inbox.id, v, at(4));
    expect(await store.retention.uidNextAt(inbox.id, v, at(4))).toBe(7);
    expect(await store.retention.uidNextAt(inbox.id, v, at(2))).toBeNull();
    expect(await store.retention.uidNextAt(inbox.id, v, at(6))).toBe(8);
    expect(await store.retention.uidNextAt(inbox.id, v + 7, at(9))).toBeNull();
  });

  test('retention marks go with their mailbox', async ({ store }) => {
    const { inbox } = await userWithMailboxes(store);
    await store.retention.mark(inbox.id, inbox.uidValidity, 4, at(1));
    await store.mail.deleteMailbox(inbox.id);
    expect(await store.retention.uidNextAt(inbox.id, inbox.uidValidity, at(9))).toBeNull();
    await store.retention.mark(inbox.id, inbox.uidValidity, 4, at(2)); // gone: no error, no mark
    expect(await store.retention.uidNextAt(inbox.id, inbox.uidValidity, at(9))).toBeNull();
  });
}
