// Group calendars (members read and write, others see nothing) and the directory address
// book (everyone reads, nobody writes, it follows account changes at once).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DOMAIN, ics, propfindBody, startDav, vcard, type DavHarness } from './harness.js';

let h: DavHarness;
let alice: string;
let bob: string;
let carol: string;
const group = `profs@${DOMAIN}`;
const groupCal = (user: string) => `/dav/calendars/${user}/group-${group}/`;
const directory = (user: string) => `/dav/addressbooks/${user}/directory/`;

beforeAll(async () => {
  h = await startDav();
  alice = await h.user('alice', { displayName: 'Alice Martin', unit: 'college-jaures' });
  bob = await h.user('bob', { displayName: 'Bob Leroy' });
  carol = await h.user('carol');
  await h.accounts.createGroup({ address: group, displayName: 'Professeurs', members: [alice, bob] });
});
afterAll(async () => { await h?.stop(); });

describe('group calendars', () => {
  test("a member's calendar home lists the group calendar; a non-member's does not", async () => {
    const home = await h.request('PROPFIND', `/dav/calendars/${alice}/`, { as: alice, headers: { depth: '1' }, body: propfindBody('d:displayname', 'd:current-user-privilege-set') });
    expect(home.text).toContain(`<D:href>${groupCal(alice)}</D:href>`);
    expect(home.text).toContain('<D:displayname>Professeurs</D:displayname>');
    const other = await h.request('PROPFIND', `/dav/calendars/${carol}/`, { as: carol, headers: { depth: '1' }, body: propfindBody('d:displayname') });
    expect(other.text).not.toContain('group-');
  });

  test('members share the events; a non-member gets 404 on every URL', async () => {
    const put = await h.request('PUT', `${groupCal(alice)}conseil.ics`, { as: alice, body: ics('conseil@test'), headers: { 'content-type': 'text/calendar' } });
    expect(put.status).toBe(201);
    const seen = await h.request('GET', `${groupCal(bob)}conseil.ics`, { as: bob });
    expect(seen.status).toBe(200);
    expect(seen.text).toContain('UID:conseil@test');
    const edit = await h.request('PUT', `${groupCal(bob)}conseil.ics`, { as: bob, body: ics('conseil@test', ['DTSTART:20261203T100000Z', 'SUMMARY:Changé']), headers: { 'content-type': 'text/calendar', 'if-match': put.headers.get('etag')! } });
    expect(edit.status).toBe(204);
    for (const path of [groupCal(carol), `${groupCal(carol)}conseil.ics`, groupCal(alice), `${groupCal(alice)}conseil.ics`]) {
      const r = await h.request(path.endsWith('/') ? 'PROPFIND' : 'GET', path, { as: carol, headers: { depth: '0' } });
      expect(r.status, path).toBe(404);
    }
    const ghost = await h.request('PROPFIND', `/dav/calendars/${carol}/group-nothing@${DOMAIN}/`, { as: carol, headers: { depth: '0' } });
    expect(ghost.status).toBe(404);
  });

  test('a group calendar cannot be deleted by a member', async () => {
    const r = await h.request('DELETE', groupCal(bob), { as: bob });
    expect(r.status).toBe(403);
    expect((await h.request('GET', `${groupCal(alice)}conseil.ics`, { as: alice })).status).toBe(200);
  });

  test('a member removed from the group loses access at once', async () => {
    await h.accounts.removeGroupMember(group, bob);
    expect((await h.request('GET', `${groupCal(bob)}conseil.ics`, { as: bob })).status).toBe(404);
    await h.accounts.addGroupMember(group, bob);
    expect((await h.request('GET', `${groupCal(bob)}conseil.ics`, { as: bob })).status).toBe(200);
  });
});

