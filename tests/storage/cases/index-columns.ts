// Whole-mailbox reads for IMAP SELECT and SORT: listMessageIndexColumns (the index as
// columns) and listSortKeys (the summary fields SORT and THREAD order by).
import { expect } from 'vitest';
import { NotFound } from '../../../core/errors.js';
import { append, rawMessage, rejects, userWithMailboxes } from '../fixtures.js';
import type { Suite } from '../suite.js';

const NO_SEARCH = { subject: '', from: '', to: '', cc: '', bcc: '', body: '' };

export function registerIndexColumnTests({ test }: Suite): void {
  test('the index as columns matches listMessageIndex, after flag changes and expunges', async ({ store }) => {
    const { inbox, archive } = await userWithMailboxes(store);
    expect(await store.mail.listMessageIndexColumns(inbox.id)).toEqual({ uids: [], modseqs: [], flags: [], internalDates: [], sizes: [] });
    for (let i = 0; i < 6; i++) {
      await append(store, inbox.id, rawMessage({ padTo: 900 + i * 10 }), { flags: i % 2 === 0 ? ['\\Seen'] : [], internalDate: new Date(Date.UTC(2025, 0, 10 - i)) });
    }
    await append(store, archive.id);
    await store.mail.updateFlags(inbox.id, [2], 'add', ['$Work', '\\Flagged']);
    await store.mail.updateFlags(inbox.id, [3], 'add', ['\\Deleted']);
    await store.mail.expunge(inbox.id, { onlyDeleted: true });

    const cols = await store.mail.listMessageIndexColumns(inbox.id);
    const index = await store.mail.listMessageIndex(inbox.id);
    expect(cols.uids).toEqual([1, 2, 4, 5, 6]);
    expect(cols.uids.map((uid, i) => ({
      uid, modseq: cols.modseqs[i], flags: [...cols.flags[i]].sort(), internalDate: new Date(cols.internalDates[i]), size: cols.sizes[i],
    }))).toEqual(index.map((e) => ({ ...e, flags: [...e.flags].sort() })));
    expect([...cols.flags[1]].sort()).toEqual(['$Work', '\\Flagged']);
    expect(cols.internalDates[2]).toBe(Date.UTC(2025, 0, 7));
    expect(cols.sizes[4]).toBe(950);
    expect(cols.modseqs[1]).toBeGreaterThan(cols.modseqs[0]);
    await rejects(store.mail.listMessageIndexColumns('no-such-mailbox'), NotFound);
  });

  test('sort keys come from the summary, only the groups asked for, in uid order', async ({ store }) => {
    const { inbox } = await userWithMailboxes(store);
    const summaries: unknown[] = [
      {
        v: 1, date: 'Tue, 07 Jan 2025 10:00:00 +0100', subject: 'Re: Conseil', from: [{ name: 'Marie Curie', address: 'marie@ecole.example' }],
        to: [{ name: null, address: 'alice@ecole.example' }, { name: 'Bob', address: 'bob@ecole.example' }], cc: [],
        messageId: 'm1@x', inReplyTo: 'm0@x', references: ['m0@x'],
      },
      { v: 1, date: null, subject: 'Sortie', from: [], to: [], cc: [{ name: 'Cé', address: 'ce@ecole.example' }], messageId: null, inReplyTo: 'm1@x', references: [] },
      { other: true },
    ];
    for (const [i, summary] of summaries.entries()) {
      await store.mail.appendMessage(inbox.id, {
        raw: rawMessage({ padTo: 1000 + i }), internalDate: new Date(Date.UTC(2025, 0, 1 + i)), summary, search: NO_SEARCH,
        threading: { messageId: null, references: [] },
      });
    }
    const all = await store.mail.listSortKeys(inbox.id, null, ['date', 'subject', 'from', 'to', 'cc', 'threading']);
    expect(all).toEqual([
      {
        uid: 1, internalDate: Date.UTC(2025, 0, 1), size: 1000, date: 'Tue, 07 Jan 2025 10:00:00 +0100', subject: 'Re: Conseil',
        from: { name: 'Marie Curie', address: 'marie@ecole.example' }, to: { name: null, address: 'alice@ecole.example' }, cc: null,
        messageId: 'm1@x', inReplyTo: 'm0@x', references: ['m0@x'],
      },
      {
        uid: 2, internalDate: Date.UTC(2025, 0, 2), size: 1001, date: null, subject: 'Sortie', from: null, to: null,
        cc: { name: 'Cé', address: 'ce@ecole.example' }, messageId: null, inReplyTo: 'm1@x', references: [],
      },
      {
        uid: 3, internalDate: Date.UTC(2025, 0, 3), size: 1002, date: null, subject: null, from: null, to: null, cc: null,
        messageId: null, inReplyTo: null, references: [],
      },
    ]);
    // Only the groups asked for; unknown UIDs skipped; UID order whatever the list's order.
    expect(await store.mail.listSortKeys(inbox.id, [3, 99, 1], ['date'])).toEqual([
      { uid: 1, internalDate: Date.UTC(2025, 0, 1), size: 1000, date: 'Tue, 07 Jan 2025 10:00:00 +0100' },
      { uid: 3, internalDate: Date.UTC(2025, 0, 3), size: 1002, date: null },
    ]);
    expect(await store.mail.listSortKeys(inbox.id, [2], [])).toEqual([{ uid: 2, internalDate: Date.UTC(2025, 0, 2), size: 1001 }]);
    expect(await store.mail.listSortKeys(inbox.id, [], ['subject'])).toEqual([]);
    await rejects(store.mail.listSortKeys('no-such-mailbox', null, ['date']), NotFound);
  });
}
