// A unit hidden from other units (`facteur unit hide`): its people leave the directory the rest
// of the district reads, over CardDAV (query, multiget, sync-collection, GET, the home listing)
// and in the webmail's directory search, while its own members still see each other in a book
// of their own. Showing the unit again brings them back, and sync tokens move both times.
// Real server, the real CLI as a child process on the server's data dir, HTTP on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AdminTokens } from '../core/operations/index.js';
import { facteur, type Run } from './admin/cli.js';
import { DOMAIN, propfindBody, startDav, type DavHarness } from './dav/harness.js';
import { WebClient } from './webmail/api-client.js';
import { TEST_PASSWORD } from './server-harness.js';

let h: DavHarness;
let alice: string; // college-x (hidden), the user whose card must not leak
let anne: string; // college-x
let cecile: string; // college-x-cdi, a sub-unit of college-x
let bob: string; // college-y
let bruno: string; // college-y
let aliceId: string;
let anneId: string;
let xGroupId: string;
let profsId: string;

const home = (user: string) => `/dav/addressbooks/${user}/`;
const shared = (user: string) => `${home(user)}directory/`;
const unitBook = (user: string) => `${home(user)}directory-college-x/`;
const card = (book: string, id: string) => `${book}user-${id}.vcf`;

const allCards = '<cr:addressbook-query xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><cr:address-data/></d:prop></cr:addressbook-query>';
const byName = (prefix: string) => `<cr:addressbook-query xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><cr:address-data/></d:prop>
  <cr:filter><cr:prop-filter name="FN"><cr:text-match collation="i;unicode-casemap" match-type="starts-with">${prefix}</cr:text-match></cr:prop-filter></cr:filter></cr:addressbook-query>`;
const multiget = (...hrefs: string[]) => `<cr:addressbook-multiget xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><cr:address-data/></d:prop>${hrefs.map((x) => `<d:href>${x}</d:href>`).join('')}</cr:addressbook-multiget>`;
const sync = (token: string) => `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/><cr:address-data xmlns:cr="urn:ietf:params:xml:ns:carddav"/></d:prop></d:sync-collection>`;
const tokenOf = (text: string) => /<D:sync-token>([^<]+)<\/D:sync-token>\s*<\/D:multistatus>/.exec(text)![1];
const hrefs = (text: string) => [...text.matchAll(/<D:href>([^<]+)<\/D:href>/g)].map((m) => m[1]);
const statusOf = (text: string, href: string) => new RegExp(`<D:href>${href.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</D:href>\\s*(?:<D:status>HTTP/1.1 (\\d+)|<D:propstat>)`).exec(text)?.[1] ?? '200';

function expectOk(run: Run): Run {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  return run;
}

async function ctag(as: string, book: string): Promise<string> {
  const r = await h.request('PROPFIND', book, { as, headers: { depth: '0' }, body: propfindBody('cs:getctag') });
  expect(r.status).toBe(207);
  return /<CS:getctag[^>]*>([^<]+)</i.exec(r.text)![1];
}

beforeAll(async () => {
  h = await startDav({ FACTEUR_OUTBOUND_ENABLED: 'false' });
  await h.store.accounts.ensureUnit({ name: 'college-x', displayName: 'Collège X' });
  await h.store.accounts.ensureUnit({ name: 'college-x-cdi', parent: 'college-x', displayName: 'CDI du collège X' });
  await h.store.accounts.ensureUnit({ name: 'college-y', displayName: 'Collège Y' });
  alice = await h.user('alice', { displayName: 'Alice Xavier', unit: 'college-x' });
  anne = await h.user('anne', { displayName: 'Anne Xénia', unit: 'college-x' });
  cecile = await h.user('cecile', { displayName: 'Cécile Documentaliste', unit: 'college-x-cdi' });
  bob = await h.user('bob', { displayName: 'Bob Yves', unit: 'college-y' });
  bruno = await h.user('bruno', { displayName: 'Bruno Yann', unit: 'college-y' });
  aliceId = (await h.accounts.getUser(alice)).id;
  anneId = (await h.accounts.getUser(anne)).id;
  xGroupId = (await h.accounts.createGroup({ address: `equipe-x@${DOMAIN}`, displayName: 'Équipe X', unit: 'college-x', members: [alice, anne] })).id;
  profsId = (await h.accounts.createGroup({ address: `profs@${DOMAIN}`, displayName: 'Profs du district', members: [alice, bob] })).id;
}, 30_000);
afterAll(async () => { await h?.stop(); });

