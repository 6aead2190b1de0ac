// The agenda part of the webmail API against the real server: calendars (own and groups'),
// events in a range with recurrences, create/move/delete, invitations by mail and answers.
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../server-harness.js';
import { eventually, WebClient } from './api-client.js';
import { ALICE, BOB, DOMAIN, provision } from './api-fixtures.js';

let t: TestServer;
let base: string;
let alice: WebClient;
let bob: WebClient;
let aliceCal: string;
let groupCal: string;

beforeAll(async () => {
  t = await startTestServer({ name: 'webmail-agenda', zone: '', env: { FACTEUR_OUTBOUND_ENABLED: 'false', FACTEUR_SHUTDOWN_TIMEOUT_SECONDS: '60' } });
  base = `http://127.0.0.1:${t.port('http')}`;
  await provision(t);
  await t.accounts.createGroup({ address: `maths@${DOMAIN}`, displayName: 'Équipe de maths', members: [ALICE] });
  alice = new WebClient(base);
  bob = new WebClient(base);
  await alice.login(ALICE, TEST_PASSWORD);
  await bob.login(BOB, TEST_PASSWORD);
}, 30_000);

afterAll(async () => {
  await t?.stop();
});

async function inboxOf(client: WebClient) {
  const boxes = (await client.get('/api/mailboxes')).body.mailboxes;
  const inbox = boxes.find((m: any) => m.name === 'INBOX');
  return { id: inbox.id as string, messages: (await client.get(`/api/mailboxes/${inbox.id}/messages`)).body.messages as any[] };
}

