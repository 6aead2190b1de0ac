// CalDAV and CardDAV reports over raw HTTP: calendar-query on a recurring event across a DST
// change, multiget, expand, free-busy; addressbook-query and multiget; sync-collection.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_REPORT_INSTANCES } from '../../dav/index.js';
import { ics, startDav, vcard, type DavHarness } from './harness.js';

let h: DavHarness;
let alice: string;
const cal = () => `/dav/calendars/${alice}/default/`;
const book = () => `/dav/addressbooks/${alice}/default/`;
const NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cr="urn:ietf:params:xml:ns:carddav"';

// Weekly on Mondays 09:00 Paris time from 2026-10-05, 10 times, across the end of summer time
// (2026-10-25): the 19 Oct instance is moved to 14:00, the 2 Nov one is cancelled.
const PARIS = [
  'BEGIN:VTIMEZONE', 'TZID:Europe/Paris',
  'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'TZNAME:CEST', 'DTSTART:19700329T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT',
  'BEGIN:STANDARD', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'TZNAME:CET', 'DTSTART:19701025T030000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD',
  'END:VTIMEZONE',
];
const weekly = [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Facteur tests//EN', ...PARIS,
  'BEGIN:VEVENT', 'UID:weekly@test', 'DTSTAMP:20260101T000000Z', 'SUMMARY:Réunion pédagogique',
  'DTSTART;TZID=Europe/Paris:20261005T090000', 'DTEND;TZID=Europe/Paris:20261005T100000',
  'RRULE:FREQ=WEEKLY;COUNT=10', 'EXDATE;TZID=Europe/Paris:20261102T090000', 'END:VEVENT',
  'BEGIN:VEVENT', 'UID:weekly@test', 'DTSTAMP:20260101T000000Z', 'SUMMARY:Réunion déplacée',
  'RECURRENCE-ID;TZID=Europe/Paris:20261019T090000',
  'DTSTART;TZID=Europe/Paris:20261019T140000', 'DTEND;TZID=Europe/Paris:20261019T150000', 'END:VEVENT',
  'END:VCALENDAR', '',
].join('\r\n');

