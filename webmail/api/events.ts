// GET /api/events: Server-Sent Events (HTML Living Standard §9.2) fed by the store's change
// feed, filtered to the user. Changes are coalesced for a moment: a message arriving is an
// append and a flag change, and a bulk move is hundreds of events.
import type { ChangeEvent } from '../../storage/index.js';
import type { ApiRoute } from './router.js';
import type { Sessions } from './sessions.js';

const HEARTBEAT_MS = 25_000;
const COALESCE_MS = 100;
/** Collections whose owner a stream remembers (group calendars, directory books). */
const MAX_OWNERS = 10_000;

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
        // Group calendars' changes carry no user: whether one concerns this user is asked of the
        // store when it comes (the collection's owner, kept: it never changes) and the user's
        // groups (kept until a group changes: the feed says so). Nothing needs reading before
        // the first change can be told, so none is missed while the stream opens.
        let closed = false;
        const owners = new Map<string, Promise<string | null>>();
        /** Group calendars seen, with their group: told when the user leaves the group. */
        const groupCalendars = new Map<string, string>();
        let groups: Promise<Set<string>> | null = null;
        const groupOf = (collectionId: string) => {
          let owner = owners.get(collectionId);
          if (!owner) {
            if (owners.size >= MAX_OWNERS) owners.clear();
            owner = deps.store.dav.getCollection(collectionId).then((c) => {
              if (c?.ownerType !== 'group' || c.kind !== 'calendar') return null;
              groupCalendars.set(c.id, c.ownerId);
              return c.ownerId;
            });
            owners.set(collectionId, owner);
            // A failed read is asked again next time.
            owner.catch(() => owners.delete(collectionId));
          }
          return owner;
        };
        const myGroups = () => {
          const read = groups ?? deps.store.accounts.listGroupsOfUser(user.id).then((list) => new Set(list.map((g) => g.id)));
          if (!groups) {
            groups = read;
            read.catch(() => { if (groups === read) groups = null; });
          }
          return read;
        };
        const calendarChanged = (id: string) => {
          if (closed) return;
          calendars.add(id);
          timer ??= setTimeout(flush, COALESCE_MS);
        };
        const warn = (err: unknown) => ctx.log.warn({ err }, 'live events: group calendars lookup failed');
        // The groups as of the last membership check: joining or leaving one changes which
        // calendars the agenda shows, so their ids are told too.
        let baseline: Promise<Set<string>> = myGroups();
        baseline.catch(() => undefined);
        let groupTimer: NodeJS.Timeout | null = null;
        const groupsChanged = () => {
          groups = null;
          groupTimer ??= setTimeout(() => {
            groupTimer = null;
            if (closed) return;
            const before = baseline.catch(() => null);
            const now = myGroups();
            baseline = now;
            Promise.all([before, now]).then(async ([was, is]) => {
              if (!was) return;
              const changed = [...is].filter((g) => !was.has(g)).concat([...was].filter((g) => !is.has(g)));
              for (const g of changed) {
                for (const c of await deps.store.dav.listCollections('group', g, 'calendar')) calendarChanged(c.id);
                for (const [id, owner] of groupCalendars) if (owner === g) calendarChanged(id);
              }
            }).catch(warn);
          }, COALESCE_MS);
        };
        const onChange = (e: ChangeEvent) => {
          if (e.kind === 'account.group') groupsChanged();
          const dav = e.kind === 'dav.item' || e.kind === 'dav.collection';
          if (dav && e.collectionId) {
            if (e.userId === user.id) calendarChanged(e.collectionId);
            else if (e.userId === null) {
              const id = e.collectionId;
              groupOf(id).then(async (group) => {
                if (group !== null && (await myGroups()).has(group)) calendarChanged(id);
              }).catch(warn);
            }
            return;
          }
          if (e.userId !== user.id) return;
          if (!e.mailboxId) return;
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
        }, heartbeatMs);
        const end = () => {
          closed = true;
          clearInterval(heartbeat);
          if (timer) clearTimeout(timer);
          if (groupTimer) clearTimeout(groupTimer);
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