describe('agenda', () => {
  it("lists the user's calendars and their groups', and no one else's", async () => {
    const r = await alice.get('/api/calendars');
    expect(r.status).toBe(200);
    expect(r.body.calendars).toEqual([
      { id: expect.any(String), name: 'Agenda', color: null, owner: 'user', group: null },
      { id: expect.any(String), name: 'Équipe de maths', color: null, owner: 'group', group: { address: `maths@${DOMAIN}`, name: 'Équipe de maths' } },
    ]);
    aliceCal = r.body.calendars[0].id;
    groupCal = r.body.calendars[1].id;
    expect((await bob.get('/api/calendars')).body.calendars.map((c: any) => c.id)).not.toContain(groupCal);
    const range = 'start=2026-03-01T00:00:00Z&end=2026-04-01T00:00:00Z';
    expect((await bob.get(`/api/calendars/${aliceCal}/events?${range}`)).status).toBe(404);
    expect((await bob.get(`/api/calendars/${groupCal}/events?${range}`)).status).toBe(404);
    expect((await bob.post(`/api/calendars/${aliceCal}/events`, { summary: 'intrus', start: '2026-03-02T10:00:00Z' })).status).toBe(404);
  });

  it('creates, moves and deletes events; what CalDAV stored shows too, recurrences expanded', async () => {
    const created = await alice.post(`/api/calendars/${aliceCal}/events`, {
      summary: 'Conseil de classe', start: '2026-03-05T16:00:00Z', end: '2026-03-05T18:00:00Z', location: 'Salle 12',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ summary: 'Conseil de classe', start: '2026-03-05T16:00:00.000Z', end: '2026-03-05T18:00:00.000Z', location: 'Salle 12', allDay: false, organizer: null, attendees: [], invitations: null });
    // As a CalDAV client would have stored it: a weekly meeting.
    await t.store.dav.putItem(aliceCal, {
      name: 'hebdo.ics', uid: 'hebdo-1', componentType: 'VEVENT', firstStart: new Date('2026-03-02T08:00:00Z'), lastEnd: null,
      data: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:hebdo-1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260302T080000Z\r\nDTEND:20260302T090000Z\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Réunion hebdo\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
    });
    const list = await alice.get(`/api/calendars/${aliceCal}/events?start=2026-03-01T00:00:00Z&end=2026-03-29T00:00:00Z`);
    expect(list.body.events.map((e: any) => [e.summary, e.start])).toEqual([
      ['Réunion hebdo', '2026-03-02T08:00:00.000Z'],
      ['Conseil de classe', '2026-03-05T16:00:00.000Z'],
      ['Réunion hebdo', '2026-03-09T08:00:00.000Z'],
      ['Réunion hebdo', '2026-03-16T08:00:00.000Z'],
      ['Réunion hebdo', '2026-03-23T08:00:00.000Z'],
    ]);
    const stored = await t.store.dav.getItem(aliceCal, created.body.name);
    expect(stored!.data).toContain('SUMMARY:Conseil de classe');

    const moved = await alice.request('PUT', `/api/calendars/${aliceCal}/events/${created.body.name}`, { summary: 'Conseil de classe', start: '2026-03-06T16:00:00Z', end: '2026-03-06T17:30:00Z', location: 'Salle 12' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ start: '2026-03-06T16:00:00.000Z', end: '2026-03-06T17:30:00.000Z' });
    const stale = await alice.request('PUT', `/api/calendars/${aliceCal}/events/${created.body.name}`, { summary: 'x', start: '2026-03-06T16:00:00Z', etag: created.body.etag });
    expect(stale.status).toBe(412);
    expect((await alice.post(`/api/calendars/${aliceCal}/events`, { summary: 'x', start: 'demain' })).body).toMatchObject({ code: 'invalid', field: 'start' });
    expect((await alice.request('DELETE', `/api/calendars/${aliceCal}/events/${created.body.name}`)).status).toBe(204);
    expect(await t.store.dav.getItem(aliceCal, created.body.name)).toBeNull();
    const allDay = await alice.post(`/api/calendars/${groupCal}/events`, { summary: 'Sortie', start: '2026-03-10', allDay: true });
    expect(allDay.body).toMatchObject({ allDay: true, start: '2026-03-10T00:00:00.000Z', end: '2026-03-11T00:00:00.000Z' });
  });

  it('lists the other events when one stored before validation ends past what a date holds', async () => {
    // Accepted by CalDAV PUT before core refused it: every agenda showing this calendar was a 500.
    const bomb = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:dur-bomb\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20261201T100000Z\r\nDURATION:P99999999W\r\nSUMMARY:Bombe\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
    await t.store.dav.putItem(groupCal, { name: 'dur.ics', uid: 'dur-bomb', componentType: 'VEVENT', firstStart: new Date('2026-12-01T10:00:00Z'), lastEnd: null, data: bomb });
    const other = await alice.post(`/api/calendars/${groupCal}/events`, { summary: 'Conseil', start: '2026-12-03T16:00:00Z', end: '2026-12-03T17:00:00Z' });
    expect(other.status).toBe(201);
    for (const range of ['start=2026-11-01T00:00:00Z&end=2026-12-31T00:00:00Z', 'start=2030-01-01T00:00:00Z&end=2030-12-31T00:00:00Z']) {
      const list = await alice.get(`/api/calendars/${groupCal}/events?${range}`);
      expect(list.status).toBe(200);
      expect(list.body.events.find((e: any) => e.uid === 'dur-bomb')).toMatchObject({ start: '2026-12-01T10:00:00.000Z', end: '9999-12-31T23:59:59.999Z' });
    }
    const december = await alice.get(`/api/calendars/${groupCal}/events?start=2026-12-01T00:00:00Z&end=2026-12-31T00:00:00Z`);
    expect(december.body.events.map((e: any) => e.summary)).toEqual(['Bombe', 'Conseil']);
    const one = await alice.get(`/api/calendars/${groupCal}/events/dur.ics`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ summary: 'Bombe', start: '2026-12-01T10:00:00.000Z', end: '9999-12-31T23:59:59.999Z' });
    // It can be put right, or removed, from the webmail.
    const fixed = await alice.request('PUT', `/api/calendars/${groupCal}/events/dur.ics`, { summary: 'Bombe', start: '2026-12-01T10:00:00Z', end: '2026-12-01T11:00:00Z' });
    expect(fixed.body).toMatchObject({ end: '2026-12-01T11:00:00.000Z' });
    for (const name of ['dur.ics', other.body.name]) expect((await alice.request('DELETE', `/api/calendars/${groupCal}/events/${name}`)).status).toBe(204);
  });

  it('opens mailed invitations whose time zone or length would hang the server, without their dates', async () => {
    // Any sender: a VTIMEZONE with a SECONDLY rule made ical.js loop for ever on opening the
    // message; a DURATION of P999999999W took it ten seconds.
    const evilZone = ['BEGIN:VTIMEZONE', 'TZID:Evil/Zone', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'RRULE:FREQ=SECONDLY',
      'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0100', 'END:STANDARD', 'END:VTIMEZONE'];
    const invitation = (uid: string, lines: string[], extra: string[] = []) => [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//EN', 'METHOD:REQUEST', ...extra, 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', ...lines,
      'SUMMARY:Piège', 'ORGANIZER:mailto:intrus@ailleurs.example', `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${BOB}`, 'END:VEVENT', 'END:VCALENDAR', '',
    ].join('\r\n');
    const traps = [
      invitation('zone', ['DTSTART;TZID=Evil/Zone:20261201T100000', 'DTEND;TZID=Evil/Zone:20261201T110000'], evilZone),
      invitation('long', ['DTSTART:20261201T100000Z', 'DURATION:P999999999W']),
    ];
    const mx = nodemailer.createTransport({ host: '127.0.0.1', port: t.port('smtp'), tls: { rejectUnauthorized: false }, name: 'client.ailleurs.example' });
    for (const [i, content] of traps.entries()) {
      await mx.sendMail({ from: 'intrus@ailleurs.example', to: BOB, subject: `Piège ${i}`, text: 'invitation', icalEvent: { method: 'REQUEST', content } });
    }
    mx.close();
    for (let i = 0; i < traps.length; i++) {
      const inbox = await eventually(async () => {
        const box = await inboxOf(bob);
        return box.messages.some((m) => m.subject === `Piège ${i}`) ? box : null;
      });
      const mail = inbox.messages.find((m) => m.subject === `Piège ${i}`);
      const started = performance.now();
      const view = await bob.get(`/api/mailboxes/${inbox.id}/messages/${mail.uid}?peek=1`);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(view.body.invitation).toMatchObject({ method: 'REQUEST', summary: 'Piège', start: null, end: null, partstat: 'NEEDS-ACTION' });
      const answer = await bob.post('/api/messages/invitation', { mailboxId: inbox.id, uid: mail.uid, answer: 'ACCEPTED' });
      expect(answer.body).toMatchObject({ code: 'invalid' });
    }
  });

  it('sends invitations by mail; the attendee accepts from the message and the organizer gets the answer', async () => {
    const created = await alice.post(`/api/calendars/${aliceCal}/events`, {
      summary: 'Jury du brevet', start: '2026-06-20T08:00:00Z', end: '2026-06-20T12:00:00Z', attendees: [BOB],
    });
    expect(created.body.invitations).toEqual({ sent: 1, refused: [] });
    expect(created.body.organizer).toBe(ALICE);
    expect(created.body.attendees).toEqual([{ address: BOB, name: null, partstat: 'NEEDS-ACTION' }]);

    const bobInbox = await inboxOf(bob);
    const mail = bobInbox.messages.find((m) => m.subject === 'Invitation : Jury du brevet');
    const view = await bob.get(`/api/mailboxes/${bobInbox.id}/messages/${mail.uid}`);
    expect(view.body.invitation).toMatchObject({ method: 'REQUEST', summary: 'Jury du brevet', organizer: ALICE, partstat: 'NEEDS-ACTION', start: '2026-06-20T08:00:00.000Z' });

    // Someone else answering in Bob's name is not believed (the From must be the attendee).
    const forged = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//EN', 'METHOD:REPLY', 'BEGIN:VEVENT', `UID:${created.body.uid}`, 'SEQUENCE:0',
      'DTSTAMP:20260101T000000Z', 'DTSTART:20260620T080000Z', `ORGANIZER:mailto:${ALICE}`, `ATTENDEE;PARTSTAT=DECLINED:mailto:${BOB}`,
      'END:VEVENT', 'END:VCALENDAR', '',
    ].join('\r\n');
    const mx = nodemailer.createTransport({ host: '127.0.0.1', port: t.port('smtp'), tls: { rejectUnauthorized: false }, name: 'client.ailleurs.example' });
    await mx.sendMail({ from: 'intrus@ailleurs.example', to: ALICE, subject: 'Refusé : Jury du brevet', text: 'non', icalEvent: { method: 'REPLY', content: forged } });
    mx.close();
    await eventually(async () => (await inboxOf(alice)).messages.find((m) => m.subject === 'Refusé : Jury du brevet'));
    await new Promise((r) => setTimeout(r, 200));
    expect((await alice.get(`/api/calendars/${aliceCal}/events/${created.body.name}`)).body.attendees[0].partstat).toBe('NEEDS-ACTION');

    const answer = await bob.post('/api/messages/invitation', { mailboxId: bobInbox.id, uid: mail.uid, answer: 'accepted' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ answer: 'ACCEPTED', replied: true });
    const bobEvents = await bob.get(`/api/calendars/${answer.body.calendarId}/events?start=2026-06-01T00:00:00Z&end=2026-07-01T00:00:00Z`);
    expect(bobEvents.body.events.map((e: any) => e.summary)).toEqual(['Jury du brevet']);
    const bobEvent = await bob.get(`/api/calendars/${answer.body.calendarId}/events/${bobEvents.body.events[0].name}`);
    expect(bobEvent.body.attendees).toEqual([{ address: BOB, name: null, partstat: 'ACCEPTED' }]);

    const reply = await eventually(async () => (await inboxOf(alice)).messages.find((m) => m.subject === 'Accepté : Jury du brevet'));
    const aliceInbox = await inboxOf(alice);
    const replyView = await alice.get(`/api/mailboxes/${aliceInbox.id}/messages/${reply.uid}?peek=1`);
    expect(replyView.body.invitation).toMatchObject({ method: 'REPLY', uid: created.body.uid });
    // The organizer's copy now shows the answer.
    const organizerCopy = await eventually(async () => {
      const e = await alice.get(`/api/calendars/${aliceCal}/events/${created.body.name}`);
      return e.body.attendees[0].partstat === 'ACCEPTED' ? e.body : null;
    });
    expect(organizerCopy.attendees).toEqual([{ address: BOB, name: null, partstat: 'ACCEPTED' }]);

    // Only an attendee can answer; a message without an invitation is not one.
    expect((await alice.post('/api/messages/invitation', { mailboxId: aliceInbox.id, uid: reply.uid, answer: 'ACCEPTED' })).status).toBe(409);
    expect((await alice.post('/api/messages/invitation', { mailboxId: bobInbox.id, uid: mail.uid, answer: 'ACCEPTED' })).status).toBe(404);

    // Deleting the event cancels it for the attendees.
    expect((await alice.request('DELETE', `/api/calendars/${aliceCal}/events/${created.body.name}`)).status).toBe(204);
    const cancel = await eventually(async () => (await inboxOf(bob)).messages.find((m) => m.subject === 'Annulation : Jury du brevet'));
    const cancelView = await bob.get(`/api/mailboxes/${bobInbox.id}/messages/${cancel.uid}?peek=1`);
    expect(cancelView.body.invitation).toMatchObject({ method: 'CANCEL' });
  });
});

