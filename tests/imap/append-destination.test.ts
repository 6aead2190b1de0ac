// APPEND, COPY and MOVE find their destination through a cache of mailbox ids by name
// (core/mail/mailbox-ids.ts): a rename, delete or re-creation by another session must be seen by the
// very next command, exactly as if every command looked the name up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.stop());

describe('APPEND/COPY destinations after another session changes the names', () => {
  it('follows renames, deletes and re-creations made by another session', async () => {
    const address = await h.user('dest');
    const a = await h.client(address);
    const b = await h.client(address);
    await b.mailboxCreate('Archive');
    const first = await a.append('Archive', message({ Subject: 'one' }));
    expect(first).toMatchObject({ uid: 1 });

    await b.mailboxRename('Archive', 'Old');
    await expect(a.append('Archive', message({ Subject: 'two' }))).rejects.toMatchObject({ serverResponseCode: 'TRYCREATE' });
    const intoOld = await a.append('Old', message({ Subject: 'three' }));
    expect(intoOld).toMatchObject({ uid: 2, uidValidity: first && first.uidValidity });

    await b.mailboxCreate('Archive');
    const again = await a.append('Archive', message({ Subject: 'four' }));
    expect(again).toMatchObject({ uid: 1 });
    expect(await b.status('Archive', { messages: true })).toMatchObject({ messages: 1 });
    expect(await b.status('Old', { messages: true })).toMatchObject({ messages: 2 });

    await b.mailboxDelete('Old');
    await expect(a.append('Old', message({ Subject: 'five' }))).rejects.toMatchObject({ serverResponseCode: 'TRYCREATE' });

    // COPY goes by the same cache.
    await a.mailboxOpen('Archive');
    expect(await a.messageCopy('1', 'Archive')).toMatchObject({ uidMap: new Map([[1, 2]]) });
    await b.mailboxRename('Archive', 'Kept');
    expect(await a.messageCopy('1', 'Archive')).toBe(false); // imapflow turns NO [TRYCREATE] into false
  });

  it('sees a mailbox deleted and re-created through the store (webmail, CLI) at the next APPEND', async () => {
    const address = await h.user('dest2');
    const user = await h.store.accounts.getUserByAddress(address);
    const a = await h.client(address);
    const box = await h.store.mail.createMailbox(user!.id, 'Classe');
    expect(await a.append('Classe', message({ Subject: 'one' }))).toMatchObject({ uid: 1 });
    await h.store.mail.deleteMailbox(box.id);
    await expect(a.append('Classe', message({ Subject: 'two' }))).rejects.toMatchObject({ serverResponseCode: 'TRYCREATE' });
    const fresh = await h.store.mail.createMailbox(user!.id, 'Classe');
    expect(await a.append('Classe', message({ Subject: 'three' }))).toMatchObject({ uid: 1, uidValidity: BigInt(fresh.uidValidity) });
  });
});
