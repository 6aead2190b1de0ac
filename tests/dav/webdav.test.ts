// WebDAV core over raw HTTP: discovery, PROPFIND/PROPPATCH, MKCOL/MKCALENDAR, GET/PUT/DELETE
// with ETags and conditions, COPY/MOVE, and every refusal a client can provoke.
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_COLLECTIONS_PER_HOME, MAX_DEAD_PROPERTIES, MAX_DEAD_PROPERTY_BYTES } from '../../dav/index.js';
import { DOMAIN, ics, propfindBody, startDav, vcard, type DavHarness } from './harness.js';

let h: DavHarness;
let alice: string;
let bob: string;
const cal = () => `/dav/calendars/${alice}/default/`;
const book = () => `/dav/addressbooks/${alice}/default/`;

beforeAll(async () => {
  h = await startDav();
  alice = await h.user('alice', { displayName: 'Alice Martin' });
  bob = await h.user('bob');
});
afterAll(async () => { await h?.stop(); });

describe('discovery and authentication', () => {
  test('OPTIONS advertises CalDAV and CardDAV without credentials', async () => {
    const r = await h.request('OPTIONS', '/dav/');
    expect(r.status).toBe(200);
    expect(r.headers.get('dav')).toMatch(/\b1\b.*\b3\b.*calendar-access.*addressbook/);
    expect(r.headers.get('allow')).toContain('MKCALENDAR');
  });

  test('the well-known URIs redirect to the context path', async () => {
    for (const p of ['/.well-known/caldav', '/.well-known/carddav']) {
      const r = await h.request('PROPFIND', p);
      expect(r.status).toBe(301);
      expect(r.headers.get('location')).toBe('/dav/');
    }
  });

  test('no or wrong credentials get 401 with a Basic challenge', async () => {
    const none = await h.request('PROPFIND', '/dav/', { headers: { depth: '0' } });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const wrong = await h.request('PROPFIND', '/dav/', { as: alice, password: 'nope', headers: { depth: '0' } });
    expect(wrong.status).toBe(401);
  });

  test('Basic authentication works over HTTPS', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request({
        host: '127.0.0.1', port: h.t.port('https'), path: '/dav/', method: 'PROPFIND', rejectUnauthorized: false,
        headers: { depth: '0', authorization: `Basic ${Buffer.from(`${alice}:correct horse battery`).toString('base64')}` },
      }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(207);
  });

  test('principal, homes and address set are found from the root', async () => {
    const root = await h.request('PROPFIND', '/dav/', { as: alice, body: propfindBody('d:current-user-principal'), headers: { depth: '0' } });
    expect(root.status).toBe(207);
    expect(root.text).toContain(`<D:current-user-principal><D:href>/dav/principals/${alice}/</D:href>`);
    const p = await h.request('PROPFIND', `/dav/principals/${alice}/`, {
      as: alice, headers: { depth: '0' },
      body: propfindBody('c:calendar-home-set', 'cr:addressbook-home-set', 'c:calendar-user-address-set', 'd:displayname', 'd:principal-URL'),
    });
    expect(p.text).toContain(`<C:calendar-home-set><D:href>/dav/calendars/${alice}/</D:href>`);
    expect(p.text).toContain(`<CR:addressbook-home-set><D:href>/dav/addressbooks/${alice}/</D:href>`);
    expect(p.text).toContain(`<D:href>mailto:${alice}</D:href>`);
    expect(p.text).toContain('<D:displayname>Alice Martin</D:displayname>');
  });

  test('the calendar home lists the default calendar with its ctag, sync token and components', async () => {
    const r = await h.request('PROPFIND', `/dav/calendars/${alice}/`, {
      as: alice, headers: { depth: '1' },
      body: propfindBody('d:resourcetype', 'cs:getctag', 'd:sync-token', 'c:supported-calendar-component-set', 'd:supported-report-set', 'c:max-resource-size'),
    });
    expect(r.status).toBe(207);
    expect(r.text).toContain(`<D:href>${cal()}</D:href>`);
    expect(r.text).toContain('<C:calendar/>');
    expect(r.text).toMatch(/<CS:getctag>\d+<\/CS:getctag>/);
    expect(r.text).toMatch(/<D:sync-token>urn:x-facteur:sync:[^<]+<\/D:sync-token>/);
    expect(r.text).toContain('<C:comp name="VEVENT"/><C:comp name="VTODO"/>');
    expect(r.text).toContain('<C:calendar-multiget/>');
    expect(r.text).toContain('<C:max-resource-size>1048576</C:max-resource-size>');
  });

  test('Prefer: return=minimal leaves out the properties not found', async () => {
    const body = propfindBody('d:displayname', 'd:getetag');
    const full = await h.request('PROPFIND', cal(), { as: alice, headers: { depth: '0' }, body });
    expect(full.text).toContain('404 Not Found');
    const minimal = await h.request('PROPFIND', cal(), { as: alice, headers: { depth: '0', prefer: 'return=minimal' }, body });
    expect(minimal.text).not.toContain('404 Not Found');
    expect(minimal.text).toContain('<D:displayname>');
    const variants: Record<string, string>[] = [{ prefer: 'respond-async, return="minimal"' }, { prefer: 'wait=5', Prefer: 'Return=Minimal' }, { brief: 't' }];
    for (const headers of variants) {
      const r = await h.request('PROPFIND', cal(), { as: alice, headers: { depth: '0', ...headers }, body });
      expect(r.text, JSON.stringify(headers)).not.toContain('404 Not Found');
    }
    expect((await h.request('PROPFIND', cal(), { as: alice, headers: { depth: '0', prefer: 'return=representation' }, body })).text).toContain('404 Not Found');
  });

  test('propname and allprop', async () => {
    const names = await h.request('PROPFIND', cal(), { as: alice, headers: { depth: '0' }, body: '<propfind xmlns="DAV:"><propname/></propfind>' });
    expect(names.status).toBe(207);
    expect(names.text).toContain('<D:resourcetype/>');
    expect(names.text).toContain('<CS:getctag/>');
    const all = await h.request('PROPFIND', cal(), { as: alice, headers: { depth: '0' } });
    expect(all.status).toBe(207);
    expect(all.text).toContain('<D:displayname>Agenda</D:displayname>');
    expect(all.text).not.toContain('404 Not Found');
  });
});