const query = (start: string, end: string, extra = '') => `<c:calendar-query ${NS}><d:prop><d:getetag/>${extra}</d:prop>
  <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${start}" end="${end}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;

async function put(path: string, body: string, type = 'text/calendar') {
  const r = await h.request('PUT', path, { as: alice, body, headers: { 'content-type': type } });
  expect(r.status, r.text).toBe(201);
  return r.headers.get('etag')!;
}

beforeAll(async () => {
  h = await startDav();
  alice = await h.user('alice');
  await put(`${cal()}weekly.ics`, weekly);
  await put(`${cal()}dec.ics`, ics('dec@test'));
});
afterAll(async () => { await h?.stop(); });

describe('calendar-query with a recurring event', () => {
  test.each([
    // 12 Oct 07:00Z = 09:00 CEST: an ordinary instance before the DST change.
    ['20261012T065000Z', '20261012T071000Z', true],
    // 19 Oct 07:00Z was moved away by the override...
    ['20261019T065000Z', '20261019T071000Z', false],
    // ...to 14:00 CEST = 12:00Z.
    ['20261019T115000Z', '20261019T121000Z', true],
    // After the change 09:00 CET is 08:00Z, not 07:00Z.
    ['20261026T065000Z', '20261026T071000Z', false],
    ['20261026T075000Z', '20261026T081000Z', true],
    // 2 Nov is an EXDATE.
    ['20261102T075000Z', '20261102T081000Z', false],
    // The last of 10 instances is 7 Dec; 14 Dec is past the COUNT.
    ['20261207T075000Z', '20261207T081000Z', true],
    ['20261214T075000Z', '20261214T081000Z', false],
  ])('%s..%s matches: %s', async (start, end, expected) => {
    const r = await h.request('REPORT', cal(), { as: alice, headers: { depth: '1' }, body: query(start, end) });
    expect(r.status).toBe(207);
    expect(r.text.includes('weekly.ics')).toBe(expected);
    expect(r.text).not.toContain('dec.ics');
  });

  test('a month returns both events with their data; a text-match narrows', async () => {
    const r = await h.request('REPORT', cal(), { as: alice, headers: { depth: '1' }, body: query('20261201T000000Z', '20270101T000000Z', '<c:calendar-data/>') });
    expect(r.text).toContain('weekly.ics');
    expect(r.text).toContain('dec.ics');
    expect(r.text).toContain('UID:dec@test');
    const text = `<c:calendar-query ${NS}><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
      <c:prop-filter name="SUMMARY"><c:text-match collation="i;unicode-casemap">conseil</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;
    const t = await h.request('REPORT', cal(), { as: alice, headers: { depth: '1' }, body: text });
    expect(t.text).toContain('dec.ics');
    expect(t.text).not.toContain('weekly.ics');
  });

  test('an unknown collation is supported-collation; a bad time-range valid-filter', async () => {
    const r = await h.request('REPORT', cal(), { as: alice, body: query('2026', '20270101T000000Z') });
    expect(r.status).toBe(403);
    expect(r.text).toContain('<C:valid-filter/>');
    const c = await h.request('REPORT', cal(), { as: alice, body: `<c:calendar-query ${NS}><d:prop/><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY"><c:text-match collation="i;klingon">x</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>` });
    expect(c.status).toBe(403);
    expect(c.text).toContain('<C:supported-collation/>');
  });

  test('expand returns the instances of the range in UTC', async () => {
    const body = `<c:calendar-multiget ${NS}><d:prop><c:calendar-data><c:expand start="20261019T000000Z" end="20261027T000000Z"/></c:calendar-data></d:prop><d:href>${cal()}weekly.ics</d:href></c:calendar-multiget>`;
    const r = await h.request('REPORT', cal(), { as: alice, body });
    expect(r.status).toBe(207);
    expect(r.text).toContain('DTSTART:20261019T120000Z');
    expect(r.text).toContain('DTSTART:20261026T080000Z');
    expect(r.text).not.toContain('RRULE');
  });

  test('calendar-multiget answers each href, 404 for unknown ones', async () => {
    const body = `<c:calendar-multiget ${NS}><d:prop><d:getetag/><c:calendar-data/></d:prop><d:href>${cal()}dec.ics</d:href><d:href>${cal()}missing.ics</d:href></c:calendar-multiget>`;
    const r = await h.request('REPORT', cal(), { as: alice, body });
    expect(r.status).toBe(207);
    expect(r.text).toContain('UID:dec@test');
    expect(r.text).toMatch(/missing\.ics<\/D:href><D:status>HTTP\/1.1 404/);
  });

  test('calendar-multiget answers in the order of the hrefs; another user\'s item, an address book\'s or a bad href is 404', async () => {
    const bob = await h.user('bob.multiget');
    const bobs = `/dav/calendars/${bob}/default/b.ics`;
    expect((await h.request('PUT', bobs, { as: bob, body: ics('b@test'), headers: { 'content-type': 'text/calendar' } })).status).toBe(201);
    const hrefs = [`${h.base}${cal()}weekly.ics`, bobs, `${book()}x.vcf`, 'http://[bad', `${cal()}dec.ics`, `${cal()}missing.ics`];
    const body = `<c:calendar-multiget ${NS}><d:prop><d:getetag/><c:calendar-data/></d:prop>${hrefs.map((x) => `<d:href>${x}</d:href>`).join('')}</c:calendar-multiget>`;
    const r = await h.request('REPORT', cal(), { as: alice, body });
    expect(r.status).toBe(207);
    const responses = [...r.text.matchAll(/<D:response><D:href>([^<]*)<\/D:href>(.*?)<\/D:response>/gs)].map((m) => [m[1], m[2].includes('404') ? 404 : 200]);
    expect(responses).toEqual([[`${cal()}weekly.ics`, 200], [bobs, 404], [`${book()}x.vcf`, 404], ['http://[bad', 404], [`${cal()}dec.ics`, 200], [`${cal()}missing.ics`, 404]]);
    expect(r.text).toContain('UID:weekly@test');
    expect(r.text).not.toContain('UID:b@test');
  });

  test('free-busy-query returns the busy periods of the range', async () => {
    const body = `<c:free-busy-query ${NS}><c:time-range start="20261201T000000Z" end="20261202T000000Z"/></c:free-busy-query>`;
    const r = await h.request('REPORT', cal(), { as: alice, body });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/calendar/);
    expect(r.text).toContain('BEGIN:VFREEBUSY');
    expect(r.text).toMatch(/FREEBUSY[^:]*:20261201T100000Z\/(20261201T110000Z|PT1H)/);
  });

  test('an unsupported report is 403 supported-report', async () => {
    const r = await h.request('REPORT', cal(), { as: alice, body: '<d:expand-property xmlns:d="DAV:"/>' });
    expect(r.status).toBe(403);
    expect(r.text).toContain('<D:supported-report/>');
  });
});

