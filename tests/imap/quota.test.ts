// QUOTA (RFC 9208) with the STORAGE resource: GETQUOTAROOT, GETQUOTA, STATUS DELETED-STORAGE,
// and NO [OVERQUOTA] when APPEND, COPY or MOVE would go over, with imapflow and a bare socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRawMessage } from '../../core/index.js';
import { message, PASSWORD, startHarness, type Harness } from './harness.js';
import { RawImap } from './raw-client.js';

let h: Harness;
let user: string;

beforeAll(async () => {
  h = await startHarness();
  user = await h.user('quinn');
  await h.accounts.setQuota(user, 100 * 1024); // 100 KiB
});
afterAll(() => h?.stop());

async function login(who = user): Promise<RawImap> {
  const c = await RawImap.connect(h.ports.imap);
  await c.until(/^\* OK .*\r\n/);
  expect(await c.command('l', `LOGIN ${who} "${PASSWORD}"`)).toMatch(/^l OK /m);
  return c;
}

describe('QUOTA', () => {
  it('reports the storage quota root and its usage in KiB, and refuses SETQUOTA', async () => {
    const id = (await h.store.accounts.getUserByAddress(user))!.id;
    const inbox = (await h.store.mail.findMailbox(id, 'INBOX'))!;
    await appendRawMessage(h.store, inbox.id, Buffer.from(message({ Subject: 'x' }, `${'a'.repeat(70)}\r\n`.repeat(300))), { flags: ['\\Deleted'] });
    const c = await login();
    expect(await c.command('c', 'CAPABILITY')).toMatch(/ QUOTA QUOTA=RES-STORAGE/);
    let r = await c.command('a', 'GETQUOTAROOT INBOX');
    expect(r).toMatch(/^\* QUOTAROOT "INBOX" ""\r\n\* QUOTA "" \(STORAGE 22 100\)\r\na OK/m);
    r = await c.command('b', 'GETQUOTA ""');
    expect(r).toMatch(/^\* QUOTA "" \(STORAGE 22 100\)\r\nb OK/m);
    expect(await c.command('d', 'GETQUOTA "other"')).toMatch(/^d NO /m);
    expect(await c.command('e', 'SETQUOTA "" (STORAGE 512)')).toMatch(/^e NO \[NOPERM\]/m);
    r = await c.command('f', 'STATUS INBOX (DELETED DELETED-STORAGE)');
    expect(r).toMatch(/^\* STATUS "INBOX" \(DELETED 1 DELETED-STORAGE 22\)/m);
    c.close();
  });

  it('answers APPEND and COPY over quota with NO [OVERQUOTA] and stores nothing', async () => {
    const c = await login();
    const big = message({ Subject: 'big' }, `${'b'.repeat(70)}\r\n`.repeat(1000)); // ~70 KiB
    c.send(`p APPEND INBOX {${big.length}+}\r\n${big}\r\n`);
    expect(await c.until(/^p (OK|NO|BAD).*\r\n/m)).toMatch(/^p OK /m);
    c.send(`q APPEND INBOX {${big.length}+}\r\n${big}\r\n`);
    expect(await c.until(/^q (OK|NO|BAD).*\r\n/m)).toMatch(/^q NO \[OVERQUOTA\]/m);
    await c.command('s', 'SELECT INBOX');
    expect(await c.command('t', 'COPY 2 Archive')).toMatch(/^t NO \[OVERQUOTA\]/m);
    expect(await c.command('u', 'STATUS Archive (MESSAGES)')).toMatch(/MESSAGES 0/);
    // Raising the quota lets the same COPY through.
    await h.accounts.setQuota(user, 1024 * 1024);
    expect(await c.command('v', 'COPY 2 Archive')).toMatch(/^v OK \[COPYUID/m);
    await h.accounts.setQuota(user, 100 * 1024);
    // Over quota now (two copies): a MOVE inside the same quota root frees as much as it takes,
    // so it goes through (RFC 9208 §4.1 counts usage per root), while another COPY does not.
    expect(await c.command('x', 'GETQUOTAROOT INBOX')).toMatch(/STORAGE 1\d\d 100\)/);
    expect(await c.command('w', 'MOVE 2 Trash')).toMatch(/^w OK /m);
    expect(await c.command('y', 'SELECT Trash')).toMatch(/^\* 1 EXISTS/m);
    expect(await c.command('z', 'COPY 1 Drafts')).toMatch(/^z NO \[OVERQUOTA\]/m);
    c.close();
  });

  it('a user without a limit has no quota root', async () => {
    const free = await h.user('unlimited');
    await h.accounts.setQuota(free, 0);
    const c = await login(free);
    expect(await c.command('a', 'GETQUOTAROOT INBOX')).toMatch(/^\* QUOTAROOT "INBOX"\r\na OK/m);
    c.close();
  });
});