describe('items: GET, PUT, DELETE with ETags', () => {
  test('create, read, replace under If-Match, delete', async () => {
    const path = `${cal()}event-1.ics`;
    const body = ics('event-1@test');
    const put = await h.request('PUT', path, { as: alice, body, headers: { 'content-type': 'text/calendar; charset=utf-8', 'if-none-match': '*' } });
    expect(put.status).toBe(201);
    const etag = put.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    const got = await h.request('GET', path, { as: alice });
    expect(got.status).toBe(200);
    expect(got.text).toBe(body);
    expect(got.headers.get('etag')).toBe(etag);
    expect(got.headers.get('content-type')).toMatch(/^text\/calendar/);
    const head = await h.request('HEAD', path, { as: alice });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');

    const again = await h.request('PUT', path, { as: alice, body, headers: { 'content-type': 'text/calendar', 'if-none-match': '*' } });
    expect(again.status).toBe(412);
    const changed = ics('event-1@test', ['DTSTART:20261202T100000Z', 'DTEND:20261202T110000Z', 'SUMMARY:Moved']);
    const stale = await h.request('PUT', path, { as: alice, body: changed, headers: { 'content-type': 'text/calendar', 'if-match': '"0000"' } });
    expect(stale.status).toBe(412);
    expect((await h.request('GET', path, { as: alice })).text).toBe(body);
    const ok = await h.request('PUT', path, { as: alice, body: changed, headers: { 'content-type': 'text/calendar', 'if-match': etag! } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('etag')).not.toBe(etag);

    expect((await h.request('DELETE', path, { as: alice, headers: { 'if-match': etag! } })).status).toBe(412);
    expect((await h.request('DELETE', path, { as: alice, headers: { 'if-match': ok.headers.get('etag')! } })).status).toBe(204);
    expect((await h.request('GET', path, { as: alice })).status).toBe(404);
    expect((await h.request('DELETE', path, { as: alice })).status).toBe(404);
  });

  test('invalid iCalendar is 400 valid-calendar-data and nothing is stored', async () => {
    const path = `${cal()}bad.ics`;
    const r = await h.request('PUT', path, { as: alice, body: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VEVENT\r\n', headers: { 'content-type': 'text/calendar' } });
    expect(r.status).toBe(400);
    expect(r.text).toContain('<C:valid-calendar-data/>');
    expect((await h.request('GET', path, { as: alice })).status).toBe(404);
  });

  test('a body that is not text/calendar is 415 supported-calendar-data', async () => {
    const r = await h.request('PUT', `${cal()}x.ics`, { as: alice, body: ics('x@test'), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(415);
    expect(r.text).toContain('<C:supported-calendar-data/>');
  });

  test('a UID already used in the calendar is no-uid-conflict naming the holder', async () => {
    expect((await h.request('PUT', `${cal()}one.ics`, { as: alice, body: ics('same@test'), headers: { 'content-type': 'text/calendar' } })).status).toBe(201);
    const r = await h.request('PUT', `${cal()}two.ics`, { as: alice, body: ics('same@test'), headers: { 'content-type': 'text/calendar' } });
    expect(r.status).toBe(409);
    expect(r.text).toContain(`<C:no-uid-conflict><D:href>${cal()}one.ics</D:href></C:no-uid-conflict>`);
    expect((await h.request('GET', `${cal()}two.ics`, { as: alice })).status).toBe(404);
  });

  test('a component the calendar does not take is supported-calendar-component', async () => {
    const r = await h.request('PUT', `${cal()}journal.ics`, {
      as: alice, body: ics('j@test', ['DTSTART:20261201T100000Z', 'SUMMARY:note'], 'VJOURNAL'), headers: { 'content-type': 'text/calendar' },
    });
    expect(r.status).toBe(403);
    expect(r.text).toContain('<C:supported-calendar-component/>');
  });

  test('a body over max-resource-size is 413', async () => {
    const big = ics('big@test', ['DTSTART:20261201T100000Z', `DESCRIPTION:${'x'.repeat(1_100_000)}`]);
    const r = await h.request('PUT', `${cal()}big.ics`, { as: alice, body: big, headers: { 'content-type': 'text/calendar' } });
    expect(r.status).toBe(413);
    expect(r.text).toContain('<C:max-resource-size/>');
    expect((await h.request('GET', `${cal()}big.ics`, { as: alice })).status).toBe(404);
  });

  test('vCards 3.0 and 4.0 are stored; an invalid one is 400 valid-address-data', async () => {
    for (const v of ['3.0', '4.0']) {
      const r = await h.request('PUT', `${book()}c${v}.vcf`, { as: alice, body: vcard(`c${v}@test`, 'Paul Durand', 'paul@example.org', v), headers: { 'content-type': 'text/vcard' } });
      expect(r.status).toBe(201);
    }
    const bad = await h.request('PUT', `${book()}bad.vcf`, { as: alice, body: 'BEGIN:VCARD\r\nFN:x\r\n', headers: { 'content-type': 'text/vcard' } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('<CR:valid-address-data/>');
  });
});

describe('XML bodies', () => {
  test('a DOCTYPE with an external entity is refused and nothing is read', async () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&x;</d:displayname></d:prop></d:propfind>';
    const r = await h.request('PROPFIND', cal(), { as: alice, body: xxe, headers: { depth: '0' } });
    expect(r.status).toBe(400);
    expect(r.text).not.toContain('root:');
  });

  test('entity expansion ("billion laughs") is refused', async () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><propfind xmlns="DAV:"><prop><displayname>&b;</displayname></prop></propfind>';
    expect((await h.request('PROPFIND', cal(), { as: alice, body: bomb, headers: { depth: '0' } })).status).toBe(400);
  });

  test('malformed XML is 400, a huge body 413', async () => {
    expect((await h.request('PROPFIND', cal(), { as: alice, body: '<propfind xmlns="DAV:"><prop>', headers: { depth: '0' } })).status).toBe(400);
    const huge = `<propfind xmlns="DAV:"><prop>${'<displayname/>'.repeat(100_000)}</prop></propfind>`;
    expect((await h.request('PROPFIND', cal(), { as: alice, body: huge, headers: { depth: '0' } })).status).toBe(413);
  });

  test('a body nested thousands of levels deep is 400, whichever method reads it', async () => {
    const deep = (open: string, close: string, n = 5000) => open.repeat(n) + close.repeat(n);
    const propfind = `<d:propfind xmlns:d="DAV:"><d:prop><x:p xmlns:x="urn:x">${deep('<x:b>', '</x:b>')}</x:p></d:prop></d:propfind>`;
    const proppatch = `<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><x:p xmlns:x="urn:x">${deep('<x:b>', '</x:b>')}</x:p></d:prop></d:set></d:propertyupdate>`;
    const query = `<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR">${
      deep('<c:comp-filter name="VEVENT">', '</c:comp-filter>')}</c:comp-filter></c:filter></c:calendar-query>`;
    for (const [method, body] of [['PROPFIND', propfind], ['PROPPATCH', proppatch], ['REPORT', query]] as const) {
      const r = await h.request(method, cal(), { as: alice, body, headers: { depth: '1' } });
      expect(r.status, method).toBe(400);
      expect(r.text).toMatch(/nested deeper than \d+ levels/);
    }
    const read = await h.request('PROPFIND', cal(), { as: alice, headers: { depth: '0' }, body: propfindBody('d:displayname').replace('<d:propfind ', '<d:propfind xmlns:x="urn:x" ').replace('</d:prop>', '<x:p/></d:prop>') });
    expect(read.status).toBe(207);
    expect(read.text).not.toContain('<b xmlns');
  });
});

describe('collections', () => {
  test('PROPPATCH sets displayname, color and a dead property; a protected one fails the whole request', async () => {
    const body = `<d:propertyupdate xmlns:d="DAV:" xmlns:a="http://apple.com/ns/ical/" xmlns:x="urn:example:x"><d:set><d:prop>
      <d:displayname>Cours</d:displayname><a:calendar-color>#FF0000FF</a:calendar-color><x:order><x:n>3</x:n></x:order></d:prop></d:set></d:propertyupdate>`;
    const r = await h.request('PROPPATCH', cal(), { as: alice, body });
    expect(r.status).toBe(207);
    expect(r.text).toContain('HTTP/1.1 200 OK');
    const read = await h.request('PROPFIND', cal(), { as: alice, headers: { depth: '0' }, body: propfindBody('d:displayname', 'a:calendar-color', 'x:order').replace('<d:propfind ', '<d:propfind xmlns:x="urn:example:x" ') });
    expect(read.text).toContain('<D:displayname>Cours</D:displayname>');
    expect(read.text).toContain('<A:calendar-color>#FF0000FF</A:calendar-color>');
    expect(read.text).toContain('<n xmlns="urn:example:x">3</n>');

    const refused = await h.request('PROPPATCH', cal(), { as: alice, body: '<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>Other</d:displayname><d:getetag>"x"</d:getetag></d:prop></d:set></d:propertyupdate>' });
    expect(refused.status).toBe(207);
    expect(refused.text).toContain('HTTP/1.1 403 Forbidden');
    expect(refused.text).toContain('HTTP/1.1 424 Failed Dependency');
    const after = await h.request('PROPFIND', cal(), { as: alice, headers: { depth: '0' }, body: propfindBody('d:displayname') });
    expect(after.text).toContain('<D:displayname>Cours</D:displayname>');
  });

  test('MKCALENDAR and extended MKCOL make collections; a second time is 405; DELETE removes', async () => {
    const mk = await h.request('MKCALENDAR', `/dav/calendars/${alice}/devoirs/`, {
      as: alice,
      body: '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>Devoirs</d:displayname><c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>',
    });
    expect(mk.status).toBe(201);
    expect((await h.request('MKCALENDAR', `/dav/calendars/${alice}/devoirs/`, { as: alice })).status).toBe(405);
    const list = await h.request('PROPFIND', `/dav/calendars/${alice}/`, { as: alice, headers: { depth: '1' }, body: propfindBody('d:displayname', 'c:supported-calendar-component-set') });
    expect(list.text).toContain('<D:displayname>Devoirs</D:displayname>');
    // An event in a to-do list is refused.
    const ev = await h.request('PUT', `/dav/calendars/${alice}/devoirs/e.ics`, { as: alice, body: ics('ev-in-todo@test'), headers: { 'content-type': 'text/calendar' } });
    expect(ev.status).toBe(403);

    const mkcol = await h.request('MKCOL', `/dav/addressbooks/${alice}/eleves/`, {
      as: alice,
      body: '<d:mkcol xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype><d:collection/><cr:addressbook/></d:resourcetype><d:displayname>Élèves</d:displayname></d:prop></d:set></d:mkcol>',
    });
    expect(mkcol.status).toBe(201);
    const books = await h.request('PROPFIND', `/dav/addressbooks/${alice}/`, { as: alice, headers: { depth: '1' }, body: propfindBody('d:displayname') });
    expect(books.text).toContain('<D:displayname>Élèves</D:displayname>');
    expect((await h.request('DELETE', `/dav/addressbooks/${alice}/eleves/`, { as: alice })).status).toBe(204);
    expect((await h.request('PROPFIND', `/dav/addressbooks/${alice}/eleves/`, { as: alice, headers: { depth: '0' } })).status).toBe(404);
    // A calendar cannot be made in the address book home.
    expect((await h.request('MKCALENDAR', `/dav/addressbooks/${alice}/wrong/`, { as: alice })).status).toBe(403);
  });

  test('COPY and MOVE items between calendars, with Overwrite', async () => {
    await h.request('MKCALENDAR', `/dav/calendars/${alice}/archive/`, { as: alice });
    const src = `${cal()}move-me.ics`;
    expect((await h.request('PUT', src, { as: alice, body: ics('move-me@test'), headers: { 'content-type': 'text/calendar' } })).status).toBe(201);
    const dest = `/dav/calendars/${alice}/archive/moved.ics`;
    const copy = await h.request('COPY', src, { as: alice, headers: { destination: `${h.base}${dest}` } });
    expect(copy.status).toBe(201);
    expect((await h.request('COPY', src, { as: alice, headers: { destination: dest, overwrite: 'F' } })).status).toBe(412);
    expect((await h.request('DELETE', dest, { as: alice })).status).toBe(204);
    const move = await h.request('MOVE', src, { as: alice, headers: { destination: dest } });
    expect(move.status).toBe(201);
    expect((await h.request('GET', src, { as: alice })).status).toBe(404);
    expect((await h.request('GET', dest, { as: alice })).text).toContain('UID:move-me@test');
    // A rename inside one calendar keeps the UID.
    const renamed = await h.request('MOVE', dest, { as: alice, headers: { destination: `/dav/calendars/${alice}/archive/renamed.ics` } });
    expect(renamed.status).toBe(201);
    // Into someone else's calendar: as if it did not exist.
    const foreign = await h.request('COPY', `/dav/calendars/${alice}/archive/renamed.ics`, { as: alice, headers: { destination: `/dav/calendars/${bob}/default/x.ics` } });
    expect(foreign.status).toBe(409);
    expect((await h.request('GET', `/dav/calendars/${bob}/default/x.ics`, { as: bob })).status).toBe(404);
  });
});

describe('conditions and headers', () => {
  test('If-Match compares ETags strongly and takes a list (RFC 9110 §13.1.1)', async () => {
    await h.request('MKCALENDAR', `/dav/calendars/${alice}/if-match/`, { as: alice });
    const path = `/dav/calendars/${alice}/if-match/e.ics`;
    const copyTo = `/dav/calendars/${alice}/archive-if-match/`;
    await h.request('MKCALENDAR', copyTo, { as: alice });
    const type = { 'content-type': 'text/calendar' };
    const etag = (await h.request('PUT', path, { as: alice, body: ics('if-match@test'), headers: type })).headers.get('etag')!;
    const changed = ics('if-match@test', ['DTSTART:20261203T100000Z', 'DTEND:20261203T110000Z', 'SUMMARY:Changed']);
    // A weak tag never matches under the strong comparison, even with the right opaque value.
    expect((await h.request('PUT', path, { as: alice, body: changed, headers: { ...type, 'if-match': `W/${etag}` } })).status).toBe(412);
    expect((await h.request('DELETE', path, { as: alice, headers: { 'if-match': `W/${etag}` } })).status).toBe(412);
    expect((await h.request('COPY', path, { as: alice, headers: { 'if-match': `W/${etag}`, destination: `${copyTo}e.ics` } })).status).toBe(412);
    expect((await h.request('MOVE', path, { as: alice, headers: { 'if-match': `W/${etag}`, destination: `${copyTo}e.ics` } })).status).toBe(412);
    expect((await h.request('GET', path, { as: alice })).headers.get('etag')).toBe(etag);
    // A list matches when one of its tags does.
    expect((await h.request('PUT', path, { as: alice, body: changed, headers: { ...type, 'if-match': '"a", "b"' } })).status).toBe(412);
    const listed = await h.request('PUT', path, { as: alice, body: changed, headers: { ...type, 'if-match': `"other", ${etag}` } });
    expect(listed.status).toBe(204);
    const now = listed.headers.get('etag')!;
    expect((await h.request('COPY', path, { as: alice, headers: { 'if-match': `"x", ${now}`, destination: `${copyTo}e.ics` } })).status).toBe(201);
    expect((await h.request('DELETE', path, { as: alice, headers: { 'if-match': `"x",${now}` } })).status).toBe(204);
    // If-None-Match keeps the weak comparison (RFC 9110 §13.1.2).
    const copyEtag = (await h.request('GET', `${copyTo}e.ics`, { as: alice })).headers.get('etag')!;
    expect((await h.request('GET', `${copyTo}e.ics`, { as: alice, headers: { 'if-none-match': `"x", W/${copyEtag}` } })).status).toBe(304);
  });

  test('COPY and MOVE: Overwrite other than T or F is 400, a Destination on another server 502', async () => {
    const src = `${cal()}stays.ics`;
    expect((await h.request('PUT', src, { as: alice, body: ics('stays@test'), headers: { 'content-type': 'text/calendar' } })).status).toBe(201);
    await h.request('MKCALENDAR', `/dav/calendars/${alice}/elsewhere/`, { as: alice });
    const dest = `/dav/calendars/${alice}/elsewhere/stays.ics`;
    for (const method of ['COPY', 'MOVE']) {
      for (const overwrite of ['maybe', 'TF', '0']) {
        expect((await h.request(method, src, { as: alice, headers: { destination: dest, overwrite } })).status, `${method} Overwrite: ${overwrite}`).toBe(400);
      }
      for (const other of [`http://calendar.example.org${dest}`, `${h.base.replace('127.0.0.1', 'localhost')}${dest}`, `${h.base.replace(/:\d+$/, ':1')}${dest}`]) {
        expect((await h.request(method, src, { as: alice, headers: { destination: other } })).status, `${method} to ${other}`).toBe(502);
      }
    }
    expect((await h.request('GET', src, { as: alice })).status).toBe(200);
    expect((await h.request('GET', dest, { as: alice })).status).toBe(404);
    // The same server, spelt with its port or as a path, and a lower-case t.
    expect((await h.request('COPY', src, { as: alice, headers: { destination: `${h.base}${dest}`, overwrite: 't' } })).status).toBe(201);
    expect((await h.request('MOVE', src, { as: alice, headers: { destination: dest, overwrite: 'T' } })).status).toBe(204);
  });
});

describe('limits', () => {
  const update = (inner: string) => `<d:propertyupdate xmlns:d="DAV:" xmlns:x="urn:example:x">${inner}</d:propertyupdate>`;
  const set = (props: string) => update(`<d:set><d:prop>${props}</d:prop></d:set>`);
  const props = (n: number, from = 0, value = 'v') => Array.from({ length: n }, (_, i) => `<x:p${i + from}>${value}</x:p${i + from}>`).join('');
  const statuses = (text: string) => [...text.matchAll(/<D:status>HTTP\/1.1 (\d+)/g)].map((m) => Number(m[1]));
  const deadCount = async (slug: string, owner = alice) => {
    const user = await h.store.accounts.getUserByAddress(owner);
    return Object.keys((await h.store.dav.findCollection('user', user!.id, 'calendar', slug))!.props).length;
  };

  test('PROPPATCH past the dead-property limits: 507 for what it sets, 424 for the rest, nothing changed', async () => {
    const coll = `/dav/calendars/${alice}/props/`;
    expect((await h.request('MKCALENDAR', coll, { as: alice })).status).toBe(201);
    const tooMany = await h.request('PROPPATCH', coll, { as: alice, body: set(`<d:displayname>Props</d:displayname>${props(MAX_DEAD_PROPERTIES + 1)}`) });
    expect(tooMany.status).toBe(207);
    expect(new Set(statuses(tooMany.text))).toEqual(new Set([507, 424]));
    expect(tooMany.text).toMatch(/<D:prop><D:displayname\/><\/D:prop><D:status>HTTP\/1.1 424/);
    expect(await deadCount('props')).toBe(0);
    expect((await h.request('PROPFIND', coll, { as: alice, headers: { depth: '0' }, body: propfindBody('d:displayname') })).text).not.toContain('Props');

    expect(statuses((await h.request('PROPPATCH', coll, { as: alice, body: set(props(MAX_DEAD_PROPERTIES)) })).text)).toEqual([200]);
    expect(statuses((await h.request('PROPPATCH', coll, { as: alice, body: set(props(1, MAX_DEAD_PROPERTIES)) })).text)).toEqual([507]);
    // Replacing a value or removing one stays possible at the limit.
    expect(statuses((await h.request('PROPPATCH', coll, { as: alice, body: set(props(1, 0, 'w')) })).text)).toEqual([200]);
    expect(statuses((await h.request('PROPPATCH', coll, { as: alice, body: update('<d:remove><d:prop><x:p1/></d:prop></d:remove>') })).text)).toEqual([200]);
    expect(await deadCount('props')).toBe(MAX_DEAD_PROPERTIES - 1);
    // Size: one value larger than the whole allowance.
    const big = await h.request('PROPPATCH', coll, { as: alice, body: set(`<x:big>${'x'.repeat(MAX_DEAD_PROPERTY_BYTES)}</x:big>`) });
    expect(statuses(big.text)).toEqual([507]);
  });

  test('a collection already past the limits (from before them) may still shrink, not grow', async () => {
    const user = await h.store.accounts.getUserByAddress(alice);
    const coll = await h.store.dav.createCollection({
      ownerType: 'user', ownerId: user!.id, kind: 'calendar', slug: 'legacy', displayName: 'Legacy', description: '', color: null,
      components: ['VEVENT'], props: Object.fromEntries(Array.from({ length: MAX_DEAD_PROPERTIES + 50 }, (_, i) => [`{urn:example:x}p${i}`, 't:value'])),
    });
    const path = `/dav/calendars/${alice}/legacy/`;
    expect(statuses((await h.request('PROPPATCH', path, { as: alice, body: update('<d:remove><d:prop><x:p0/><x:p1/></d:prop></d:remove>') })).text)).toEqual([200]);
    expect(statuses((await h.request('PROPPATCH', path, { as: alice, body: set('<x:p2>v</x:p2><d:displayname>Renamed</d:displayname>') })).text)).toEqual([200]);
    expect(statuses((await h.request('PROPPATCH', path, { as: alice, body: set('<x:new>v</x:new>') })).text)).toEqual([507]);
    expect(Object.keys((await h.store.dav.getCollection(coll.id))!.props)).toHaveLength(MAX_DEAD_PROPERTIES + 48);
  });

  test('MKCALENDAR and MKCOL with more dead properties than a collection may hold are 507', async () => {
    const mk = await h.request('MKCALENDAR', `/dav/calendars/${alice}/crowded/`, {
      as: alice, body: `<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:x="urn:example:x"><d:set><d:prop>${props(MAX_DEAD_PROPERTIES + 1)}</d:prop></d:set></c:mkcalendar>`,
    });
    expect(mk.status).toBe(507);
    expect(mk.text).toContain('<D:quota-not-exceeded/>');
    const mkcol = await h.request('MKCOL', `/dav/addressbooks/${alice}/crowded/`, {
      as: alice, body: `<d:mkcol xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav" xmlns:x="urn:example:x"><d:set><d:prop><d:resourcetype><d:collection/><cr:addressbook/></d:resourcetype><x:big>${'x'.repeat(MAX_DEAD_PROPERTY_BYTES)}</x:big></d:prop></d:set></d:mkcol>`,
    });
    expect(mkcol.status).toBe(507);
    expect((await h.request('PROPFIND', `/dav/calendars/${alice}/crowded/`, { as: alice, headers: { depth: '0' } })).status).toBe(404);
    expect((await h.request('PROPFIND', `/dav/addressbooks/${alice}/crowded/`, { as: alice, headers: { depth: '0' } })).status).toBe(404);
  });

  test('a home holds at most MAX_COLLECTIONS_PER_HOME collections of its own: then 507 quota-not-exceeded', async () => {
    const carol = await h.user('carol');
    const user = await h.store.accounts.getUserByAddress(carol);
    const own = (await h.store.dav.listCollections('user', user!.id, 'calendar')).length;
    for (let i = own; i < MAX_COLLECTIONS_PER_HOME; i++) {
      await h.store.dav.createCollection({ ownerType: 'user', ownerId: user!.id, kind: 'calendar', slug: `c${i}`, displayName: `C${i}`, description: '', color: null, components: ['VEVENT'], props: {} });
    }
    const refused = await h.request('MKCALENDAR', `/dav/calendars/${carol}/one-more/`, { as: carol });
    expect(refused.status).toBe(507);
    expect(refused.text).toContain('<D:quota-not-exceeded/>');
    expect((await h.request('MKCOL', `/dav/calendars/${carol}/one-more/`, {
      as: carol, body: '<d:mkcol xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype></d:prop></d:set></d:mkcol>',
    })).status).toBe(507);
    // The address book home counts on its own.
    expect((await h.request('MKCOL', `/dav/addressbooks/${carol}/classes/`, {
      as: carol, body: '<d:mkcol xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype><d:collection/><cr:addressbook/></d:resourcetype></d:prop></d:set></d:mkcol>',
    })).status).toBe(201);
    expect((await h.request('DELETE', `/dav/calendars/${carol}/c${MAX_COLLECTIONS_PER_HOME - 1}/`, { as: carol })).status).toBe(204);
    expect((await h.request('MKCALENDAR', `/dav/calendars/${carol}/one-more/`, { as: carol })).status).toBe(201);
  });
});

describe('access between users', () => {
  test("another user's principal, homes, collections and items are 404, like what does not exist", async () => {
    const item = `${cal()}private.ics`;
    expect((await h.request('PUT', item, { as: alice, body: ics('private@test'), headers: { 'content-type': 'text/calendar' } })).status).toBe(201);
    const ghost = `nobody@${DOMAIN}`;
    for (const [method, path] of [
      ['PROPFIND', `/dav/principals/${alice}/`], ['PROPFIND', `/dav/calendars/${alice}/`], ['PROPFIND', cal()],
      ['GET', item], ['DELETE', item], ['PROPFIND', `/dav/addressbooks/${alice}/default/`],
    ] as const) {
      const probe = await h.request(method, path, { as: bob, headers: { depth: '0' } });
      const none = await h.request(method, path.replace(alice, ghost), { as: bob, headers: { depth: '0' } });
      expect(probe.status, `${method} ${path}`).toBe(404);
      expect(none.status).toBe(404);
      expect(probe.text).toBe(none.text);
    }
    const put = await h.request('PUT', `${cal()}intrusion.ics`, { as: bob, body: ics('intrusion@test'), headers: { 'content-type': 'text/calendar' } });
    expect(put.status).toBe(404);
    expect((await h.request('PROPPATCH', cal(), { as: bob, body: '<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>pwned</d:displayname></d:prop></d:set></d:propertyupdate>' })).status).toBe(404);
    expect((await h.request('MKCALENDAR', `/dav/calendars/${alice}/new/`, { as: bob })).status).toBe(404);
    expect((await h.request('GET', item, { as: alice })).status).toBe(200);
  });
});
