// Full-text search: case- and accent-insensitive substrings per field, AND, NOT.
import { expect } from 'vitest';
import type { AppendResult, Id, Store, TextCriterion } from '../../../storage/types.js';
import { append, rawMessage, sorted, userWithMailboxes } from '../fixtures.js';
import type { Suite } from '../suite.js';

async function corpus(store: Store): Promise<{ box: Id; other: Id; m: AppendResult[]; archived: AppendResult }> {
  const { inbox, archive } = await userWithMailboxes(store);
  // Addresses avoid the word searched for below, so that 'text' hits come from subjects and bodies.
  const put = (box: Id, search: Parameters<typeof append>[3]) => append(store, box, rawMessage(), search);
  const m = [
    await put(inbox.id, { search: { subject: "Réunion à l'École Jaurès", from: 'Direction <direction@lycee.example>', to: 'alice@lycee.example', body: 'Ordre du jour : budget.' } }),
    await put(inbox.id, { search: { subject: 'Menu de la cantine', from: 'Émile Zola <emile@mairie.example>', to: 'tous@lycee.example', cc: 'parents@lycee.example', body: 'Lundi : gratin.' } }),
    await put(inbox.id, { search: { subject: 'Sortie scolaire', from: 'Bob <bob@ailleurs.example>', to: 'alice@lycee.example', bcc: 'secret@lycee.example', body: "Rendez-vous devant l'ÉCOLE à 8h, ŒUVRE d'art." } }),
  ];
  const archived = await put(archive.id, { search: { subject: 'École archivée', from: 'x@y.example', body: 'ecole' } });
  return { box: inbox.id, other: archive.id, m, archived };
}

export function registerSearchTests({ test }: Suite): void {
  test('search finds substrings without regard to case or accents', async ({ store }) => {
    const { box, m } = await corpus(store);
    const uids = async (...criteria: TextCriterion[]) => sorted(await store.mail.searchText(box, criteria));
    expect(await uids({ field: 'subject', value: 'ecole' })).toEqual([m[0].uid]);
    expect(await uids({ field: 'subject', value: 'ÉCOLE' })).toEqual([m[0].uid]);
    expect(await uids({ field: 'subject', value: 'jaures' })).toEqual([m[0].uid]);
    expect(await uids({ field: 'subject', value: 'eunio' })).toEqual([m[0].uid]);
    expect(await uids({ field: 'body', value: 'ecole' })).toEqual([m[2].uid]);
    expect(await uids({ field: 'body', value: 'rendez-vous devant' })).toEqual([m[2].uid]);
    expect(await uids({ field: 'from', value: 'emile' })).toEqual([m[1].uid]);
    expect(await uids({ field: 'from', value: 'mairie.example' })).toEqual([m[1].uid]);
    expect(await uids({ field: 'text', value: 'École' })).toEqual([m[0].uid, m[2].uid]);
    expect(await uids({ field: 'text', value: 'nulle part' })).toEqual([]);
  });

  test('search covers to, cc and bcc', async ({ store }) => {
    const { box, m } = await corpus(store);
    const uids = async (c: TextCriterion) => sorted(await store.mail.searchText(box, [c]));
    expect(await uids({ field: 'to', value: 'alice@' })).toEqual([m[0].uid, m[2].uid]);
    expect(await uids({ field: 'cc', value: 'parents' })).toEqual([m[1].uid]);
    expect(await uids({ field: 'bcc', value: 'secret' })).toEqual([m[2].uid]);
    expect(await uids({ field: 'to', value: 'parents' })).toEqual([]);
    expect(await uids({ field: 'text', value: 'secret@' })).toEqual([m[2].uid]);
  });

  test('search criteria combine with AND and NOT', async ({ store }) => {
    const { box, m } = await corpus(store);
    const uids = async (...criteria: TextCriterion[]) => sorted(await store.mail.searchText(box, criteria));
    expect(await uids({ field: 'subject', value: 'ecole', negate: true })).toEqual([m[1].uid, m[2].uid]);
    expect(await uids({ field: 'text', value: 'ecole' }, { field: 'body', value: 'rendez' })).toEqual([m[2].uid]);
    expect(await uids({ field: 'text', value: 'ecole' }, { field: 'from', value: 'bob', negate: true })).toEqual([m[0].uid]);
    expect(await uids()).toEqual(m.map((x) => x.uid));
  });

  test('search matches two-letter substrings and folds the case of letters like Œ', async ({ store }) => {
    const { box, m } = await corpus(store);
    const uids = async (c: TextCriterion) => sorted(await store.mail.searchText(box, [c]));
    // IMAP clients send whatever the user typed, often two letters.
    expect(await uids({ field: 'subject', value: 'du' })).toEqual([]);
    expect(await uids({ field: 'subject', value: 'So' })).toEqual([m[2].uid]);
    expect(await uids({ field: 'body', value: 'œuvre' })).toEqual([m[2].uid]);
  });

  test('search sees only the mailbox asked and forgets expunged messages', async ({ store }) => {
    const { box, other, m, archived } = await corpus(store);
    expect(await store.mail.searchText(other, [{ field: 'subject', value: 'ecole' }])).toEqual([archived.uid]);
    await store.mail.expunge(box, { uids: [m[0].uid], onlyDeleted: false });
    expect(await store.mail.searchText(box, [{ field: 'subject', value: 'ecole' }])).toEqual([]);
    const copy = await store.mail.copyMessages(box, [m[2].uid], other);
    // The copy carries its search text along.
    expect(sorted(await store.mail.searchText(other, [{ field: 'body', value: 'ecole' }]))).toEqual([archived.uid, copy.mapping[0][1]]);
  });
}
