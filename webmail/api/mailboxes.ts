// Folders: list with counts and quota, create, rename, delete, empty Trash/Junk. A mailbox id
// of another user is answered exactly like an unknown one (404).
import type { Id, Mailbox, MailboxStatus, SpecialUse, User } from '../../storage/index.js';
import type { AuthedContext } from './context.js';
import { Errors } from './errors.js';
import { sendJson, str } from './http.js';
import type { ApiRoute } from './router.js';

const ORDER: (SpecialUse | null)[] = ['\\Drafts', '\\Sent', '\\Archive', '\\Junk', '\\Trash'];

export async function ownMailbox(ctx: AuthedContext, id: Id): Promise<Mailbox> {
  const mailbox = await ctx.deps.store.mail.getMailbox(id);
  if (!mailbox || mailbox.userId !== ctx.user.id) throw Errors.notFound('No such folder');
  return mailbox;
}

export async function specialMailbox(ctx: AuthedContext, use: SpecialUse): Promise<Mailbox | null> {
  return ctx.deps.store.mail.findMailboxBySpecialUse(ctx.user.id, use);
}

function rank(m: Mailbox): number {
  if (m.name === 'INBOX') return 0;
  const i = ORDER.indexOf(m.specialUse);
  return i === -1 ? ORDER.length + 1 : i + 1;
}

export function mailboxJson(m: Mailbox, status: MailboxStatus) {
  return { id: m.id, name: m.name, specialUse: m.specialUse, unread: status.unseen, total: status.messages };
}

function quota(user: User) {
  return { used: user.usedBytes, limit: user.quotaBytes };
}

export function mailboxRoutes(): ApiRoute[] {
  return [
    {
      method: 'GET', path: '/mailboxes',
      async handler(ctx) {
        const { mail } = ctx.deps.store;
        const list = (await mail.listMailboxes(ctx.user.id)).sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
        const statuses = await Promise.all(list.map((m) => mail.mailboxStatus(m.id)));
        sendJson(ctx.res, 200, { mailboxes: list.map((m, i) => mailboxJson(m, statuses[i])), quota: quota(ctx.user) });
      },
    },
    {
      method: 'POST', path: '/mailboxes',
      async handler(ctx) {
        const name = str(await ctx.body(), 'name', { max: 500 }).trim();
        const created = await ctx.deps.store.mail.createMailbox(ctx.user.id, name, { subscribed: true });
        sendJson(ctx.res, 201, { mailbox: mailboxJson(created, await ctx.deps.store.mail.mailboxStatus(created.id)) });
      },
    },
    {
      method: 'PATCH', path: '/mailboxes/:id',
      async handler(ctx) {
        const mailbox = await ownMailbox(ctx, ctx.params.id);
        const name = str(await ctx.body(), 'name', { max: 500 }).trim();
        if (mailbox.name === 'INBOX') throw Errors.conflict('INBOX cannot be renamed');
        const renamed = await ctx.deps.store.mail.renameMailbox(mailbox.id, name);
        sendJson(ctx.res, 200, { mailbox: mailboxJson(renamed, await ctx.deps.store.mail.mailboxStatus(renamed.id)) });
      },
    },
    {
      method: 'DELETE', path: '/mailboxes/:id',
      async handler(ctx) {
        const mailbox = await ownMailbox(ctx, ctx.params.id);
        // Clients and the delivery pipeline look these up; deleting one would break them.
        if (mailbox.name === 'INBOX' || mailbox.specialUse) throw Errors.conflict(`${mailbox.name} is a system folder and cannot be deleted`);
        await ctx.deps.store.mail.deleteMailbox(mailbox.id);
        sendJson(ctx.res, 204, null);
      },
    },
    {
      method: 'POST', path: '/mailboxes/:id/empty',
      async handler(ctx) {
        const mailbox = await ownMailbox(ctx, ctx.params.id);
        if (mailbox.specialUse !== '\\Trash' && mailbox.specialUse !== '\\Junk') throw Errors.conflict('Only Trash and Junk can be emptied');
        const result = await ctx.deps.store.mail.expunge(mailbox.id, { onlyDeleted: false });
        sendJson(ctx.res, 200, { removed: result.uids.length });
      },
    },
  ];
}
