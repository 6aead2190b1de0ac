// Message list pages (listMessagePage): date and size order both ways, ties by UID, paging.
import { expect } from 'vitest';
import { NotFound } from '../../../core/errors.js';
import { rawMessage, rejects, userWithMailboxes } from '../fixtures.js';
import type { Suite } from '../suite.js';

export function registerMessagePageTests({ test }: Suite): void {
  test('message pages come in date or size order, ties by uid, with offset and limit', async ({ store }) => {
    const { inbox, archive } = await userWithMailboxes(store);
    // uid: 1..5; dates out of uid order with a tie (uids 2 and 4); sizes all different.
    const days = [3, 1, 5, 1, 2];
    for (const [i, d] of days.entries()) {
      await store.mail.appendMessage(inbox.id, {
        raw: rawMessage({ padTo: 1000 + (5 - i) * 100 }), internalDate: new Date(Date.UTC(2025, 8, d)), flags: i === 0 ? ['\\Seen'] : [],
        summary: { n: i + 1 }, search: { subject: '', from: '', to: '', cc: '', bcc: '', body: '' }, threading: { messageId: null, references: [] },
      });
    }
    await store.mail.appendMessage(archive.id, {
      raw: rawMessage(), internalDate: new Date(Date.UTC(2030, 0, 1)),
      summary: {}, search: { subject: '', from: '', to: '', cc: '', bcc: '', body: '' }, threading: { messageId: null, references: [] },
    });
    const uids = async (o: Parameters<typeof store.mail.listMessagePage>[1]) => (await store.mail.listMessagePage(inbox.id, o)).map((m) => m.uid);
    expect(await uids({ sort: 'date', order: 'desc', offset: 0, limit: 10 })).toEqual([3, 1, 5, 4, 2]);
    expect(await uids({ sort: 'date', order: 'asc', offset: 0, limit: 10 })).toEqual([2, 4, 5, 1, 3]);
    expect(await uids({ sort: 'date', order: 'desc', offset: 1, limit: 2 })).toEqual([1, 5]);
    expect(await uids({ sort: 'date', order: 'desc', offset: 5, limit: 2 })).toEqual([]);
    expect(await uids({ sort: 'size', order: 'asc', offset: 0, limit: 10 })).toEqual([5, 4, 3, 2, 1]);
    expect(await uids({ sort: 'size', order: 'desc', offset: 0, limit: 1 })).toEqual([1]);
    const [first] = await store.mail.listMessagePage(inbox.id, { sort: 'date', order: 'desc', offset: 1, limit: 1 });
    expect(first).toMatchObject({ uid: 1, mailboxId: inbox.id, flags: ['\\Seen'], summary: { n: 1 }, size: 1500 });
    expect(first).toEqual((await store.mail.getMessages(inbox.id, [1]))[0]);
    await rejects(store.mail.listMessagePage('no-such-mailbox', { sort: 'date', order: 'desc', offset: 0, limit: 1 }), NotFound);
  });
}