describe('the directory address book', () => {
  const sync = (token: string) => `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
  const tokenOf = (text: string) => /<D:sync-token>([^<]+)<\/D:sync-token>\s*<\/D:multistatus>/.exec(text)![1];
  const cards = `<cr:addressbook-query xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav"><d:prop><cr:address-data/></d:prop></cr:addressbook-query>`;

  test('everyone sees every enabled user and the groups', async () => {
    const r = await h.request('REPORT', directory(carol), { as: carol, headers: { depth: '1' }, body: cards });
    expect(r.status).toBe(207);
    expect(r.text).toContain('FN:Alice Martin');
    expect(r.text).toContain(`EMAIL`);
    expect(r.text).toContain(alice);
    expect(r.text).toContain('college-jaures');
    expect(r.text).toContain('FN:Professeurs');
  });

  test('writes are refused with need-privileges', async () => {
    const put = await h.request('PUT', `${directory(alice)}x.vcf`, { as: alice, body: vcard('x@test', 'X Y', 'x@example.org'), headers: { 'content-type': 'text/vcard' } });
    expect(put.status).toBe(403);
    expect(put.text).toContain('<D:need-privileges>');
    const list = await h.request('PROPFIND', directory(alice), { as: alice, headers: { depth: '1' }, body: propfindBody('d:getetag') });
    const first = /<D:href>([^<]+\.vcf)<\/D:href>/.exec(list.text)![1];
    expect((await h.request('DELETE', first, { as: alice })).status).toBe(403);
    expect((await h.request('PROPPATCH', directory(alice), { as: alice, body: '<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>x</d:displayname></d:prop></d:set></d:propertyupdate>' })).status).toBe(403);
    expect((await h.request('DELETE', directory(alice), { as: alice })).status).toBe(403);
  });

  test('its sync token moves when an account changes, and the change is reported', async () => {
    const first = await h.request('REPORT', directory(bob), { as: bob, body: sync('') });
    const t1 = tokenOf(first.text);
    const user = await h.accounts.getUser(carol);
    await h.store.accounts.updateUser(user.id, { displayName: 'Carole Dubois' });
    const second = await h.request('REPORT', directory(bob), { as: bob, body: sync(t1) });
    expect(second.status).toBe(207);
    expect(tokenOf(second.text)).not.toBe(t1);
    expect(second.text).toContain(`user-${user.id}.vcf`);
    const card = await h.request('GET', `${directory(bob)}user-${user.id}.vcf`, { as: bob });
    expect(card.text).toContain('FN:Carole Dubois');
    // A query by name finds the new name at once, and no longer the old one.
    const byName = (prefix: string) => `<cr:addressbook-query xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/></d:prop>
      <cr:filter><cr:prop-filter name="FN"><cr:text-match collation="i;unicode-casemap" match-type="starts-with">${prefix}</cr:text-match></cr:prop-filter></cr:filter></cr:addressbook-query>`;
    const found = await h.request('REPORT', directory(bob), { as: bob, headers: { depth: '1' }, body: byName('CAROLE D') });
    expect(found.text).toContain(`user-${user.id}.vcf`);
    expect((found.text.match(/<D:response>/g) ?? []).length).toBe(1);
    expect((await h.request('REPORT', directory(bob), { as: bob, headers: { depth: '1' }, body: byName('carol') })).text).toContain(`user-${user.id}.vcf`);
    const alices = await h.request('REPORT', directory(bob), { as: bob, headers: { depth: '1' }, body: byName('alice m') });
    expect(alices.text).not.toContain(`user-${user.id}.vcf`);
    expect((alices.text.match(/<D:response>/g) ?? []).length).toBe(1);

    const dave = await h.user('dave');
    const third = await h.request('REPORT', directory(bob), { as: bob, body: sync(tokenOf(second.text)) });
    const daveId = (await h.accounts.getUser(dave)).id;
    expect(third.text).toContain(`user-${daveId}.vcf`);
    await h.store.accounts.updateUser(daveId, { enabled: false });
    const fourth = await h.request('REPORT', directory(bob), { as: bob, body: sync(tokenOf(third.text)) });
    expect(fourth.text).toMatch(new RegExp(`user-${daveId}\\.vcf</D:href><D:status>HTTP/1.1 404`));
  });

  test("a group's card follows its members, and goes with the group", async () => {
    const g = await h.accounts.getGroup(group);
    const cardUrl = `${directory(carol)}group-${g.id}.vcf`;
    expect((await h.request('GET', cardUrl, { as: carol })).text).not.toContain(`mailto:${carol}`);
    await h.accounts.addGroupMember(group, carol);
    const card = await h.request('GET', cardUrl, { as: carol });
    expect(card.text).toContain('FN:Professeurs');
    expect(card.text).toContain(`mailto:${carol}`);
    const other = await h.accounts.createGroup({ address: `temp@${DOMAIN}`, members: [alice] });
    const tempUrl = `${directory(carol)}group-${other.id}.vcf`;
    expect((await h.request('GET', tempUrl, { as: carol })).status).toBe(200);
    await h.store.accounts.deleteGroup(other.id);
    expect((await h.request('GET', tempUrl, { as: carol })).status).toBe(404);
  });
});
