// Invitations by mail for events organizers save over CalDAV (iMIP, RFC 6047; RFC 6638 §3.2):
// REQUEST on a new or significantly changed event, CANCEL to attendees taken off and to all
// when the event is deleted, nothing for answers-only changes nor for attendees' own copies.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { folder } from '../smtp/harness.js';
import { ics, startDav, type DavHarness } from './harness.js';

let h: DavHarness;
let alice: string;
let bob: string;
let carol: string;
const event = (path: string) => `/dav/calendars/${alice}/default/${path}`;

beforeAll(async () => {
  h = await startDav({ FACTEUR_OUTBOUND_ENABLED: 'false' });
  alice = await h.user('alice', { displayName: 'Alice Martin' });
  bob = await h.user('bob');
  carol = await h.user('carol');
});
afterAll(async () => {
  await h?.stop();
});

function meeting(attendees: string[], start = '20261210T100000Z', extra: string[] = []): string {
  return ics('conseil@test', [
    `DTSTART:${start}`, 'DURATION:PT1H', 'SUMMARY:Conseil de classe',
    `ORGANIZER;CN=Alice Martin:mailto:${alice}`,
    ...attendees.map((a) => `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${a}`),
    ...extra,
  ]);
}

async function itipMails(address: string): Promise<{ method: string; raw: string }[]> {
  const mails = await folder(h.store, address);
  return mails.map((m) => ({ method: /^METHOD:(\w+)/m.exec(m.raw)?.[1] ?? '', raw: m.raw })).filter((m) => m.method !== '');
}

async function put(body: string, status: number) {
  const r = await h.request('PUT', event('conseil.ics'), { as: alice, body, headers: { 'content-type': 'text/calendar' } });
  expect(r.status, r.text).toBe(status);
}

describe('iMIP from CalDAV', () => {
  test('the DAV header tells clients the server sends the invitations', async () => {
    const r = await h.request('OPTIONS', `/dav/calendars/${alice}/default/`, { as: alice });
    expect(r.headers.get('dav')).toContain('calendar-auto-schedule');
  });

  test('a new event sends REQUEST to each attendee, from the organizer, DKIM path and all', async () => {
    await put(meeting([bob, carol]), 201);
    for (const who of [bob, carol]) {
      const mails = await itipMails(who);
      expect(mails.map((m) => m.method)).toEqual(['REQUEST']);
      expect(mails[0].raw).toMatch(/^From: Alice Martin <alice@ecole\.test>/m);
      expect(mails[0].raw).toContain('UID:conseil@test');
      expect(mails[0].raw).toMatch(/Content-Type: text\/calendar; charset=utf-8; method=REQUEST/i);
    }
    expect(await itipMails(alice)).toHaveLength(0);
  });

  test('an answer-only change (PARTSTAT) sends nothing', async () => {
    await put(meeting([bob, carol]).replace(`PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${bob}`, `PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:${bob}`), 204);
    expect(await itipMails(bob)).toHaveLength(1);
    expect(await itipMails(carol)).toHaveLength(1);
  });

  test('a new time with an attendee taken off: REQUEST to those left, CANCEL to the one removed', async () => {
    await put(meeting([bob], '20261211T100000Z', ['SEQUENCE:1']), 204);
    expect((await itipMails(bob)).map((m) => m.method)).toEqual(['REQUEST', 'REQUEST']);
    expect((await itipMails(bob))[1].raw).toContain('DTSTART:20261211T100000Z');
    expect((await itipMails(carol)).map((m) => m.method)).toEqual(['REQUEST', 'CANCEL']);
  });

  test('deleting the event sends CANCEL to the attendees', async () => {
    const r = await h.request('DELETE', event('conseil.ics'), { as: alice });
    expect(r.status).toBe(204);
    expect((await itipMails(bob)).map((m) => m.method)).toEqual(['REQUEST', 'REQUEST', 'CANCEL']);
    expect((await itipMails(carol)).map((m) => m.method)).toEqual(['REQUEST', 'CANCEL']);
  });

  test('an attendee saving their own copy sends nothing; SCHEDULE-AGENT=CLIENT is left to the client', async () => {
    const copy = meeting([bob]);
    const r = await h.request('PUT', `/dav/calendars/${bob}/default/copy.ics`, { as: bob, body: copy, headers: { 'content-type': 'text/calendar' } });
    expect(r.status).toBe(201);
    const clientScheduled = ics('client@test', ['DTSTART:20261212T100000Z', 'DURATION:PT1H', 'SUMMARY:Sortie',
      `ORGANIZER:mailto:${alice}`, `ATTENDEE;SCHEDULE-AGENT=CLIENT:mailto:${carol}`]);
    const r2 = await h.request('PUT', event('client.ics'), { as: alice, body: clientScheduled, headers: { 'content-type': 'text/calendar' } });
    expect(r2.status).toBe(201);
    expect(await itipMails(alice)).toHaveLength(0);
    expect(await itipMails(carol)).toHaveLength(2);
  });
});
