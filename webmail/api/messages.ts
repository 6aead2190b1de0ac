// Reading mail: the message list (sorted, paged), one message (sanitized HTML, attachments,
// authentication verdict), the HTML for the sandboxed frame, attachments, the source.
import type { ServerResponse } from 'node:http';
import type { Attachment } from 'mailparser';
import { BoundedMap, domainOf } from '../../core/index.js';
import type { Mailbox, MailboxStatus, MessageRecord, MessageSortKeys } from '../../storage/index.js';
import { calendarPart, invitationJson } from './agenda.js';
import { authView, ownAuthResults } from './auth-results.js';
import type { AuthedContext } from './context.js';
import { Errors } from './errors.js';
import { queryEnum, queryInt, sendJson } from './http.js';
import { ownMailbox } from './mailboxes.js';
import type { MessageReader, ParsedMessage } from './parsed.js';
import type { ApiRoute } from './router.js';
import { mailDocument, mailDocumentCsp, sanitizeMailHtml, textFragment } from './sanitize.js';
import { listItem, summaryOf } from './summary.js';
import { sendThreadPage, threadRoutes } from './threads.js';

const SORTS = ['date', 'from', 'subject', 'size'] as const;
/** Served inline on request (the message view's images); anything else is a download. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function parseUid(value: string): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) < 1) throw Errors.notFound('No such message');
  return Number(value);
}

export async function ownMessage(ctx: AuthedContext): Promise<{ mailbox: Mailbox; record: MessageRecord }> {
  const mailbox = await ownMailbox(ctx, ctx.params.id);
  const [record] = await ctx.deps.store.mail.getMessages(mailbox.id, [parseUid(ctx.params.uid)]);
  if (!record) throw Errors.notFound('No such message');
  return { mailbox, record };
}

function partUrl(mailbox: Mailbox, uid: number, part: string): string {
  return `/api/mailboxes/${encodeURIComponent(mailbox.id)}/messages/${uid}/parts/${encodeURIComponent(part)}?inline=1`;
}

function partIdOf(a: Attachment, i: number): string {
  return a.partId ?? `n${i}`;
}

function attachmentsJson(parsed: ParsedMessage) {
  return parsed.mail.attachments.map((a, i) => ({
    part: partIdOf(a, i),
    filename: a.filename ?? null,
    contentType: a.contentType,
    size: a.size,
    inline: a.contentDisposition === 'inline' || a.related === true,
    cid: a.cid ?? null,
  }));
}

/** Inline images up to this size go into the frame's document as data: URLs: a sandboxed
 *  frame has an opaque origin, and the SameSite=Strict cookie does not go with its requests. */
const EMBED_MAX_BYTES = 2 * 1024 * 1024;

function sanitized(parsed: ParsedMessage, mailbox: Mailbox, uid: number, allowRemote: boolean, embed = false) {
  if (!parsed.mail.html) return null;
  const byCid = new Map<string, { part: string; a: Attachment }>();
  parsed.mail.attachments.forEach((a, i) => { if (a.cid) byCid.set(a.cid.toLowerCase(), { part: partIdOf(a, i), a }); });
  return sanitizeMailHtml(parsed.mail.html, {
    allowRemote,
    text: parsed.mail.text,
    cidUrl: (cid) => {
      const found = byCid.get(cid.toLowerCase());
      if (!found) return null;
      const type = found.a.contentType.toLowerCase();
      if (embed && INLINE_TYPES.has(type) && found.a.content.length <= EMBED_MAX_BYTES) {
        return `data:${type};base64,${found.a.content.toString('base64')}`;
      }
      return partUrl(mailbox, uid, found.part);
    },
  });
}

function addressList(v: ParsedMessage['mail']['to']): { name: string; address: string }[] {
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return list.flatMap((a) => a.value).flatMap(function flat(x): { name: string; address: string }[] {
    if (x.group) return x.group.flatMap(flat);
    return x.address ? [{ name: x.name ?? '', address: x.address }] : [];
  });
}

