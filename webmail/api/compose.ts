// Sending and drafts. The message is built with nodemailer's MailComposer and goes through the
// server's one delivery pipeline (Delivery.submit: the same sender checks, limits and DKIM
// signing as SMTP submission); a copy is kept in Sent, a resumed draft is removed.
import { randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import addressparser from 'nodemailer/lib/addressparser';
import { appendRawMessage, domainOf, isFacteurError } from '../../core/index.js';
import type { Mailbox } from '../../storage/index.js';
import type { AuthedContext } from './context.js';
import { Errors, refusalError } from './errors.js';
import { sendJson, str, strList } from './http.js';
import { ownMailbox, specialMailbox } from './mailboxes.js';
import type { ApiRoute } from './router.js';

interface Draft {
  to: { name: string; address: string }[];
  cc: { name: string; address: string }[];
  bcc: { name: string; address: string }[];
  subject: string;
  text: string;
  html: string | null;
  attachments: { filename: string; contentType: string; content: Buffer }[];
  inReplyTo: string | null;
  references: string[];
  previous: { mailboxId: string; uid: number } | null;
  /** The message replied to or forwarded, flagged once this one is sent. */
  source: { mailboxId: string; uid: number; kind: 'reply' | 'forward' } | null;
}

const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.?[^\s@<>()",;:]*$/;
const MESSAGE_ID = /^<?([^<>\s]{1,250})>?$/;

/** One address per entry, as the app sends them. addressparser reads a whole header: given
 *  "bob@x\r\nBcc: carol@y" it returns carol alone, who would get the message instead of bob. */
function recipients(body: Record<string, unknown>, field: string) {
  const out: { name: string; address: string }[] = [];
  for (const entry of strList(body, field, 1000)) {
    if (entry.trim() === '') continue;
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(entry)) throw Errors.invalid(`"${field}" has an entry with a line break or a control character`, field);
    const parsed = addressparser(entry, { flatten: true }) as { name: string; address: string }[];
    if (parsed.length > 1) throw Errors.invalid(`"${entry}" holds several addresses: give one per entry`, field);
    const [a] = parsed;
    if (!a || !ADDRESS.test(a.address ?? '')) throw Errors.invalid(`"${entry}" is not an address`, field);
    out.push({ name: a.name ?? '', address: a.address });
  }
  return out;
}

function messageIds(values: string[], field: string): string[] {
  return values.map((v) => {
    const m = MESSAGE_ID.exec(v.trim());
    if (!m) throw Errors.invalid(`"${v}" is not a Message-ID`, field);
    return `<${m[1]}>`;
  });
}

async function readDraft(ctx: AuthedContext): Promise<Draft> {
  const body = await ctx.body();
  const attachments = (() => {
    const list = body.attachments;
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list) || list.length > 100) throw Errors.invalid('"attachments" must be an array (at most 100)', 'attachments');
    return list.map((a: unknown) => {
      if (typeof a !== 'object' || a === null) throw Errors.invalid('each attachment is {filename, contentType, contentBase64}', 'attachments');
      const o = a as Record<string, unknown>;
      const contentType = str(o, 'contentType', { optional: true, max: 200 }) || 'application/octet-stream';
      if (!/^[\w.+-]+\/[\w.+-]+$/.test(contentType)) throw Errors.invalid(`"${contentType}" is not a media type`, 'attachments');
      const b64 = str(o, 'contentBase64');
      if (!/^[A-Za-z0-9+/=\s]*$/.test(b64)) throw Errors.invalid('"contentBase64" is not base64', 'attachments');
      return { filename: str(o, 'filename', { max: 255 }).replace(/[\r\n]/g, ' '), contentType, content: Buffer.from(b64, 'base64') };
    });
  })();
  const draftRef = body.draft;
  let previous: Draft['previous'] = null;
  if (draftRef !== undefined && draftRef !== null) {
    const d = draftRef as Record<string, unknown>;
    if (typeof d !== 'object' || typeof d.mailboxId !== 'string' || !Number.isSafeInteger(d.uid)) throw Errors.invalid('"draft" is {mailboxId, uid}', 'draft');
    previous = { mailboxId: d.mailboxId, uid: d.uid as number };
  }
  let source: Draft['source'] = null;
  if (body.source !== undefined && body.source !== null) {
    const o = body.source as Record<string, unknown>;
    if (typeof o !== 'object' || typeof o.mailboxId !== 'string' || !Number.isSafeInteger(o.uid) || (o.kind !== 'reply' && o.kind !== 'forward')) {
      throw Errors.invalid('"source" is {mailboxId, uid, kind: "reply" | "forward"}', 'source');
    }
    source = { mailboxId: o.mailboxId, uid: o.uid as number, kind: o.kind };
  }
  const inReplyTo = str(body, 'inReplyTo', { optional: true, max: 1000 });
  const html = body.html === undefined || body.html === null || body.html === '' ? null : str(body, 'html');
  const references = Array.isArray(body.references) ? strList(body, 'references', 200)
    : str(body, 'references', { optional: true, max: 20_000 }).split(/\s+/).filter(Boolean);
  return {
    to: recipients(body, 'to'), cc: recipients(body, 'cc'), bcc: recipients(body, 'bcc'),
    subject: str(body, 'subject', { optional: true, max: 2000 }).replace(/[\r\n]+/g, ' '),
    text: str(body, 'text', { optional: true }),
    html,
    attachments,
    inReplyTo: inReplyTo ? messageIds([inReplyTo], 'inReplyTo')[0] : null,
    references: messageIds(references, 'references'),
    previous,
    source,
  };
}

