// Mailboxes: creation, lookup, rename with children, special use, subscription, status.
import { expect } from 'vitest';
import { AlreadyExists, NotFound } from '../../../core/errors.js';
import { append, makeUser, rawOfSize, rejects } from '../fixtures.js';
import type { Suite } from '../suite.js';

export function registerMailboxTests({ test }: Suite): void {
  test('mailboxes are created, found and listed per user', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const bob = await makeUser(store, 'bob');
    const inbox = await store.mail.createMailbox(alice.id, 'INBOX');
    expect(inbox).toMatchObject({ userId: alice.id, name: 'INBOX', specialUse: null, highestModseq: expect.any(Number) });
    expect(inbox.uidValidity).toBeGreaterThan(0);
    expect(inbox.uidNext).toBeGreaterThan(0);
    expect(inbox.createdAt).toBeInstanceOf(Date);
    const sent = await store.mail.createMailbox(alice.id, 'Sent', { specialUse: '\\Sent', subscribed: true });
    expect(sent).toMatchObject({ name: 'Sent', specialUse: '\\Sent', subscribed: true });
    await store.mail.createMailbox(bob.id, 'INBOX');

    expect(await store.mail.getMailbox(inbox.id)).toEqual(inbox);
    expect(await store.mail.getMailbox('no-such-mailbox')).toBeNull();
    expect((await store.mail.findMailbox(alice.id, 'Sent'))?.id).toBe(sent.id);
    expect(await store.mail.findMailbox(alice.id, 'Drafts')).toBeNull();
    expect((await store.mail.listMailboxes(alice.id)).map((m) => m.name).sort()).toEqual(['INBOX', 'Sent']);
    expect((await store.mail.listMailboxes(bob.id)).map((m) => m.name)).toEqual(['INBOX']);
    await rejects(store.mail.createMailbox(alice.id, 'Sent'), AlreadyExists);
  });

  test('special-use mailboxes are found by their role', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const bob = await makeUser(store, 'bob');
    const trash = await store.mail.createMailbox(alice.id, 'Corbeille', { specialUse: '\\Trash' });
    await store.mail.createMailbox(bob.id, 'Trash', { specialUse: '\\Trash' });
    expect((await store.mail.findMailboxBySpecialUse(alice.id, '\\Trash'))?.id).toBe(trash.id);
    expect(await store.mail.findMailboxBySpecialUse(alice.id, '\\Junk')).toBeNull();
  });

  test('renaming a mailbox moves its children and keeps its messages', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const a = await store.mail.createMailbox(alice.id, 'Classes');
    const ab = await store.mail.createMailbox(alice.id, 'Classes/6e');
    const abc = await store.mail.createMailbox(alice.id, 'Classes/6e/B');
    const sibling = await store.mail.createMailbox(alice.id, 'Classes2');
    await append(store, abc.id);
    await store.mail.createMailbox(alice.id, 'Taken');

    const renamed = await store.mail.renameMailbox(a.id, 'Archives/2025');
    expect(renamed).toMatchObject({ id: a.id, name: 'Archives/2025', uidValidity: a.uidValidity });
    expect((await store.mail.getMailbox(ab.id))?.name).toBe('Archives/2025/6e');
    expect((await store.mail.getMailbox(abc.id))?.name).toBe('Archives/2025/6e/B');
    expect((await store.mail.getMailbox(sibling.id))?.name).toBe('Classes2');
    expect(await store.mail.findMailbox(alice.id, 'Classes/6e')).toBeNull();
    expect((await store.mail.findMailbox(alice.id, 'Archives/2025/6e/B'))?.id).toBe(abc.id);
    expect((await store.mail.mailboxStatus(abc.id)).messages).toBe(1);
    await rejects(store.mail.renameMailbox(a.id, 'Taken'), AlreadyExists);
    expect((await store.mail.getMailbox(a.id))?.name).toBe('Archives/2025');
  });

  test('subscription is stored', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const box = await store.mail.createMailbox(alice.id, 'Lists', { subscribed: false });
    expect(box.subscribed).toBe(false);
    await store.mail.setSubscribed(box.id, true);
    expect((await store.mail.getMailbox(box.id))?.subscribed).toBe(true);
    await store.mail.setSubscribed(box.id, false);
    expect((await store.mail.getMailbox(box.id))?.subscribed).toBe(false);
  });

  test('mailboxStatus counts messages, unseen, deleted and size', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const box = await store.mail.createMailbox(alice.id, 'INBOX');
    const empty = await store.mail.mailboxStatus(box.id);
    expect(empty).toMatchObject({ messages: 0, unseen: 0, deleted: 0, sizeBytes: 0, uidValidity: box.uidValidity, uidNext: box.uidNext });
    await append(store, box.id, rawOfSize(300), { flags: ['\\Seen'] });
    await append(store, box.id, rawOfSize(400));
    await append(store, box.id, rawOfSize(500), { flags: ['\\Seen', '\\Deleted'] });
    const last = await append(store, box.id, rawOfSize(600), { flags: ['\\Deleted', '$Forwarded'] });
    const status = await store.mail.mailboxStatus(box.id);
    expect(status).toMatchObject({ messages: 4, unseen: 2, deleted: 2, sizeBytes: 1800, uidValidity: box.uidValidity, highestModseq: last.modseq });
    expect(status.uidNext).toBeGreaterThan(last.uid);
    await rejects(store.mail.mailboxStatus('no-such-mailbox'), NotFound);
  });

  test('deleting a mailbox removes it and its messages', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const box = await store.mail.createMailbox(alice.id, 'Old');
    const r = await append(store, box.id, rawOfSize(1000));
    await store.mail.deleteMailbox(box.id);
    expect(await store.mail.getMailbox(box.id)).toBeNull();
    expect(await store.mail.findMailbox(alice.id, 'Old')).toBeNull();
    expect(await store.mail.getMessageById(r.id)).toBeNull();
    expect((await store.accounts.getUser(alice.id))?.usedBytes).toBe(0);
    await rejects(store.mail.deleteMailbox(box.id), NotFound);
  });
}