describe('a hidden unit in the CardDAV directory', () => {
  let bobToken: string;
  let bobCtag: string;

  test('before hiding, everyone sees everyone and no unit book exists', async () => {
    const all = await h.request('REPORT', shared(bob), { as: bob, headers: { depth: '1' }, body: allCards });
    expect(all.status).toBe(207);
    for (const who of [alice, anne, cecile, bruno]) expect(all.text).toContain(who);
    const first = await h.request('REPORT', shared(bob), { as: bob, body: sync('') });
    bobToken = tokenOf(first.text);
    bobCtag = await ctag(bob, shared(bob));
    const listing = await h.request('PROPFIND', home(alice), { as: alice, headers: { depth: '1' }, body: propfindBody('d:displayname') });
    expect(hrefs(listing.text)).not.toContain(unitBook(alice));
    expect((await h.request('PROPFIND', unitBook(alice), { as: alice, headers: { depth: '0' }, body: propfindBody('d:displayname') })).status).toBe(404);
  });

  test('`facteur unit hide` on the running server: other units no longer see the unit\'s people', async () => {
    const run = expectOk(await facteur(h.t.dataDir, ['unit', 'hide', 'college-x']));
    expect(run.stdout).toBe('unit college-x is now hidden from other units\n');

    // Queries: everything, and by name through the in-memory prefilter.
    const all = await h.request('REPORT', shared(bob), { as: bob, headers: { depth: '1' }, body: allCards });
    expect(all.status).toBe(207);
    expect(all.text).toContain(bruno);
    for (const who of [alice, anne, cecile, `equipe-x@${DOMAIN}`]) expect(all.text).not.toContain(who);
    expect(all.text).not.toContain('Xavier');
    const named = await h.request('REPORT', shared(bob), { as: bob, headers: { depth: '1' }, body: byName('alice') });
    expect(hrefs(named.text)).toEqual([]);
    expect(hrefs((await h.request('REPORT', shared(bob), { as: bob, headers: { depth: '1' }, body: byName('bruno') })).text)).toEqual([card(shared(bob), (await h.accounts.getUser(bruno)).id)]);

    // A group of the district keeps only the members everyone may see.
    const profs = await h.request('GET', `${shared(bob)}group-${profsId}.vcf`, { as: bob });
    expect(profs.status).toBe(200);
    expect(profs.text).toContain(`mailto:${bob}`);
    expect(profs.text).not.toContain(alice);

    // Guessed hrefs: GET, HEAD, multiget, the unit's own book: nothing, as if it did not exist.
    for (const path of [card(shared(bob), aliceId), `${shared(bob)}group-${xGroupId}.vcf`, card(unitBook(bob), aliceId)]) {
      expect((await h.request('GET', path, { as: bob })).status, path).toBe(404);
      expect((await h.request('HEAD', path, { as: bob })).status, path).toBe(404);
    }
    const got = await h.request('REPORT', shared(bob), { as: bob, headers: { depth: '1' }, body: multiget(card(shared(bob), aliceId), card(unitBook(bob), anneId), `${shared(bob)}group-${profsId}.vcf`) });
    expect(got.status).toBe(207);
    expect(statusOf(got.text, card(shared(bob), aliceId))).toBe('404');
    expect(statusOf(got.text, card(unitBook(bob), anneId))).toBe('404');
    expect(statusOf(got.text, `${shared(bob)}group-${profsId}.vcf`)).toBe('200');
    expect(got.text).not.toContain('Xavier');
    for (const method of ['PROPFIND', 'REPORT']) {
      const r = await h.request(method, unitBook(bob), { as: bob, headers: { depth: '1' }, body: method === 'PROPFIND' ? propfindBody('d:displayname') : allCards });
      expect(r.status, method).toBe(404);
    }
    const listing = await h.request('PROPFIND', home(bob), { as: bob, headers: { depth: '1' }, body: propfindBody('d:displayname') });
    expect(hrefs(listing.text)).toContain(shared(bob));
    expect(listing.text).not.toContain('directory-');
    expect(listing.text).not.toContain('Collège X');
  });

  test('the shared book\'s sync token and ctag moved: a client learns the hidden people are gone', async () => {
    expect(await ctag(bob, shared(bob))).not.toBe(bobCtag);
    const r = await h.request('REPORT', shared(bob), { as: bob, body: sync(bobToken) });
    expect(r.status).toBe(207);
    expect(tokenOf(r.text)).not.toBe(bobToken);
    for (const id of [aliceId, anneId]) expect(statusOf(r.text, card(shared(bob), id))).toBe('404');
    expect(statusOf(r.text, `${shared(bob)}group-${xGroupId}.vcf`)).toBe('404');
    // The district group changed (a member fewer), and says so without naming her.
    expect(statusOf(r.text, `${shared(bob)}group-${profsId}.vcf`)).toBe('200');
    expect(r.text).not.toContain(alice);
    // A fresh full sync of the shared book never names them either.
    const full = await h.request('REPORT', shared(bob), { as: bob, body: sync('') });
    expect(full.text).not.toContain(alice);
    expect(full.text).not.toContain(cecile);
    bobToken = tokenOf(r.text);
    bobCtag = await ctag(bob, shared(bob));
  });

  test('members of the hidden unit (and of its sub-units) see each other in a book of their own', async () => {
    for (const [who, book] of [[alice, unitBook(alice)], [cecile, unitBook(cecile)]] as const) {
      const listing = await h.request('PROPFIND', home(who), { as: who, headers: { depth: '1' }, body: propfindBody('d:displayname', 'd:current-user-privilege-set') });
      expect(hrefs(listing.text)).toEqual(expect.arrayContaining([shared(who), book]));
      expect(listing.text).toContain('<D:displayname>Directory – Collège X</D:displayname>');
      const all = await h.request('REPORT', book, { as: who, headers: { depth: '1' }, body: allCards });
      expect(all.status).toBe(207);
      for (const x of [alice, anne, cecile, `equipe-x@${DOMAIN}`]) expect(all.text, who).toContain(x);
      expect(all.text).not.toContain(bob);
      // The shared book is the same for them as for everyone: the rest of the district.
      const district = await h.request('REPORT', shared(who), { as: who, headers: { depth: '1' }, body: allCards });
      expect(district.text).toContain(bob);
      expect(district.text).not.toContain(anne);
    }
    const named = await h.request('REPORT', unitBook(alice), { as: alice, headers: { depth: '1' }, body: byName('anne x') });
    expect(hrefs(named.text)).toEqual([card(unitBook(alice), anneId)]);
    expect((await h.request('GET', card(unitBook(alice), anneId), { as: alice })).text).toContain('FN:Anne Xénia');
    const group = await h.request('GET', `${unitBook(alice)}group-${xGroupId}.vcf`, { as: alice });
    expect(group.text).toContain(`mailto:${anne}`);
    const synced = await h.request('REPORT', unitBook(alice), { as: alice, body: sync('') });
    expect(hrefs(synced.text)).toEqual(expect.arrayContaining([card(unitBook(alice), aliceId), card(unitBook(alice), anneId)]));
    // Read-only like the shared book.
    const put = await h.request('PUT', `${unitBook(alice)}x.vcf`, { as: alice, body: 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:x\r\nFN:X\r\nEND:VCARD\r\n', headers: { 'content-type': 'text/vcard' } });
    expect(put.status).toBe(403);
  });

  test('an account change inside the hidden unit stays inside it', async () => {
    await h.store.accounts.updateUser(anneId, { displayName: 'Anne Xénia-Dupont' });
    expect((await h.request('GET', card(unitBook(alice), anneId), { as: alice })).text).toContain('FN:Anne Xénia-Dupont');
    const r = await h.request('REPORT', shared(bob), { as: bob, body: sync(bobToken) });
    expect(tokenOf(r.text)).toBe(bobToken);
    expect(hrefs(r.text)).toEqual([]);
    // Someone moving into the hidden unit leaves the shared book.
    const brunoId = (await h.accounts.getUser(bruno)).id;
    await h.store.accounts.updateUser(brunoId, { unit: 'college-x' });
    const moved = await h.request('REPORT', shared(bob), { as: bob, body: sync(bobToken) });
    expect(statusOf(moved.text, card(shared(bob), brunoId))).toBe('404');
    expect((await h.request('GET', card(unitBook(alice), brunoId), { as: alice })).status).toBe(200);
    await h.store.accounts.updateUser(brunoId, { unit: 'college-y' });
    expect((await h.request('GET', card(unitBook(alice), brunoId), { as: alice })).status).toBe(404);
    bobToken = tokenOf((await h.request('REPORT', shared(bob), { as: bob, body: sync(bobToken) })).text);
  });

  test('the webmail directory search follows the same rule', async () => {
    const asBob = new WebClient(h.base);
    expect((await asBob.login(bob, TEST_PASSWORD)).status).toBe(200);
    const asAnne = new WebClient(h.base);
    expect((await asAnne.login(anne, TEST_PASSWORD)).status).toBe(200);
    const contacts = async (c: WebClient, q: string) => ((await c.get(`/api/contacts?q=${encodeURIComponent(q)}`)).body.contacts as { address: string }[]).map((x) => x.address);
    const people = async (c: WebClient, query: string) => ((await c.get(`/api/directory?${query}`)).body.people as { address: string }[]).map((x) => x.address);
    expect(await contacts(asBob, 'alice')).toEqual([]);
    expect(await contacts(asBob, 'equipe')).toEqual([]);
    expect(await people(asBob, 'q=x')).not.toContain(alice);
    expect(await people(asBob, 'unit=college-x')).toEqual([]);
    expect((await asBob.get('/api/directory/units')).body.units.map((u: { name: string }) => u.name)).toEqual(['college-y']);
    expect(await contacts(asBob, 'bruno')).toEqual([bruno]);
    expect(await contacts(asAnne, 'alice')).toEqual([alice]);
    expect((await people(asAnne, 'unit=college-x')).sort()).toEqual([alice, anne, cecile, `equipe-x@${DOMAIN}`].sort());
    expect(await contacts(asAnne, 'bob')).toEqual([bob]);
  });

  test('`facteur unit show`: the people come back, and the token moves again', async () => {
    expectOk(await facteur(h.t.dataDir, ['unit', 'show', 'college-x']));
    expect(await ctag(bob, shared(bob))).not.toBe(bobCtag);
    const r = await h.request('REPORT', shared(bob), { as: bob, body: sync(bobToken) });
    expect(tokenOf(r.text)).not.toBe(bobToken);
    for (const id of [aliceId, anneId]) expect(statusOf(r.text, card(shared(bob), id))).toBe('200');
    expect(r.text).toContain('FN:Alice Xavier');
    expect((await h.request('GET', card(shared(bob), aliceId), { as: bob })).status).toBe(200);
    expect((await h.request('GET', `${shared(bob)}group-${profsId}.vcf`, { as: bob })).text).toContain(`mailto:${alice}`);
    // The unit's own book is gone from its members' homes.
    const listing = await h.request('PROPFIND', home(alice), { as: alice, headers: { depth: '1' }, body: propfindBody('d:displayname') });
    expect(hrefs(listing.text)).not.toContain(unitBook(alice));
    expect((await h.request('REPORT', unitBook(alice), { as: alice, headers: { depth: '1' }, body: allCards })).status).toBe(404);
    const asBob = new WebClient(h.base);
    await asBob.login(bob, TEST_PASSWORD);
    expect(((await asBob.get('/api/contacts?q=alice')).body.contacts as { address: string }[]).map((x) => x.address)).toEqual([alice]);
  });
});

describe('a hidden unit whose name holds a slash', () => {
  test("its book has a URL of its own that its members reach", async () => {
    await h.store.accounts.ensureUnit({ name: 'lycee/annexe', displayName: 'Annexe' });
    const zoe = await h.user('zoe', { displayName: 'Zoé Annexe', unit: 'lycee/annexe' });
    await h.store.accounts.setUnitHidden('lycee/annexe', true);
    try {
      const listing = await h.request('PROPFIND', home(zoe), { as: zoe, headers: { depth: '1' }, body: propfindBody('d:displayname') });
      const book = `${home(zoe)}directory-lycee%252Fannexe/`;
      expect(hrefs(listing.text)).toContain(book);
      const all = await h.request('REPORT', book, { as: zoe, headers: { depth: '1' }, body: allCards });
      expect(all.status).toBe(207);
      expect(all.text).toContain('FN:Zoé Annexe');
      expect((await h.request('REPORT', `${home(bob)}directory-lycee%252Fannexe/`, { as: bob, headers: { depth: '1' }, body: allCards })).status).toBe(404);
      expect((await h.request('REPORT', shared(bob), { as: bob, headers: { depth: '1' }, body: allCards })).text).not.toContain(zoe);
    } finally {
      await h.store.accounts.setUnitHidden('lycee/annexe', false);
    }
  });
});

describe('facteur unit and the admin API', () => {
  test('list, hide and show; an unknown unit is one line and exit 2; every change is audited', async () => {
    const list = expectOk(await facteur(h.t.dataDir, ['unit', 'list']));
    expect(list.stdout).toMatch(/^UNIT\s+PARENT\s+HIDDEN\s+NAME\n/);
    expect(list.stdout).toMatch(/college-x-cdi\s+college-x\s+no\s+CDI du collège X/);
    const bad = await facteur(h.t.dataDir, ['unit', 'hide', 'college-z']);
    expect({ code: bad.code, stderr: bad.stderr, stdout: bad.stdout }).toEqual({ code: 2, stderr: 'facteur: unknown unit college-z\n', stdout: '' });
    expectOk(await facteur(h.t.dataDir, ['unit', 'hide', 'college-y']));
    expect(expectOk(await facteur(h.t.dataDir, ['unit', 'hide', 'college-y'])).stdout).toBe('unit college-y was already hidden from other units\n');
    const json = JSON.parse(expectOk(await facteur(h.t.dataDir, ['unit', 'list', '--json'])).stdout) as { name: string; hidden: boolean }[];
    expect(json.filter((u) => u.hidden).map((u) => u.name)).toEqual(['college-y']);
    expectOk(await facteur(h.t.dataDir, ['unit', 'show', 'college-y']));
    const audit = await h.store.audit.query({ target: 'college-y' });
    expect(audit.map((e) => [e.action, e.unit, e.actor.startsWith('cli:')])).toEqual([['unit.show', 'college-y', true], ['unit.hide', 'college-y', true], ['unit.hide', 'college-y', true]]);
    expect((await h.store.audit.query({ target: 'college-z' })).length).toBe(0);
  });

  test('PUT /api/admin/units/{unit}/hidden: district admins only', async () => {
    const tokens = new AdminTokens(h.store);
    const district = (await tokens.create({ name: 'district', role: 'admin', lifetimeMs: 3600_000 }, { name: 'test' })).secret;
    const xAdmin = (await tokens.create({ name: 'x-admin', role: 'unit-admin', units: ['college-x'], lifetimeMs: 3600_000 }, { name: 'test' })).secret;
    const put = (token: string, unit: string, body: unknown) => fetch(`${h.base}/api/admin/units/${encodeURIComponent(unit)}/hidden`, {
      method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    // A unit admin may not, for its own unit or another.
    for (const unit of ['college-x', 'college-y', 'college-z']) expect((await put(xAdmin, unit, { hidden: true })).status, unit).toBe(403);
    expect((await h.store.accounts.listUnits()).some((u) => u.hidden)).toBe(false);
    expect((await put(district, 'college-z', { hidden: true })).status).toBe(404);
    expect((await put(district, 'college-x', { hidden: 'yes' })).status).toBe(400);
    expect((await put(district, 'college-x', {})).status).toBe(400);
    const ok = await put(district, 'college-x', { hidden: true });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ name: 'college-x', parent: null, displayName: 'Collège X', hidden: true });
    expect((await h.request('GET', card(shared(bob), aliceId), { as: bob })).status).toBe(404);
    expect((await put(district, 'college-x', { hidden: false })).status).toBe(200);
    expect((await h.request('GET', card(shared(bob), aliceId), { as: bob })).status).toBe(200);
    const audit = await h.store.audit.query({ target: 'college-x', action: 'unit.hide' });
    expect(audit[0].actor).toMatch(/^token:/);
  });
});