describe('instances one REPORT may hand out', () => {
  // Every second from 1 Dec 2026 10:00Z: the series alone fills MAX_REPORT_INSTANCES (the
  // per-series cap is as large), so one more event in the range goes past it.
  const coll = () => `/dav/calendars/${alice}/storm/`;
  const expandQuery = (start: string, end: string) => `<c:calendar-query ${NS}><d:prop><d:getetag/><c:calendar-data><c:expand start="${start}" end="${end}"/></c:calendar-data></d:prop>
    <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${start}" end="${end}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;
  const freeBusyQuery = (start: string, end: string) => `<c:free-busy-query ${NS}><c:time-range start="${start}" end="${end}"/></c:free-busy-query>`;

  beforeAll(async () => {
    expect((await h.request('MKCALENDAR', coll(), { as: alice })).status).toBe(201);
    await put(`${coll()}storm.ics`, ics('storm@test', ['DTSTART:20261201T100000Z', 'DTEND:20261201T100001Z', 'RRULE:FREQ=SECONDLY;COUNT=999999999', 'SUMMARY:storm']));
    await put(`${coll()}other.ics`, ics('other@test', ['DTSTART:20261215T100000Z', 'DTEND:20261215T110000Z', 'SUMMARY:other']));
  });

  test('expand past the limit is 403 number-of-matches-within-limits, in a query or a multiget', async () => {
    const all = await h.request('REPORT', coll(), { as: alice, headers: { depth: '1' }, body: expandQuery('00010101T000000Z', '99991231T000000Z') });
    expect(all.status).toBe(403);
    expect(all.text).toContain('<D:number-of-matches-within-limits/>');
    const multiget = `<c:calendar-multiget ${NS}><d:prop><c:calendar-data><c:expand start="20260101T000000Z" end="20270101T000000Z"/></c:calendar-data></d:prop>
      <d:href>${coll()}storm.ics</d:href><d:href>${coll()}other.ics</d:href></c:calendar-multiget>`;
    const r = await h.request('REPORT', coll(), { as: alice, body: multiget });
    expect(r.status).toBe(403);
    expect(r.text).toContain('<D:number-of-matches-within-limits/>');
    // Each alone is within the limit.
    const one = await h.request('REPORT', coll(), { as: alice, body: multiget.replace(/<d:href>[^<]*other\.ics<\/d:href>/, '') });
    expect(one.status).toBe(207);
    expect(one.text.match(/BEGIN:VEVENT/g)).toHaveLength(MAX_REPORT_INSTANCES);
  });

  test('expand over a range of ordinary size still answers every instance', async () => {
    const r = await h.request('REPORT', coll(), { as: alice, headers: { depth: '1' }, body: expandQuery('20261201T100000Z', '20261201T100100Z') });
    expect(r.status).toBe(207);
    expect(r.text.match(/BEGIN:VEVENT/g)).toHaveLength(60);
    expect(r.text).not.toContain('other.ics');
  });

  test('free-busy past the limit is 403 number-of-matches-within-limits; a day is answered', async () => {
    const all = await h.request('REPORT', coll(), { as: alice, body: freeBusyQuery('20260101T000000Z', '20270101T000000Z') });
    expect(all.status).toBe(403);
    expect(all.text).toContain('<D:number-of-matches-within-limits/>');
    const day = await h.request('REPORT', coll(), { as: alice, body: freeBusyQuery('20261215T000000Z', '20261216T000000Z') });
    expect(day.status).toBe(200);
    expect(day.text).toContain('FREEBUSY:20261215T100000Z/20261215T110000Z');
  });
});

describe('CardDAV reports', () => {
  beforeAll(async () => {
    await put(`${book()}paul.vcf`, vcard('paul@test', 'Paul Durand', 'paul.durand@example.org'), 'text/vcard');
    await put(`${book()}anne.vcf`, vcard('anne@test', 'Anne Petit', 'anne.petit@example.org', '4.0'), 'text/vcard');
  });

  test('addressbook-query by name prefix and by email', async () => {
    const q = (prop: string, type: string, value: string) => `<cr:addressbook-query ${NS}><d:prop><d:getetag/><cr:address-data/></d:prop>
      <cr:filter><cr:prop-filter name="${prop}"><cr:text-match collation="i;unicode-casemap" match-type="${type}">${value}</cr:text-match></cr:prop-filter></cr:filter></cr:addressbook-query>`;
    const byName = await h.request('REPORT', book(), { as: alice, headers: { depth: '1' }, body: q('FN', 'starts-with', 'pau') });
    expect(byName.status).toBe(207);
    expect(byName.text).toContain('paul.vcf');
    expect(byName.text).toContain('FN:Paul Durand');
    expect(byName.text).not.toContain('anne.vcf');
    const byMail = await h.request('REPORT', book(), { as: alice, headers: { depth: '1' }, body: q('EMAIL', 'contains', 'petit@') });
    expect(byMail.text).toContain('anne.vcf');
    expect(byMail.text).not.toContain('paul.vcf');
  });

  test('text-match without a collation compares as i;unicode-casemap (RFC 6352 §10.5.4): accents and case folded', async () => {
    await put(`${book()}elodie.vcf`, vcard('elodie@test', 'Élodie Bérard', 'elodie.berard@example.org'), 'text/vcard');
    const body = `<cr:addressbook-query ${NS}><d:prop><d:getetag/></d:prop>
      <cr:filter><cr:prop-filter name="FN"><cr:text-match match-type="starts-with">élodie</cr:text-match></cr:prop-filter></cr:filter></cr:addressbook-query>`;
    const r = await h.request('REPORT', book(), { as: alice, headers: { depth: '1' }, body });
    expect(r.status).toBe(207);
    expect(r.text).toContain('elodie.vcf');
    expect(r.text).not.toContain('paul.vcf');
  });

  test('addressbook-multiget', async () => {
    const body = `<cr:addressbook-multiget ${NS}><d:prop><cr:address-data/></d:prop><d:href>${book()}anne.vcf</d:href></cr:addressbook-multiget>`;
    const r = await h.request('REPORT', book(), { as: alice, body });
    expect(r.text).toContain('FN:Anne Petit');
  });
});

describe('sync-collection', () => {
  const sync = (token: string) => `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
  const tokenOf = (text: string) => /<D:sync-token>([^<]+)<\/D:sync-token>\s*<\/D:multistatus>/.exec(text)![1];

  test('initial sync, then only what changed, deletions as 404', async () => {
    await h.request('MKCALENDAR', `/dav/calendars/${alice}/sync/`, { as: alice });
    const coll = `/dav/calendars/${alice}/sync/`;
    await put(`${coll}a.ics`, ics('a@test'));
    await put(`${coll}b.ics`, ics('b@test'));
    const first = await h.request('REPORT', coll, { as: alice, body: sync('') });
    expect(first.status).toBe(207);
    expect(first.text).toContain('a.ics');
    expect(first.text).toContain('b.ics');
    const t1 = tokenOf(first.text);
    const none = await h.request('REPORT', coll, { as: alice, body: sync(t1) });
    expect(none.text).not.toContain('.ics');
    expect(tokenOf(none.text)).toBe(t1);

    await put(`${coll}c.ics`, ics('c@test'));
    expect((await h.request('DELETE', `${coll}a.ics`, { as: alice })).status).toBe(204);
    const second = await h.request('REPORT', coll, { as: alice, body: sync(t1) });
    expect(second.text).toContain('c.ics</D:href><D:propstat>');
    expect(second.text).toMatch(/a\.ics<\/D:href><D:status>HTTP\/1.1 404/);
    expect(second.text).not.toContain('b.ics');
    expect(tokenOf(second.text)).not.toBe(t1);
  });

  test('a token from another collection or made up is 403 valid-sync-token', async () => {
    const other = await h.request('REPORT', cal(), { as: alice, body: sync('') });
    const token = tokenOf(other.text);
    for (const bad of [token, 'urn:x-facteur:sync:nope:1', 'garbage', token.replace(/:\d+$/, ':999999')]) {
      const r = await h.request('REPORT', `/dav/calendars/${alice}/sync/`, { as: alice, body: sync(bad) });
      expect(r.status, bad).toBe(403);
      expect(r.text).toContain('<D:valid-sync-token/>');
    }
  });
});
