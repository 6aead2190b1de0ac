// DAV figures from the issue, over HTTP against the real server on 127.0.0.1:
//  - calendar of N events (10% weekly recurring): calendar-query for one month (target <= 100 ms),
//    calendar-multiget of 500 items (<= 100 ms);
//  - sync-collection after one change in that calendar (<= 20 ms);
//  - the directory address book with D entries: addressbook-query by name prefix (<= 100 ms).
//   node --import tsx bench/dav.ts [--events 10000] [--directory 100000]
import { parseCalendarObject } from '../core/calendar/index.js';
import { startTestServer } from '../tests/server-harness.js';
import { machineLine } from './machine.js';

const arg = (name: string, def: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const EVENTS = arg('--events', 10_000);
const DIRECTORY = arg('--directory', 100_000);
const RUNS = 9;

const t = await startTestServer({ name: 'bench-dav' });
try {
  await t.accounts.addDomain('ecole.test');
  const password = 'bench password';
  const user = await t.accounts.createUser({ address: 'bench@ecole.test', password });
  const auth = { authorization: `Basic ${Buffer.from(`bench@ecole.test:${password}`).toString('base64')}` };
  const base = `http://127.0.0.1:${t.port('http')}`;
  const calUrl = '/dav/calendars/bench@ecole.test/default/';
  const cal = (await t.store.dav.findCollection('user', user.id, 'calendar', 'default'))!;

  const pad = (n: number) => String(n).padStart(2, '0');
  let loaded = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    // Spread over 2026-2027, 1 to 3 hours, some weekly for 20 weeks.
    const day = new Date(Date.UTC(2026, 0, 1) + (i % 730) * 86400_000);
    const stamp = `${day.getUTCFullYear()}${pad(day.getUTCMonth() + 1)}${pad(day.getUTCDate())}T${pad(8 + (i % 9))}0000Z`;
    const end = `${stamp.slice(0, 9)}${pad(9 + (i % 9))}0000Z`;
    const data = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//bench//EN', 'BEGIN:VEVENT', `UID:ev-${i}@bench`, 'DTSTAMP:20260101T000000Z',
      `DTSTART:${stamp}`, `DTEND:${end}`, ...(i % 10 === 0 ? ['RRULE:FREQ=WEEKLY;COUNT=20'] : []), `SUMMARY:Cours ${i}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    const p = parseCalendarObject(data);
    await t.store.dav.putItem(cal.id, { name: `ev-${i}.ics`, uid: p.uid, data, componentType: p.componentType, firstStart: p.firstStart, lastEnd: p.lastEnd });
  }
  const eventsMs = performance.now() - loaded;

  const time = async (label: string, target: number, f: () => Promise<Response>, check: (text: string) => string, before?: () => Promise<void>) => {
    const samples: number[] = [];
    let info = '';
    for (let i = 0; i < RUNS; i++) {
      await before?.();
      const s = performance.now();
      const res = await f();
      const text = await res.text();
      samples.push(performance.now() - s);
      if (res.status >= 300) throw new Error(`${label}: HTTP ${res.status} ${text.slice(0, 200)}`);
      info = check(text);
    }
    samples.sort((a, b) => a - b);
    const goal = target > 0 ? `, target <= ${target} ms` : '';
    console.log(`${label.padEnd(48)} median ${samples[RUNS >> 1].toFixed(1).padStart(7)} ms  (min ${samples[0].toFixed(1)}${goal})  ${info}`);
  };
  const report = (url: string, body: string, depth = '1') => fetch(`${base}${url}`, { method: 'REPORT', headers: { ...auth, depth, 'content-type': 'application/xml' }, body });
  const count = (text: string) => `${(text.match(/<D:response>/g) ?? []).length} responses`;

  console.log(`DAV benchmark  ${machineLine()}`);
  await time('baseline: PROPFIND depth 0 (auth + HTTP)', 0, () => fetch(`${base}${calUrl}`, { method: 'PROPFIND', headers: { ...auth, depth: '0' } }), () => '');
  console.log(`loaded ${EVENTS} events (10% weekly recurring) through the store in ${(eventsMs / 1000).toFixed(1)} s`);
  await time(`calendar-query, one month of ${EVENTS} events`, 100, () => report(calUrl, `<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20260301T000000Z" end="20260401T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`), count);
  const hrefs = Array.from({ length: 500 }, (_, i) => `<d:href>${calUrl}ev-${i * 7}.ics</d:href>`).join('');
  await time('calendar-multiget, 500 items', 100, () => report(calUrl, `<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>${hrefs}</c:calendar-multiget>`), count);
  const syncBody = (token: string) => `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
  let token = '';
  await time(`sync-collection after one change (${EVENTS} items)`, 20, () => report(calUrl, syncBody(token), '0'), count, async () => {
    const c = (await t.store.dav.getCollection(cal.id))!;
    token = `urn:x-facteur:sync:${c.id}:${c.syncToken}`;
    const item = (await t.store.dav.getItem(cal.id, 'ev-1.ics'))!;
    await t.store.dav.putItem(cal.id, { ...item, data: item.data.replace(/SUMMARY:[^\r]*/, `SUMMARY:Changed ${Date.now()}`) });
  });

  loaded = performance.now();
  const users = [];
  for (let i = 0; i < DIRECTORY; i++) {
    users.push({ address: `u${i}@ecole.test`, displayName: `${['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert'][i % 5]} ${i}`, passwordHash: null, quotaBytes: 0, role: 'user' as const, unit: null, enabled: true });
  }
  for (const u of users) await t.store.accounts.createUser(u);
  const usersMs = performance.now() - loaded;
  loaded = performance.now();
  const first = await report('/dav/addressbooks/bench@ecole.test/directory/', '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>');
  await first.text();
  console.log(`directory: ${DIRECTORY} users created in ${(usersMs / 1000).toFixed(1)} s, cards written and first sync in ${((performance.now() - loaded) / 1000).toFixed(1)} s`);
  await time(`addressbook-query by name prefix, ${DIRECTORY} cards`, 100, () => report('/dav/addressbooks/bench@ecole.test/directory/', `<cr:addressbook-query xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/></d:prop><cr:filter><cr:prop-filter name="FN"><cr:text-match collation="i;unicode-casemap" match-type="starts-with">dubois 12</cr:text-match></cr:prop-filter></cr:filter></cr:addressbook-query>`), count);
} finally {
  await t.stop();
}
