// GET /api/events: Server-Sent Events (HTML Living Standard §9.2) fed by the store's change
// feed, filtered to the user. Changes are coalesced for a moment: a message arriving is an
// append and a flag change, and a bulk move is hundreds of events.
import type { ChangeEvent } from '../../storage/index.js';
import type { ApiRoute } from './router.js';
import type { Sessions } from './sessions.js';

const HEARTBEAT_MS = 25_000;
const COALESCE_MS = 100;

export function eventRoutes(sessions: Sessions, options: { heartbeatMs?: number } = {}): ApiRoute[] {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  return [
    {
      method: 'GET', path: '/events',
      async handler(ctx) {
        const { res, req, user, deps } = ctx;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          'x-accel-buffering': 'no', // a reverse proxy must not hold the stream back
        });
        // A write after the client left (a timer or a store answer arriving late) is dropped.
        const write = (chunk: string) => { if (!res.writableEnded && !res.destroyed) res.write(chunk); };
        res.write('retry: 5000\n: connected\n\n');
        req.socket.setKeepAlive(true);

        const mailboxes = new Set<string>();
        const calendars = new Set<string>();
        let folders = false;
        let timer: NodeJS.Timeout | null = null;
        const flush = () => {
          timer = null;
          if (folders) write('event: mailboxes\ndata: {}\n\n');
          for (const id of mailboxes) write(`event: mailbox\ndata: ${JSON.stringify({ mailboxId: id })}\n\n`);
          for (const id of calendars) write(`event: calendar\ndata: ${JSON.stringify({ calendarId: id })}\n\n`);
          folders = false;
          mailboxes.clear();
          calendars.clear();
        };
        // Group calendars' changes carry no user: the stream knows which are the user's groups'
        // (read at the start, and again with each heartbeat for groups joined meanwhile).
        let groupCalendars = new Set<string>();
        const readGroupCalendars = async () => {
          const ids = new Set<string>();
          for (const g of await deps.store.accounts.listGroupsOfUser(user.id)) {
            for (const c of await deps.store.dav.listCollections('group', g.id, 'calendar')) ids.add(c.id);
          }
          groupCalendars = ids;
        };
        readGroupCalendars().catch(() => undefined);
        const onChange = (e: ChangeEvent) => {
          const dav = e.kind === 'dav.item' || e.kind === 'dav.collection';
          if (dav && e.collectionId && (e.userId === user.id || (e.userId === null && groupCalendars.has(e.collectionId)))) {
            calendars.add(e.collectionId);
            timer ??= setTimeout(flush, COALESCE_MS);
            return;
          }
          if (e.userId !== user.id) return;
          if (dav || !e.mailboxId) return;
          else if (e.kind.startsWith('mailbox.')) { folders = true; mailboxes.add(e.mailboxId); }
          else if (e.kind.startsWith('message.')) mailboxes.add(e.mailboxId);
          else return;
          timer ??= setTimeout(flush, COALESCE_MS);
        };
        const unsubscribe = deps.store.changes.subscribe(onChange);
        // The stream does not keep a session alive, and ends with it (logout, expiry, a
        // password change elsewhere).
        const heartbeat = setInterval(() => {
          sessions.stillValid(ctx.session.id).then((ok) => {
            if (ok) write(': ping\n\n');
            else res.end();
          }, () => res.end());
          readGroupCalendars().catch(() => undefined);
        }, heartbeatMs);
        const end = () => {
          clearInterval(heartbeat);
          if (timer) clearTimeout(timer);
          unsubscribe();
          deps.shutdown?.removeEventListener('abort', stop);
          sessions.ended.off('end', onEnded);
        };
        const stop = () => res.end();
        deps.shutdown?.addEventListener('abort', stop);
        const onEnded = (id: string | null, others: { userId: string; except: string } | null) => {
          if (id === ctx.session.id || (others && others.userId === ctx.session.userId && others.except !== ctx.session.id)) res.end();
        };
        sessions.ended.on('end', onEnded);
        res.once('close', end);
        if (deps.shutdown?.aborted) res.end();
      },
    },
  ];
}