/**
 * Sender and subject orders need every summary of the folder: computed once and kept while the
 * folder's set of messages stays the same (same count and UIDNEXT: any append raises UIDNEXT,
 * any expunge lowers the count), for the next pages and the next visits.
 */
class SortedOrders {
  private readonly cache = new BoundedMap<string, { stamp: string; uids: number[] }>(32);

  async get(ctx: AuthedContext, mailboxId: string, status: MailboxStatus, sort: 'from' | 'subject'): Promise<number[]> {
    const key = `${mailboxId}:${sort}`;
    const stamp = `${status.uidValidity}:${status.uidNext}:${status.messages}`;
    const hit = this.cache.get(key);
    if (hit && hit.stamp === stamp) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit.uids;
    }
    // Only the sort field of each summary is read, not whole records.
    const all = await ctx.deps.store.mail.listSortKeys(mailboxId, null, [sort]);
    const keyOf = sort === 'from'
      ? (m: MessageSortKeys) => m.from?.name || m.from?.address || ''
      : (m: MessageSortKeys) => (m.subject ?? '').replace(/^((re|fwd?|tr)\s*:\s*)+/i, '');
    const collator = new Intl.Collator('fr', { sensitivity: 'base' });
    const keys = new Map(all.map((m) => [m.uid, keyOf(m)]));
    const uids = all.map((m) => m.uid).sort((a, b) => collator.compare(keys.get(a)!, keys.get(b)!) || a - b);
    this.cache.set(key, { stamp, uids });
    return uids;
  }
}