describe('address book and directory', () => {
  it('keeps personal contacts (the CardDAV address book) and finds them for completion', async () => {
    const created = await alice.post('/api/addressbook', { name: 'Hélène Parent', emails: ['helene@famille.example'], organization: 'APE', title: 'Présidente' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Hélène Parent', emails: ['helene@famille.example'], organization: 'APE', title: 'Présidente', uid: expect.any(String) });
    expect((await alice.post('/api/addressbook', { name: '', emails: [] })).status).toBe(400);
    expect((await alice.post('/api/addressbook', { name: 'X', emails: ['pas-une-adresse'] })).status).toBe(400);
    const list = await alice.get('/api/addressbook');
    expect(list.body.contacts.map((c: any) => c.name)).toEqual(['Hélène Parent']);
    expect((await alice.get('/api/contacts?q=helene')).body.contacts[0]).toEqual({ name: 'Hélène Parent', address: 'helene@famille.example', source: 'personal' });

    const updated = await alice.request('PUT', `/api/addressbook/${created.body.id}`, { name: 'Hélène Parent-Durand', emails: ['helene@famille.example', 'h.durand@travail.example'] });
    expect(updated.body).toMatchObject({ name: 'Hélène Parent-Durand', emails: ['helene@famille.example', 'h.durand@travail.example'], uid: created.body.uid });
    expect((await bob.get('/api/addressbook')).body.contacts).toEqual([]);
    expect((await bob.request('DELETE', `/api/addressbook/${created.body.id}`)).status).toBe(404);
    expect((await alice.request('DELETE', `/api/addressbook/${created.body.id}`)).status).toBe(204);
    expect((await alice.get('/api/addressbook')).body.contacts).toEqual([]);
  });

  it('searches the directory by name and by unit, sub-units included', async () => {
    await t.store.accounts.ensureUnit({ name: 'college-jaures', displayName: 'Collège Jaurès' });
    await t.store.accounts.ensureUnit({ name: 'college-jaures-vie-scolaire', parent: 'college-jaures', displayName: 'Vie scolaire' });
    await t.accounts.createUser({ address: `jeanne.martin@${DOMAIN}`, displayName: 'Jeanne Martin', unit: 'college-jaures', password: TEST_PASSWORD });
    await t.accounts.createUser({ address: `paul.cpe@${DOMAIN}`, displayName: 'Paul Lefèvre', unit: 'college-jaures-vie-scolaire', password: TEST_PASSWORD });
    await t.accounts.createUser({ address: `autre@${DOMAIN}`, displayName: 'Autre Martin', unit: 'lycee-hugo', password: TEST_PASSWORD });
    const find = async (query: string) => eventually(async () => {
      const r = await alice.get(`/api/directory?${query}`);
      return r.body.people?.length ? r.body.people : null;
    });
    expect((await find('q=martin')).map((p: any) => p.address).sort()).toEqual([`autre@${DOMAIN}`, `jeanne.martin@${DOMAIN}`]);
    expect((await find('unit=college-jaures')).map((p: any) => p.name).sort()).toEqual(['Jeanne Martin', 'Paul Lefèvre']);
    expect(await find('q=lefevre&unit=college-jaures')).toEqual([{ name: 'Paul Lefèvre', address: `paul.cpe@${DOMAIN}`, unit: 'college-jaures-vie-scolaire', kind: 'user' }]);
    expect((await alice.get('/api/directory?q=martin&unit=college-jaures-vie-scolaire')).body.people).toEqual([]);
    expect((await alice.get('/api/directory')).status).toBe(400);
    const units = await alice.get('/api/directory/units');
    expect(units.body.units).toEqual(expect.arrayContaining([{ name: 'college-jaures-vie-scolaire', displayName: 'Vie scolaire', parent: 'college-jaures' }]));
  });
});

describe('directory and unit visibility', () => {
  it('hiding or showing a unit is seen by the very next autocomplete, and typing does not re-read the units', async () => {
    await t.store.accounts.ensureUnit({ name: 'rectorat', displayName: 'Rectorat' });
    await t.accounts.createUser({ address: `ines.secret@${DOMAIN}`, displayName: 'Inès Secrète', unit: 'rectorat', password: TEST_PASSWORD });
    const ines = new WebClient(base);
    await ines.login(`ines.secret@${DOMAIN}`, TEST_PASSWORD);
    const contacts = async (c: WebClient, q: string) => ((await c.get(`/api/contacts?q=${encodeURIComponent(q)}`)).body.contacts as { address: string }[]).map((x) => x.address);
    const people = async (c: WebClient, q: string) => ((await c.get(`/api/directory?q=${encodeURIComponent(q)}`)).body.people as { address: string }[]).map((x) => x.address);
    expect(await eventually(async () => ((await contacts(alice, 'ines')).length ? contacts(alice, 'ines') : null))).toEqual([`ines.secret@${DOMAIN}`]);

    // Keystrokes: the units (and the visibility built from them) come from memory.
    const listUnits = vi.spyOn(t.store.accounts, 'listUnits');
    try {
      for (const q of ['i', 'in', 'ine', 'ines']) expect(await contacts(alice, q)).toContain(`ines.secret@${DOMAIN}`);
      expect(listUnits).not.toHaveBeenCalled();
    } finally {
      listUnits.mockRestore();
    }

    // No waiting: the request right after the change follows it.
    await t.store.accounts.setUnitHidden('rectorat', true);
    try {
      expect(await contacts(alice, 'ines')).toEqual([]);
      expect(await people(alice, 'secrete')).toEqual([]);
      expect(await contacts(ines, 'ines')).toEqual([`ines.secret@${DOMAIN}`]);
    } finally {
      await t.store.accounts.setUnitHidden('rectorat', false);
    }
    expect(await contacts(alice, 'ines')).toEqual([`ines.secret@${DOMAIN}`]);
    expect(await people(alice, 'secrete')).toEqual([`ines.secret@${DOMAIN}`]);
  });
});

describe('live events for group calendars', () => {
  it("tells a group's members, and no one else, when someone else changes the group's calendar", async () => {
    const aliceEvents = await alice.openEvents();
    const bobEvents = await bob.openEvents();
    try {
      await eventually(() => aliceEvents.raw.includes(': connected'));
      // As another member's CalDAV client would: straight into the group's collection.
      const data = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:live-group@test', 'DTSTAMP:20260101T000000Z',
        'DTSTART:20260320T100000Z', 'DTEND:20260320T110000Z', 'SUMMARY:Réunion d’équipe', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
      await t.store.dav.putItem(groupCal, { name: 'live.ics', uid: 'live-group@test', data, componentType: 'VEVENT', firstStart: new Date('2026-03-20T10:00:00Z'), lastEnd: new Date('2026-03-20T11:00:00Z') });
      await eventually(() => aliceEvents.events.some((e) => e.event === 'calendar' && e.data.calendarId === groupCal));
      // Bob is not in the group. A change in his own calendar, made after, is told to him: by
      // then the group's would have been too.
      const own = (await bob.get('/api/calendars')).body.calendars[0].id;
      await t.store.dav.putItem(own, { name: 'mine.ics', uid: 'mine@test', data: data.replace('live-group@test', 'mine@test'), componentType: 'VEVENT', firstStart: new Date('2026-03-20T10:00:00Z'), lastEnd: new Date('2026-03-20T11:00:00Z') });
      await eventually(() => bobEvents.events.some((e) => e.event === 'calendar'));
      expect(bobEvents.events.filter((e) => e.event === 'calendar').map((e) => e.data.calendarId)).toEqual([own]);
    } finally {
      aliceEvents.close();
      bobEvents.close();
    }
  });
});

describe('live events when group membership changes', () => {
  it('tells a user who joins a group of its calendar, then of changes in it, and stops when they leave', async () => {
    const bobEvents = await bob.openEvents();
    const told = () => bobEvents.events.filter((e) => e.event === 'calendar' && e.data.calendarId === groupCal).length;
    const put = (name: string) => {
      const data = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', `UID:${name}@test`, 'DTSTAMP:20260101T000000Z',
        'DTSTART:20260321T100000Z', 'DTEND:20260321T110000Z', `SUMMARY:${name}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
      return t.store.dav.putItem(groupCal, { name: `${name}.ics`, uid: `${name}@test`, data, componentType: 'VEVENT', firstStart: new Date('2026-03-21T10:00:00Z'), lastEnd: new Date('2026-03-21T11:00:00Z') });
    };
    try {
      await eventually(() => bobEvents.raw.includes(': connected'));
      await t.accounts.addGroupMember(`maths@${DOMAIN}`, BOB);
      // The agenda shows the group's calendar from now on.
      await eventually(() => told() === 1);
      await put('joined');
      await eventually(() => told() === 2);
      await t.accounts.removeGroupMember(`maths@${DOMAIN}`, BOB);
      await eventually(() => told() === 3);
      // Gone from the group: a change there is no longer Bob's business. A change in his own
      // calendar, made just after, is told to him; by then the other would have been too.
      const own = (await bob.get('/api/calendars')).body.calendars.find((c: any) => c.id !== groupCal).id;
      await put('left');
      await t.store.dav.putItem(own, { name: 'own.ics', uid: 'own@test', data: (await t.store.dav.getItem(groupCal, 'left.ics'))!.data.replace('left@test', 'own@test'),
        componentType: 'VEVENT', firstStart: new Date('2026-03-21T10:00:00Z'), lastEnd: new Date('2026-03-21T11:00:00Z') });
      await eventually(() => bobEvents.events.some((e) => e.event === 'calendar' && e.data.calendarId === own));
      expect(told()).toBe(3);
    } finally {
      bobEvents.close();
      await t.accounts.removeGroupMember(`maths@${DOMAIN}`, BOB).catch(() => undefined);
    }
  });
});

describe('shutdown', () => {
  // Last: stops the server. With a 60 s shutdown grace, stop() finishes in time only if the
  // open event stream is ended by the server rather than waited for.
  it('ends the open event streams when the server stops', async () => {
    const stream = await alice.openEvents();
    expect(stream.status).toBe(200);
    await t.stop();
    await stream.ended;
  }, 10_000);
});
