// Acting on selected messages: flags, move, delete (to Trash), spam / not spam.
import type { Mailbox } from '../../storage/index.js';
import type { AuthedContext } from './context.js';
import { Errors } from './errors.js';
import { bool, sendJson, str, strList, uidList } from './http.js';
import { ownMailbox, specialMailbox } from './mailboxes.js';
import type { ApiRoute } from './router.js';

/** IMAP flag syntax (RFC 3501 §9 flag-keyword is an atom; system flags start with "\"). */
const FLAG = /^\\?[A-Za-z0-9$_.\-]{1,64}$/;
const SYSTEM_FLAGS = new Set(['\\seen', '\\answered', '\\flagged', '\\deleted', '\\draft']);

function flags(body: Record<string, unknown>, field: string): string[] {
  const list = strList(body, field, 20);
  for (const f of list) {
    if (!FLAG.test(f) || (f.startsWith('\\') && !SYSTEM_FLAGS.has(f.toLowerCase()))) throw Errors.invalid(`"${f}" is not a flag that can be set`, field);
  }
  return list;
}

async function source(ctx: AuthedContext): Promise<{ body: Record<string, unknown>; mailbox: Mailbox; uids: number[] }> {
  const body = await ctx.body();
  const mailbox = await ownMailbox(ctx, str(body, 'mailboxId', { max: 200 }));
  return { body, mailbox, uids: uidList(body) };
}

async function moveTo(ctx: AuthedContext, from: Mailbox, uids: number[], to: Mailbox) {
  if (from.id === to.id) return [];
  const result = await ctx.deps.store.mail.moveMessages(from.id, uids, to.id);
  return result.mapping;
}

export function actionRoutes(): ApiRoute[] {
  return [
    {
      method: 'POST', path: '/messages/flags',
      async handler(ctx) {
        const { body, mailbox, uids } = await source(ctx);
        const add = flags(body, 'add');
        const remove = flags(body, 'remove');
        if (add.length === 0 && remove.length === 0) throw Errors.invalid('Give flags to "add" or "remove"', 'add');
        const { mail } = ctx.deps.store;
        const changed = new Map<number, string[]>();
        if (add.length) for (const u of (await mail.updateFlags(mailbox.id, uids, 'add', add)).updated) changed.set(u.uid, u.flags);
        if (remove.length) for (const u of (await mail.updateFlags(mailbox.id, uids, 'remove', remove)).updated) changed.set(u.uid, u.flags);
        sendJson(ctx.res, 200, { updated: [...changed].map(([uid, f]) => ({ uid, flags: f })) });
      },
    },
    {
      method: 'POST', path: '/messages/move',
      async handler(ctx) {
        const { body, mailbox, uids } = await source(ctx);
        const target = await ownMailbox(ctx, str(body, 'toMailboxId', { max: 200 }));
        sendJson(ctx.res, 200, { moved: await moveTo(ctx, mailbox, uids, target) });
      },
    },
    {
      method: 'POST', path: '/messages/delete',
      async handler(ctx) {
        const { mailbox, uids } = await source(ctx);
        const trash = await specialMailbox(ctx, '\\Trash');
        // Deleting in Trash (or without a Trash) is for good.
        if (!trash || trash.id === mailbox.id) {
          const result = await ctx.deps.store.mail.expunge(mailbox.id, { uids, onlyDeleted: false });
          return sendJson(ctx.res, 200, { expunged: result.uids.length });
        }
        const moved = await moveTo(ctx, mailbox, uids, trash);
        sendJson(ctx.res, 200, { trashed: moved.length });
      },
    },
    {
      method: 'POST', path: '/messages/spam',
      async handler(ctx) {
        const { body, mailbox, uids } = await source(ctx);
        const spam = bool(body, 'spam');
        const { mail } = ctx.deps.store;
        const target = spam ? await specialMailbox(ctx, '\\Junk') : await mail.findMailbox(ctx.user.id, 'INBOX');
        if (!target) throw Errors.conflict(spam ? 'There is no Junk folder' : 'There is no INBOX');
        // The keywords are what filters learn from (RFC 5788 registry: $Junk, $NotJunk).
        await mail.updateFlags(mailbox.id, uids, 'remove', [spam ? '$NotJunk' : '$Junk']);
        await mail.updateFlags(mailbox.id, uids, 'add', [spam ? '$Junk' : '$NotJunk']);
        sendJson(ctx.res, 200, { moved: await moveTo(ctx, mailbox, uids, target) });
      },
    },
  ];
}