/** The message as MIME. `keepBcc` for the copies the author keeps (Sent, Drafts), never for
 *  the one that is sent. */
async function build(ctx: AuthedContext, d: Draft, ids: { messageId: string; date: Date }, keepBcc: boolean): Promise<Buffer> {
  const composer = new MailComposer({
    from: { name: ctx.user.displayName, address: ctx.user.address },
    to: d.to, cc: d.cc, bcc: d.bcc,
    subject: d.subject,
    text: d.text,
    ...(d.html ? { html: d.html } : {}),
    attachments: d.attachments,
    ...(d.inReplyTo ? { inReplyTo: d.inReplyTo } : {}),
    ...(d.references.length ? { references: d.references } : {}),
    messageId: ids.messageId,
    date: ids.date,
    headers: { 'user-agent': 'Facteur webmail' },
  });
  const node = composer.compile();
  node.keepBcc = keepBcc;
  return node.build();
}

function newIds(ctx: AuthedContext) {
  return { messageId: `<${randomUUID()}@${domainOf(ctx.user.address)}>`, date: new Date() };
}

/** Removes the draft this message replaces; a draft already gone is no error. */
async function dropPrevious(ctx: AuthedContext, previous: Draft['previous']): Promise<void> {
  if (!previous) return;
  let mailbox: Mailbox;
  try {
    mailbox = await ownMailbox(ctx, previous.mailboxId);
  } catch {
    return;
  }
  await ctx.deps.store.mail.expunge(mailbox.id, { uids: [previous.uid], onlyDeleted: false });
}

function checkSize(ctx: AuthedContext, raw: Buffer) {
  if (raw.length > ctx.deps.maxMessageBytes) throw Errors.tooLarge(ctx.deps.maxMessageBytes);
}

export function composeRoutes(): ApiRoute[] {
  return [
    {
      method: 'POST', path: '/send', body: 'message',
      async handler(ctx) {
        const draft = await readDraft(ctx);
        const envelope = [...new Set([...draft.to, ...draft.cc, ...draft.bcc].map((a) => a.address.toLowerCase()))];
        if (envelope.length === 0) throw Errors.invalid('Give at least one recipient', 'to');
        const ids = newIds(ctx);
        const raw = await build(ctx, draft, ids, false);
        checkSize(ctx, raw);
        const received = `Received: by ${ctx.deps.hostname} (Facteur webmail); ${ids.date.toUTCString().replace(/GMT$/, '+0000')}\r\n`;
        const result = await ctx.deps.delivery.submit(
          { kind: 'webmail', ip: ctx.req.socket.remoteAddress ?? null, user: ctx.user },
          { from: ctx.user.address, to: envelope }, raw, { traceHeaders: received },
        );
        if (!result.decision.ok) {
          ctx.log.info({ status: result.decision.status, rcpts: envelope.length }, 'webmail send refused');
          throw refusalError(result.decision);
        }
        ctx.log.info({ rcpts: envelope.length, bytes: raw.length, delivered: result.delivered, queued: result.queued.length }, 'webmail message sent');
        // Sent already: a copy that does not fit (quota) must not turn the send into an error.
        let sent: { mailboxId: string; uid: number } | null = null;
        let warning: string | null = null;
        const sentBox = await specialMailbox(ctx, '\\Sent');
        if (sentBox) {
          try {
            const copy = await appendRawMessage(ctx.deps.store, sentBox.id, await build(ctx, draft, ids, true), { flags: ['\\Seen'] });
            sent = { mailboxId: sentBox.id, uid: copy.uid };
          } catch (err) {
            if (!isFacteurError(err) || err.code !== 'OVER_QUOTA') throw err;
            warning = 'The message was sent, but your mailbox is full: no copy was kept in Sent.';
          }
        }
        await dropPrevious(ctx, draft.previous);
        if (draft.source) {
          // RFC 3501 \Answered; $Forwarded from the IMAP keyword registry (RFC 5788).
          const mailbox = await ownMailbox(ctx, draft.source.mailboxId).catch(() => null);
          if (mailbox) await ctx.deps.store.mail.updateFlags(mailbox.id, [draft.source.uid], 'add', [draft.source.kind === 'reply' ? '\\Answered' : '$Forwarded']);
        }
        sendJson(ctx.res, 200, { messageId: ids.messageId, sent, warning });
      },
    },
    {
      method: 'POST', path: '/drafts', body: 'message',
      async handler(ctx) {
        const draft = await readDraft(ctx);
        const drafts = await specialMailbox(ctx, '\\Drafts');
        if (!drafts) throw Errors.conflict('There is no Drafts folder');
        const raw = await build(ctx, draft, newIds(ctx), true);
        checkSize(ctx, raw);
        const saved = await appendRawMessage(ctx.deps.store, drafts.id, raw, { flags: ['\\Seen', '\\Draft'] });
        // Only once the new version is stored: a failure keeps the old one.
        if (!(draft.previous && draft.previous.mailboxId === drafts.id && draft.previous.uid === saved.uid)) await dropPrevious(ctx, draft.previous);
        sendJson(ctx.res, 200, { mailboxId: drafts.id, uid: saved.uid });
      },
    },
  ];
}
