// tsdav (npm), the library web and Electron calendar apps use: discovery from the server
// root through /.well-known, calendars and address books, CRUD, time-range queries,
// sync-collection.
import { createDAVClient } from 'tsdav';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ics, PASSWORD, startDav, vcard, type DavHarness } from './harness.js';

let h: DavHarness;
let user: string;

beforeAll(async () => {
  h = await startDav();
  user = await h.user('tsdav', { displayName: 'Tsdav User' });
});
afterAll(async () => { await h?.stop(); });

const client = (type: 'caldav' | 'carddav') => createDAVClient({
  serverUrl: h.base, credentials: { username: user, password: PASSWORD }, authMethod: 'Basic', defaultAccountType: type,
});

test('calendars: discovery, create, query by time range, update, sync, delete', async () => {
  const c = await client('caldav');
  const calendars = await c.fetchCalendars();
  const agenda = calendars.find((x) => x.displayName === 'Agenda');
  expect(agenda, JSON.stringify(calendars.map((x) => x.url))).toBeDefined();
  expect(agenda!.components).toEqual(expect.arrayContaining(['VEVENT', 'VTODO']));

  const created = await c.createCalendarObject({ calendar: agenda!, filename: 'ts-1.ics', iCalString: ics('ts-1@test') });
  expect(created.status).toBe(201);
  await c.createCalendarObject({ calendar: agenda!, filename: 'ts-2.ics', iCalString: ics('ts-2@test', ['DTSTART:20270115T100000Z', 'DTEND:20270115T110000Z', 'SUMMARY:Janvier']) });

  const december = await c.fetchCalendarObjects({ calendar: agenda!, timeRange: { start: '2026-12-01T00:00:00Z', end: '2027-01-01T00:00:00Z' } });
  expect(december.map((o) => o.url.split('/').pop())).toEqual(['ts-1.ics']);
  const all = await c.fetchCalendarObjects({ calendar: agenda! });
  expect(all).toHaveLength(2);

  const first = all.find((o) => o.url.endsWith('ts-1.ics'))!;
  const token = (await c.fetchCalendars()).find((x) => x.url === agenda!.url)!.syncToken as string;
  const updated = await c.updateCalendarObject({ calendarObject: { ...first, data: ics('ts-1@test', ['DTSTART:20261210T100000Z', 'SUMMARY:Déplacé']) } });
  expect(updated.ok).toBe(true);
  const stale = await c.updateCalendarObject({ calendarObject: { ...first, data: ics('ts-1@test', ['DTSTART:20261211T100000Z']) } });
  expect(stale.status).toBe(412);

  const changes = await c.syncCollection({ url: agenda!.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: token });
  expect(changes.filter((r) => r.href?.endsWith('.ics')).map((r) => r.href!.split('/').pop())).toEqual(['ts-1.ics']);

  const del = await c.deleteCalendarObject({ calendarObject: all.find((o) => o.url.endsWith('ts-2.ics'))! });
  expect(del.ok).toBe(true);
  expect(await c.fetchCalendarObjects({ calendar: agenda! })).toHaveLength(1);
});

test('address books: discovery, the directory, create and read vCards', async () => {
  const c = await client('carddav');
  const books = await c.fetchAddressBooks();
  const names = books.map((b) => b.displayName);
  expect(names).toEqual(expect.arrayContaining(['Contacts', 'Directory']));
  const contacts = books.find((b) => b.displayName === 'Contacts')!;
  const made = await c.createVCard({ addressBook: contacts, filename: 'jean.vcf', vCardString: vcard('jean@test', 'Jean Valjean', 'jean@example.org') });
  expect(made.status).toBe(201);
  const cards = await c.fetchVCards({ addressBook: contacts });
  expect(cards.map((x) => x.data)).toEqual([expect.stringContaining('FN:Jean Valjean')]);
  const directory = await c.fetchVCards({ addressBook: books.find((b) => b.displayName === 'Directory')! });
  expect(directory.some((x) => String(x.data).includes('FN:Tsdav User'))).toBe(true);
});
