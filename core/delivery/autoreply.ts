// Out-of-office replies (RFC 3834). A local user who switched one on (webmail settings, kept in
// the store's per-user settings) answers personal mail with it: at most once per sender every
// few days (the audit log remembers who got one), never to bounces, lists, bulk mail, other
// robots or Junk, and only when the user is a visible recipient (§2). The reply goes through
// the delivery pipeline like any other message, from the null sender (§3.3), DKIM-signed.
import MailComposer from 'nodemailer/lib/mail-composer';
import { domainOf } from '../accounts/address.js';
import { FeedCache } from '../feed-cache.js';
import type { AnalyzedMessage } from '../mail/analyze.js';
import type { Store, User } from '../../storage/index.js';

export interface AutoReplySettings {
  enabled: boolean;
  subject: string;
  text: string;
  /** YYYY-MM-DD (inclusive, server's local date) or null. */
  start: string | null;
  end: string | null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** RFC 3834 §2: one reply per sender per period; 4 days as the RFC suggests (§2, "7 days" is the
 *  upper bound it names; Sieve vacation defaults to 7). */
export const AUTO_REPLY_PERIOD_MS = 4 * 86_400_000;
/** Robots' local parts (§2: owner-*, *-request, MAILER-DAEMON), and the usual no-reply names. */
const ROBOT = /^(mailer-daemon|postmaster|listserv|majordomo|owner-.*|.*-request|.*-owner|no-?reply|.*-bounces?|bounces?|do-?not-?reply)$/i;

/** The autoReply part of a user's settings document, read leniently. */
export function readAutoReply(settings: Record<string, unknown>): AutoReplySettings {
  const ar = (typeof settings.autoReply === 'object' && settings.autoReply !== null ? settings.autoReply : {}) as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  const day = (v: unknown) => (typeof v === 'string' && DAY.test(v) ? v : null);
  return { enabled: ar.enabled === true, subject: s(ar.subject), text: s(ar.text), start: day(ar.start), end: day(ar.end) };
}

export function localDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function autoReplyActive(ar: AutoReplySettings, now: Date): boolean {
  if (!ar.enabled) return false;
  const today = localDay(now);
  return (ar.start === null || today >= ar.start) && (ar.end === null || today <= ar.end);
}

/** Why a message gets no automatic reply, or null when it may get one (RFC 3834 §2). */
export function autoReplyBlocker(raw: Buffer, returnPath: string, analyzed: AnalyzedMessage, user: User, junk: boolean): string | null {
  if (!returnPath) return 'null sender';
  if (junk) return 'junk';
  const local = returnPath.slice(0, returnPath.lastIndexOf('@'));
  if (ROBOT.test(local)) return 'robot sender';
  if (returnPath.toLowerCase() === user.address) return 'own message';
  const headers = headerSection(raw);
  const auto = /^auto-submitted:\s*([^\r\n;]*)/im.exec(headers);
  if (auto && auto[1].trim().toLowerCase() !== 'no') return 'auto-submitted';
  if (/^precedence:\s*(bulk|list|junk)/im.test(headers)) return 'bulk';
  if (/^(list-id|list-unsubscribe|list-post|feedback-type|x-loop):/im.test(headers)) return 'list';
  if (/^x-auto-response-suppress:.*\b(oof|all)\b/im.test(headers)) return 'suppressed';
  const visible = [...analyzed.summary.to, ...analyzed.summary.cc].some((a) => a.address.toLowerCase() === user.address);
  if (!visible) return 'not a visible recipient';
  return null;
}

function headerSection(raw: Buffer): string {
  const end = raw.indexOf('\r\n\r\n');
  return raw.subarray(0, end === -1 ? Math.min(raw.length, 65536) : end).toString('latin1').replace(/\r\n[ \t]+/g, ' ');
}

export interface AutoReplyInput {
  users: User[];
  raw: Buffer;
  analyzed: AnalyzedMessage;
  returnPath: string;
  junk: boolean;
}

export type SendAutoReply = (user: User, to: string, raw: Buffer) => Promise<boolean>;

/** A user's out-of-office settings, from the store or from a cache of them. */
export type ReadAutoReply = (userId: string) => Promise<AutoReplySettings>;

/**
 * Out-of-office settings are needed for every local copy of every message delivered, and
 * change seldom: they are kept until the change feed reports a write of their owner's settings.
 */
export function autoReplySettings(store: Store): ReadAutoReply {
  const cache = new FeedCache(store, async (userId) => readAutoReply(await store.userSettings.get(userId)),
    (event) => (event.kind === 'user.settings' || event.kind === 'account.user' ? event.userId : undefined), { maxEntries: 50_000 });
  return (userId) => cache.get(userId);
}

/** Sends the replies due for one delivered message; returns the users who replied. */
export async function sendAutoReplies(store: Store, input: AutoReplyInput, send: SendAutoReply, now = new Date(),
  readSettings: ReadAutoReply = async (userId) => readAutoReply(await store.userSettings.get(userId))): Promise<string[]> {
  const replied: string[] = [];
  for (const user of input.users) {
    const settings = await readSettings(user.id);
    if (!autoReplyActive(settings, now)) continue;
    if (autoReplyBlocker(input.raw, input.returnPath, input.analyzed, user, input.junk)) continue;
    const to = input.returnPath.toLowerCase();
    const recent = await store.audit.query({ action: 'autoreply.sent', actor: user.address, target: to, since: new Date(now.getTime() - AUTO_REPLY_PERIOD_MS), limit: 1 });
    if (recent.length > 0) continue;
    const original = input.analyzed.summary;
    const messageId = original.messageId ? `<${original.messageId}>` : null;
    const composer = new MailComposer({
      from: { name: user.displayName, address: user.address },
      to,
      // §3.1.5: the subject says it is automatic and what it answers.
      subject: settings.subject.trim() || `Réponse automatique : ${original.subject}`.trim(),
      text: settings.text,
      ...(messageId ? { inReplyTo: messageId, references: [...original.references.map((r) => `<${r}>`), messageId] } : {}),
      messageId: `<autoreply.${globalThis.crypto.randomUUID()}@${domainOf(user.address)}>`,
      date: now,
      // §5: Auto-Submitted; the second keeps Exchange from answering an answer.
      headers: { 'auto-submitted': 'auto-replied', 'x-auto-response-suppress': 'All' },
    });
    const raw = await composer.compile().build();
    if (!(await send(user, to, raw))) continue;
    await store.audit.append({ actor: user.address, action: 'autoreply.sent', target: to, unit: user.unit, ip: null, success: true, details: {} });
    replied.push(user.address);
  }
  return replied;
}
