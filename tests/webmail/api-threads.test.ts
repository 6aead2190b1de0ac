// Conversations and moving events between calendars, through the webmail API on the real
// server: a folder listed one row per conversation (counts, participants, pages), a
// conversation opened across folders, the list preferences kept in the user's settings; an
// event moved to a group calendar and back, seen by CalDAV (it leaves one collection and
// appears in the other, both sync tokens move).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../server-harness.js';
import { WebClient } from './api-client.js';
import { ALICE, append, BOB, DOMAIN, provision } from './api-fixtures.js';

let t: TestServer;
let base: string;
let alice: WebClient;
let bob: WebClient;

beforeAll(async () => {
  t = await startTestServer({ name: 'webmail-threads', zone: '', env: { FACTEUR_OUTBOUND_ENABLED: 'false' } });
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

function mail(o: { id: string; subject: string; from: string; refs?: string[]; to?: string }): Buffer {
  return Buffer.from([
    `From: ${o.from}`, `To: ${o.to ?? ALICE}`, `Subject: ${o.subject}`, 'Date: Tue, 02 Sep 2025 08:00:00 +0200',
    `Message-ID: <${o.id}>`, ...(o.refs ? [`In-Reply-To: <${o.refs.at(-1)}>`, `References: ${o.refs.map((r) => `<${r}>`).join(' ')}`] : []),
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `Texte de ${o.subject}`, '',
  ].join('\r\n'));
}

const day = (d: number) => new Date(Date.UTC(2025, 8, d, 8));

describe('conversations', () => {
  let inboxId: string;
  let threadId: string;

  beforeAll(async () => {
    const carla = 'Carla Petit <carla@ailleurs.example>';
    const david = 'David Roux <david@ailleurs.example>';
    // "Sortie au musée": Carla, then Alice's reply (in Sent), then David; "Cantine": one message.
    await append(t.store, ALICE, 'INBOX', mail({ id: 'musee1@x', subject: 'Sortie au musée', from: carla }), ['\\Seen'], day(1));
    await append(t.store, ALICE, 'Sent', mail({ id: 'musee2@x', subject: 'Re: Sortie au musée', from: `Alice <${ALICE}>`, to: 'carla@ailleurs.example', refs: ['musee1@x'] }), ['\\Seen'], day(2));
    await append(t.store, ALICE, 'INBOX', mail({ id: 'cantine@x', subject: 'Cantine', from: david }), [], day(3));
    const last = await append(t.store, ALICE, 'INBOX', mail({ id: 'musee3@x', subject: 'Re: Sortie au musée', from: david, refs: ['musee1@x', 'musee2@x'] }), ['\\Flagged'], day(4));
    inboxId = last.mailboxId;
  });

  it('lists a folder one row per conversation, newest first, with counts and participants', async () => {
    const r = await alice.get(`/api/mailboxes/${inboxId}/messages?group=thread`);
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(2);
    const [musee, cantine] = r.body.threads;
    expect(musee).toMatchObject({
      count: 2, unread: 1, flagged: true, hasAttachments: false,
      participants: [{ name: 'Carla Petit', address: 'carla@ailleurs.example' }, { name: 'David Roux', address: 'david@ailleurs.example' }],
      latest: { subject: 'Re: Sortie au musée', from: { address: 'david@ailleurs.example' }, flags: ['\\Flagged'] },
    });
    expect(cantine).toMatchObject({ count: 1, unread: 1, flagged: false, latest: { subject: 'Cantine' } });
    threadId = musee.threadId;
    expect(musee.latest.threadId).toBe(threadId);

    const asc = await alice.get(`/api/mailboxes/${inboxId}/messages?group=thread&order=asc&limit=1`);
    expect(asc.body).toMatchObject({ total: 2, threads: [{ latest: { subject: 'Cantine' } }] });
    const page2 = await alice.get(`/api/mailboxes/${inboxId}/messages?group=thread&offset=1&limit=1`);
    expect(page2.body.threads.map((x: any) => x.latest.subject)).toEqual(['Cantine']);
    // Without grouping the same folder lists its three messages.
    expect((await alice.get(`/api/mailboxes/${inboxId}/messages`)).body.total).toBe(3);
  });

  it('answers bad grouping requests and other users clearly', async () => {
    const bySender = await alice.get(`/api/mailboxes/${inboxId}/messages?group=thread&sort=from`);
    expect(bySender.status).toBe(400);
    expect(bySender.body).toMatchObject({ code: 'invalid', field: 'sort' });
    expect((await alice.get(`/api/mailboxes/${inboxId}/messages?group=subject`)).status).toBe(400);
    expect((await bob.get(`/api/mailboxes/${inboxId}/messages?group=thread`)).status).toBe(404);
    expect((await bob.get(`/api/threads/${threadId}`)).status).toBe(404);
    expect((await alice.get('/api/threads/no-such-thread')).status).toBe(404);
  });

  it('opens a conversation: its messages in order, from every folder', async () => {
    const r = await alice.get(`/api/threads/${threadId}`);
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(3);
    const sent = (await alice.get('/api/mailboxes')).body.mailboxes.find((m: any) => m.specialUse === '\\Sent').id;
    expect(r.body.messages.map((m: any) => [m.subject, m.mailboxId])).toEqual([
      ['Sortie au musée', inboxId], ['Re: Sortie au musée', sent], ['Re: Sortie au musée', inboxId],
    ]);
    expect(r.body.older).toBeNull();
    // A page at a time, newest first: a long conversation is never sent whole.
    const newest = await alice.get(`/api/threads/${threadId}?limit=2`);
    expect(newest.body.total).toBe(3);
    expect(newest.body.messages.map((m: any) => [m.subject, m.mailboxId])).toEqual([['Re: Sortie au musée', sent], ['Re: Sortie au musée', inboxId]]);
    expect(newest.body.messages[0]).not.toHaveProperty('text');
    expect(typeof newest.body.older).toBe('string');
    const earlier = await alice.get(`/api/threads/${threadId}?limit=2&before=${encodeURIComponent(newest.body.older)}`);
    expect(earlier.body.messages.map((m: any) => [m.subject, m.mailboxId])).toEqual([['Sortie au musée', inboxId]]);
    expect(earlier.body.older).toBeNull();
    const bad = await alice.get(`/api/threads/${threadId}?before=nonsense`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'invalid', field: 'before' });
    // Trash is left out unless the conversation is opened from there.
    const trash = (await alice.get('/api/mailboxes')).body.mailboxes.find((m: any) => m.specialUse === '\\Trash').id;
    const first = r.body.messages[0];
    expect((await alice.post('/api/messages/move', { mailboxId: inboxId, uids: [first.uid], toMailboxId: trash })).status).toBe(200);
    expect((await alice.get(`/api/threads/${threadId}`)).body.messages).toHaveLength(2);
    expect((await alice.get(`/api/threads/${threadId}?mailboxId=${trash}`)).body.messages).toHaveLength(3);
    expect((await bob.get(`/api/threads/${threadId}?mailboxId=${trash}`)).status).toBe(404);
  });

  it('keeps the list preferences in the user settings, beside the other settings', async () => {
    expect((await alice.get('/api/list-view')).body).toEqual({ group: 'none', sort: 'date', order: 'desc' });
    expect((await alice.request('PUT', '/api/settings', { signature: 'Alice, CM2' })).status).toBe(200);
    expect((await alice.request('PUT', '/api/list-view', { group: 'thread' }, { csrf: false })).status).toBe(403);
    const put = await alice.request('PUT', '/api/list-view', { group: 'thread' });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ group: 'thread', sort: 'date', order: 'desc' });
    const bad = await alice.request('PUT', '/api/list-view', { sort: 'colour' });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('sort');
    expect((await alice.get('/api/list-view')).body.group).toBe('thread');
    expect((await alice.get('/api/settings')).body.signature).toBe('Alice, CM2');
    expect((await bob.get('/api/list-view')).body.group).toBe('none');
  });

  it('loses neither of two saves of the settings made at the same time', async () => {
    // The display name change makes the settings save wait on a durable account write, the
    // moment a concurrent list-view save could slip in and be overwritten.
    for (let i = 0; i < 4; i++) {
      const order = i % 2 === 0 ? 'asc' : 'desc';
      const [a, b] = await Promise.all([
        alice.request('PUT', '/api/settings', { displayName: `Alice ${i}`, signature: `Alice ${i}, CM2` }),
        alice.request('PUT', '/api/list-view', { order }),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect((await alice.get('/api/list-view')).body.order).toBe(order);
      expect((await alice.get('/api/settings')).body.signature).toBe(`Alice ${i}, CM2`);
    }
  });
});

describe('moving events between calendars', () => {
  const dav = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method, body,
      headers: { authorization: `Basic ${Buffer.from(`${ALICE}:${TEST_PASSWORD}`).toString('base64')}`, ...(body ? { 'content-type': 'application/xml; charset=utf-8' } : {}), ...headers },
    });
    return { status: res.status, text: await res.text() };
  };
  const sync = (token: string) => `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
  const tokenOf = (text: string) => /<D:sync-token>([^<]+)<\/D:sync-token>\s*<\/D:multistatus>/.exec(text)![1];

  it('moves an event to a group calendar and back; CalDAV sees it leave one and appear in the other', async () => {
    const cals = (await alice.get('/api/calendars')).body.calendars;
    const own = cals.find((c: any) => c.owner === 'user').id;
    const group = cals.find((c: any) => c.owner === 'group').id;
    const home = `/dav/calendars/${ALICE}/`;
    const listing = await dav('PROPFIND', home, '<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>', { depth: '1' });
    const groupHref = new RegExp(`<D:href>(${home}group-[^<]+/)</D:href>`).exec(listing.text)![1];
    const ownHref = `${home}default/`;
    const tokens = async () => [tokenOf((await dav('REPORT', ownHref, sync(''))).text), tokenOf((await dav('REPORT', groupHref, sync(''))).text)];

    const created = await alice.post(`/api/calendars/${own}/events`, { summary: 'Réunion de cycle', start: '2026-05-04T15:00:00Z', end: '2026-05-04T16:00:00Z' });
    expect(created.status).toBe(201);
    const [ownBefore, groupBefore] = await tokens();

    // The edit form: new time and another calendar in one save.
    const moved = await alice.request('PUT', `/api/calendars/${own}/events/${created.body.name}`, {
      summary: 'Réunion de cycle', start: '2026-05-05T15:00:00Z', end: '2026-05-05T16:00:00Z', calendarId: group, etag: created.body.etag,
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ calendarId: group, uid: created.body.uid, start: '2026-05-05T15:00:00.000Z' });
    expect((await alice.get(`/api/calendars/${own}/events/${created.body.name}`)).status).toBe(404);
    const range = 'start=2026-05-01T00:00:00Z&end=2026-05-10T00:00:00Z';
    expect((await alice.get(`/api/calendars/${group}/events?${range}`)).body.events.map((e: any) => e.summary)).toEqual(['Réunion de cycle']);
    expect((await alice.get(`/api/calendars/${own}/events?${range}`)).body.events).toEqual([]);

    // CalDAV: gone from one collection, there in the other, both sync tokens moved.
    expect((await dav('GET', `${ownHref}${moved.body.name}`)).status).toBe(404);
    const there = await dav('GET', `${groupHref}${moved.body.name}`);
    expect(there.status).toBe(200);
    expect(there.text).toContain('SUMMARY:Réunion de cycle');
    const ownSync = await dav('REPORT', ownHref, sync(ownBefore));
    expect(ownSync.text).toMatch(new RegExp(`${moved.body.name}</D:href><D:status>HTTP/1.1 404`));
    const groupSync = await dav('REPORT', groupHref, sync(groupBefore));
    expect(groupSync.text).toContain(`${moved.body.name}</D:href><D:propstat>`);
    const [ownAfter, groupAfter] = await tokens();
    expect(ownAfter).not.toBe(ownBefore);
    expect(groupAfter).not.toBe(groupBefore);

    // Back, calendar only (any event, nothing mailed); a stale etag is refused and nothing moves.
    const stale = await alice.post(`/api/calendars/${group}/events/${moved.body.name}/move`, { calendarId: own, etag: created.body.etag });
    expect(stale.status).toBe(412);
    expect((await alice.get(`/api/calendars/${group}/events/${moved.body.name}`)).status).toBe(200);
    const back = await alice.post(`/api/calendars/${group}/events/${moved.body.name}/move`, { calendarId: own, etag: moved.body.etag });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ calendarId: own, start: '2026-05-05T15:00:00.000Z', summary: 'Réunion de cycle' });
    expect((await dav('GET', `${ownHref}${back.body.name}`)).status).toBe(200);
    expect((await dav('GET', `${groupHref}${back.body.name}`)).status).toBe(404);
  });

  it("moves an invitation from someone else (calendar only), which an edit may not do", async () => {
    const cals = (await alice.get('/api/calendars')).body.calendars;
    const own = cals.find((c: any) => c.owner === 'user').id;
    const group = cals.find((c: any) => c.owner === 'group').id;
    const data = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:invite-1@ailleurs.example', 'DTSTAMP:20260101T000000Z',
      'DTSTART:20260507T090000Z', 'DTEND:20260507T100000Z', 'SUMMARY:Formation', 'ORGANIZER:mailto:carla@ailleurs.example',
      `ATTENDEE;PARTSTAT=ACCEPTED:mailto:${ALICE}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    await t.store.dav.putItem(own, { name: 'invite-1.ics', uid: 'invite-1@ailleurs.example', data, componentType: 'VEVENT', firstStart: new Date('2026-05-07T09:00:00Z'), lastEnd: new Date('2026-05-07T10:00:00Z') });
    const edit = await alice.request('PUT', `/api/calendars/${own}/events/invite-1.ics`, { summary: 'Formation', start: '2026-05-07T09:00:00Z', end: '2026-05-07T10:00:00Z', calendarId: group, attendees: [ALICE] });
    expect(edit.status).toBe(409);
    expect((await alice.get(`/api/calendars/${own}/events/invite-1.ics`)).status).toBe(200);
    const moved = await alice.post(`/api/calendars/${own}/events/invite-1.ics/move`, { calendarId: group });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ calendarId: group, organizer: 'carla@ailleurs.example', attendees: [{ address: ALICE, partstat: 'ACCEPTED' }] });
    expect((await t.store.dav.getItem(group, moved.body.name))?.data).toBe(data);
    expect(await t.store.dav.getItem(own, 'invite-1.ics')).toBeNull();
  });

  it("refuses a calendar that is not the user's, and leaves the event where it was", async () => {
    const aliceCal = (await alice.get('/api/calendars')).body.calendars.find((c: any) => c.owner === 'user').id;
    const bobCal = (await bob.get('/api/calendars')).body.calendars[0].id;
    const ev = await alice.post(`/api/calendars/${aliceCal}/events`, { summary: 'Privé', start: '2026-05-06T09:00:00Z' });
    const r = await alice.post(`/api/calendars/${aliceCal}/events/${ev.body.name}/move`, { calendarId: bobCal });
    expect(r.status).toBe(404);
    expect((await alice.request('PUT', `/api/calendars/${aliceCal}/events/${ev.body.name}`, { summary: 'Privé', start: '2026-05-06T09:00:00Z', calendarId: bobCal })).status).toBe(404);
    expect((await alice.post(`/api/calendars/${aliceCal}/events/${ev.body.name}/move`, { calendarId: 42 })).status).toBe(400);
    expect((await alice.post(`/api/calendars/${aliceCal}/events/${ev.body.name}/move`, { calendarId: aliceCal })).status).toBe(200);
    expect((await bob.post(`/api/calendars/${aliceCal}/events/${ev.body.name}/move`, { calendarId: bobCal })).status).toBe(404);
    expect((await alice.get(`/api/calendars/${aliceCal}/events/${ev.body.name}`)).body.summary).toBe('Privé');
  });
});