export function messageRoutes(reader: MessageReader): ApiRoute[] {
  const orders = new SortedOrders();
  return [
    ...threadRoutes(),
    {
      method: 'GET', path: '/mailboxes/:id/messages',
      async handler(ctx) {
        const mailbox = await ownMailbox(ctx, ctx.params.id);
        const offset = queryInt(ctx.url, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
        const limit = queryInt(ctx.url, 'limit', 50, 1, 200);
        const sort = queryEnum(ctx.url, 'sort', SORTS, 'date');
        const order = queryEnum(ctx.url, 'order', ['asc', 'desc'] as const, 'desc');
        if (queryEnum(ctx.url, 'group', ['none', 'thread'] as const, 'none') === 'thread') {
          // A conversation's place is its newest message's arrival: date order only.
          if (sort !== 'date') throw Errors.invalid('Conversations are sorted by date only', 'sort');
          return sendThreadPage(ctx, mailbox, { order, offset, limit });
        }
        const { mail } = ctx.deps.store;
        const status = await mail.mailboxStatus(mailbox.id);
        let page;
        if (sort === 'date' || sort === 'size') {
          // Sorted by the store on an index: the first page of a huge folder reads one page.
          page = (await mail.listMessagePage(mailbox.id, { sort, order, offset, limit })).map((r) => listItem(r));
        } else {
          const uids = await orders.get(ctx, mailbox.id, status, sort);
          const slice = (order === 'asc' ? uids.slice(offset, offset + limit) : [...uids].reverse().slice(offset, offset + limit));
          const records = new Map((await mail.getMessages(mailbox.id, slice)).map((r) => [r.uid, r]));
          page = slice.flatMap((uid) => { const r = records.get(uid); return r ? [listItem(r)] : []; });
        }
        sendJson(ctx.res, 200, { total: status.messages, messages: page });
      },
    },
    {
      method: 'GET', path: '/mailboxes/:id/messages/:uid',
      async handler(ctx) {
        const { mailbox, record } = await ownMessage(ctx);
        const parsed = await reader.read(record.blobId);
        const summary = summaryOf(record);
        let flags = record.flags;
        if (ctx.url.searchParams.get('peek') !== '1' && !flags.includes('\\Seen')) {
          const result = await ctx.deps.store.mail.updateFlags(mailbox.id, [record.uid], 'add', ['\\Seen']);
          flags = result.updated[0]?.flags ?? [...flags, '\\Seen'];
        }
        const from = summary?.from[0] ?? addressList(parsed.mail.from)[0] ?? null;
        const fromIsLocal = from ? (await ctx.deps.store.accounts.getDomain(domainOf(from.address).toLowerCase())) !== null : false;
        const html = sanitized(parsed, mailbox, record.uid, false);
        sendJson(ctx.res, 200, {
          uid: record.uid,
          mailboxId: mailbox.id,
          subject: summary?.subject ?? parsed.mail.subject ?? '',
          from,
          to: summary?.to ?? addressList(parsed.mail.to),
          cc: summary?.cc ?? addressList(parsed.mail.cc),
          bcc: summary?.bcc ?? addressList(parsed.mail.bcc),
          replyTo: summary?.replyTo ?? addressList(parsed.mail.replyTo),
          date: summary?.date ?? record.internalDate.toISOString(),
          messageId: summary?.messageId ?? null,
          inReplyTo: summary?.inReplyTo ?? null,
          references: summary?.references ?? [],
          flags,
          threadId: record.threadId,
          size: record.size,
          text: parsed.mail.text ?? '',
          html: html?.html ?? null,
          hasRemoteContent: html?.hasRemoteContent ?? false,
          attachments: attachmentsJson(parsed),
          auth: authView(ownAuthResults(parsed.raw, ctx.deps.hostname), fromIsLocal),
          invitation: ((ics) => (ics ? invitationJson(ics, ctx.user.address) : null))(calendarPart(parsed)),
        });
      },
    },
    {
      method: 'GET', path: '/mailboxes/:id/messages/:uid/body.html',
      async handler(ctx) {
        const { mailbox, record } = await ownMessage(ctx);
        const remote = ctx.url.searchParams.get('remote') === '1';
        const parsed = await reader.read(record.blobId);
        const html = sanitized(parsed, mailbox, record.uid, remote, true);
        const fragment = html ? html.html : textFragment(parsed.mail.text ?? '');
        sendDocument(ctx.res, mailDocument(fragment), remote);
      },
    },
    {
      method: 'GET', path: '/mailboxes/:id/messages/:uid/parts/:part',
      async handler(ctx) {
        const { record } = await ownMessage(ctx);
        const parsed = await reader.read(record.blobId);
        const i = parsed.mail.attachments.findIndex((a, n) => partIdOf(a, n) === ctx.params.part);
        if (i === -1) throw Errors.notFound('No such attachment');
        const a = parsed.mail.attachments[i];
        const type = a.contentType.toLowerCase();
        const inline = ctx.url.searchParams.get('inline') === '1' && INLINE_TYPES.has(type);
        const name = a.filename || `attachment-${ctx.params.part}`;
        ctx.res.writeHead(200, {
          'content-type': inline ? type : (type.includes('/') ? type : 'application/octet-stream'),
          'content-length': String(a.content.length),
          'content-disposition': `${inline ? 'inline' : 'attachment'}; ${dispositionFilename(name)}`,
          'x-content-type-options': 'nosniff',
          // Even opened directly, an HTML or SVG attachment must not run anything of ours.
          'content-security-policy': "default-src 'none'; sandbox",
          'cache-control': 'private, max-age=300',
        }).end(ctx.req.method === 'HEAD' ? undefined : a.content);
      },
    },
    {
      method: 'GET', path: '/mailboxes/:id/messages/:uid/raw',
      async handler(ctx) {
        const { record } = await ownMessage(ctx);
        const raw = await ctx.deps.store.blobs.get(record.blobId);
        ctx.res.writeHead(200, {
          'content-type': 'message/rfc822',
          'content-length': String(raw.length),
          'content-disposition': `attachment; filename="message-${record.uid}.eml"`,
          'x-content-type-options': 'nosniff',
          'content-security-policy': "default-src 'none'; sandbox",
          'cache-control': 'private, no-store',
        }).end(ctx.req.method === 'HEAD' ? undefined : raw);
      },
    },
  ];
}

function sendDocument(res: ServerResponse, html: string, remote: boolean): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': mailDocumentCsp(remote),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
    'referrer-policy': 'no-referrer',
    'cache-control': 'private, no-store',
  }).end(html);
}

/** RFC 6266 §4.3: an ASCII fallback and the UTF-8 name (RFC 8187). */
export function dispositionFilename(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
