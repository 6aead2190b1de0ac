// The one delivery pipeline (../shared/ARCHITECTURE.md): MX, submission, webmail send, the
// CLI, bounces and auto-replies all go through checkSender -> checkRecipient -> accept.
// Local recipients are stored at once; remote ones go into the persistent outbound queue.
// A message is acknowledged only once every copy is durably stored.
import { domainOf } from '../accounts/address.js';
import { isFacteurError } from '../errors.js';
import type { Logger } from '../log.js';
import { analyzeMessage, type AnalyzedMessage } from '../mail/analyze.js';
import type { Store, User } from '../../storage/index.js';
import { autoReplySettings, sendAutoReplies, type ReadAutoReply } from './autoreply.js';
import { ACCEPT, Refusals, type Decision } from './decision.js';
import { buildDsn, type FailedRecipient } from './dsn.js';
import { SendingLimiter } from './limits.js';
import { applyCalendarReplies } from './itip-replies.js';
import { deliverLocal } from './local.js';
import { mailboxIds, type MailboxIds } from '../mail/mailbox-ids.js';
import { dedupeTargets, localDomains, resolveRecipient, wantsFailureNotice, type RecipientDsn, type ResolvedRecipient } from './recipients.js';
import { fromFieldCount, mayUseAddress } from './sender.js';
import { signMessage } from './sign.js';
import type { Srs } from './srs.js';

export type OriginKind = 'mx' | 'submission' | 'webmail' | 'dav' | 'cli' | 'bounce' | 'autoreply';

export interface Origin {
  kind: OriginKind;
  ip?: string | null;
  /** The authenticated user for submission and webmail. */
  user?: User | null;
}

export interface DeliveryOptions {
  /** Our name in trace headers and bounces. */
  hostname: string;
  maxMessageBytes: number;
  maxRecipients: number;
  /** How long the outbound queue keeps trying a remote recipient. */
  queueLifetimeMs: number;
  /** Per authenticated user; 0 = no limit. */
  sendLimitPerHour: number;
  /** Where bounces that could not be sent are told. */
  log?: Logger;
  /** Sender rewriting for mail from outside that an alias forwards to another domain (srs.ts);
   *  null or absent: forwarded mail keeps its sender. */
  srs?: Srs | null;
}

/** A recipient to bounce, with the RCPT TO parameters that decide whether and how. */
export type BounceRecipient = FailedRecipient & { dsn?: RecipientDsn | null };

export interface BounceOptions {
  envid?: string | null;
  ret?: 'FULL' | 'HDRS' | null;
}

export interface AcceptExtras {
  /** Received, Authentication-Results... CRLF-terminated, prepended to local copies. */
  traceHeaders?: string;
  /** File local copies in Junk (DMARC quarantine). */
  junk?: boolean;
  /** DSN parameters for the queue (RFC 3461). */
  dsn?: { envid?: string | null; ret?: 'FULL' | 'HDRS' | null };
  /** The message's analysis when the caller already made it (the MX listener does, on its
   *  own thread): it must be of these very bytes. */
  analyzed?: AnalyzedMessage;
}

export interface DeliveryResult {
  decision: Decision;
  /** Local copies stored. */
  delivered: number;
  /** Outbound queue entries created (one per destination domain). */
  queued: string[];
}

const AUTHENTICATED: OriginKind[] = ['submission', 'webmail', 'dav', 'cli'];

/** Whether MAIL FROM from this origin needs the store: only authenticated senders are checked
 *  (the MX thread answers the others itself instead of a call to the main thread). */
export function senderNeedsCheck(kind: OriginKind): boolean {
  return AUTHENTICATED.includes(kind);
}

export class Delivery {
  private readonly limiter: SendingLimiter;
  private readonly autoReplySettings: ReadAutoReply;
  private readonly isLocal: (domain: string) => Promise<boolean>;
  private readonly inboxes: MailboxIds;

  constructor(private readonly store: Store, readonly options: DeliveryOptions) {
    this.limiter = new SendingLimiter(options.sendLimitPerHour);
    this.isLocal = localDomains(store);
    this.inboxes = mailboxIds(store);
    this.autoReplySettings = autoReplySettings(store);
  }

  /** MAIL FROM. The null sender is allowed from the outside (bounces), never from users. */
  async checkSender(origin: Origin, from: string): Promise<Decision> {
    if (!senderNeedsCheck(origin.kind)) return ACCEPT;
    if (!origin.user) return Refusals.senderNotOwned(from);
    if (!(await mayUseAddress(this.store, origin.user, from))) return Refusals.senderNotOwned(from);
    return ACCEPT;
  }

  /** RCPT TO. Only authenticated origins and our own bounces may send to other domains. */
  async checkRecipient(origin: Origin, rcpt: string): Promise<ResolvedRecipient> {
    const mayRelay = origin.kind !== 'mx';
    return resolveRecipient(this.store, rcpt, { mayRelay, isLocal: this.isLocal, srs: this.options.srs, postmaster: () => this.serverPostmaster() });
  }

  /** postmaster@ the closest domain of our host name that has one (mx.ecole.fr: mx.ecole.fr,
   *  then ecole.fr), or null. */
  private async serverPostmaster(): Promise<string | null> {
    const labels = this.options.hostname.toLowerCase().split('.');
    for (let i = 0; i < labels.length - 1; i++) {
      const address = `postmaster@${labels.slice(i).join('.')}`;
      if (await this.store.accounts.resolveAddress(address)) return address;
    }
    return null;
  }

  /** End of DATA: the recipients are those checkRecipient accepted. */
  async accept(origin: Origin, from: string, recipients: ResolvedRecipient[], raw: Buffer, extras: AcceptExtras = {}): Promise<DeliveryResult> {
    const none = (decision: Decision): DeliveryResult => ({ decision, delivered: 0, queued: [] });
    if (raw.length > this.options.maxMessageBytes) return none(Refusals.tooBig(this.options.maxMessageBytes));
    const accepted = recipients.filter((r) => r.decision.ok);
    if (accepted.length === 0) return none(Refusals.noRecipients());
    const analyzed = extras.analyzed ?? await analyzeMessage(raw);

    let message = raw;
    if (AUTHENTICATED.includes(origin.kind)) {
      const user = origin.user;
      if (!user) return none(Refusals.senderNotOwned(from));
      if (fromFieldCount(raw) > 1) return none(Refusals.multipleFrom());
      // RFC 5322 From: must be the user's too, or the envelope check would be for show.
      for (const author of analyzed.summary.from) {
        if (!(await mayUseAddress(this.store, user, author.address))) return none(Refusals.fromNotOwned(author.address));
      }
      if (!this.limiter.take(user.id)) return none(Refusals.rateLimited());
      const author = analyzed.summary.from[0]?.address || from;
      message = await signMessage(this.store, raw, domainOf(author));
    } else if (origin.kind === 'autoreply' && origin.user) {
      // Written by us for a user: signed like their own mail, or DMARC would fail it.
      message = await signMessage(this.store, raw, domainOf(origin.user.address));
    }

    const { users, remote } = dedupeTargets(accepted.flatMap((r) => r.targets));
    // Each final address keeps the NOTIFY/ORCPT of the RCPT TO it came from.
    const dsnOf = new Map<string, RecipientDsn>();
    for (const r of accepted) {
      if (!r.dsn) continue;
      for (const t of r.targets) dsnOf.set(t.kind === 'local' ? t.user.address : t.address, r.dsn);
    }
    let stored;
    try {
      stored = await deliverLocal(this.store, {
        users, raw: message, analyzed, returnPath: from, headers: extras.traceHeaders ?? '', junk: extras.junk ?? false, inboxes: this.inboxes,
      });
    } catch (err) {
      if (isFacteurError(err) && err.code === 'UNAVAILABLE') return none(Refusals.storageFailed());
      throw err;
    }
    if (stored.overQuota.length > 0 && stored.stored.length === 0 && remote.length === 0) {
      return none(Refusals.messageWontFit());
    }

    const queued: string[] = [];
    const byDomain = new Map<string, string[]>();
    for (const address of remote) {
      const d = domainOf(address);
      byDomain.set(d, [...(byDomain.get(d) ?? []), address]);
    }
    // Remote copies carry the trace headers too: a message leaving through us says it passed
    // here (RFC 5321 §4.4), which is also how a loop between servers is seen.
    const outgoing = extras.traceHeaders ? Buffer.concat([Buffer.from(extras.traceHeaders, 'utf8'), message]) : message;
    // Mail from outside leaves again only through an alias or group that forwards it, or back
    // to the sender an SRS address encodes: with a sender of ours, so that SPF passes at the
    // next hop, and bounces come back to us (srs.ts).
    const envelopeFrom = origin.kind === 'mx' && this.options.srs ? this.options.srs.forward(from) : from;
    try {
      for (const [domain, list] of byDomain) {
        const entry = await this.store.queue.enqueue({
          from: envelopeFrom, domain, recipients: list, raw: outgoing,
          expiresAt: new Date(Date.now() + this.options.queueLifetimeMs),
          meta: {
            envid: extras.dsn?.envid ?? null, ret: extras.dsn?.ret ?? null, origin: origin.kind,
            recipients: Object.fromEntries(list.filter((a) => dsnOf.has(a)).map((a) => [a, dsnOf.get(a)])),
          },
        });
        queued.push(entry.id);
      }
    } catch (err) {
      // All or nothing, as for local copies: the sender will retry after a 451, and must not
      // cause duplicates by doing so.
      await Promise.allSettled([
        ...stored.stored.map((s) => this.store.mail.expunge(s.mailboxId, { uids: [s.uid], onlyDeleted: false })),
        ...queued.map((id) => this.store.queue.remove(id)),
      ]);
      if (isFacteurError(err) && err.code === 'UNAVAILABLE') return none(Refusals.storageFailed());
      throw err;
    }

    // Some local recipients were full while others got the message: tell the sender.
    if (stored.overQuota.length > 0) {
      await this.bounce(from, raw, stored.overQuota.map((u) => ({
        address: u.address, status: '5.2.2', diagnostic: '552 5.2.2 Mailbox full', dsn: dsnOf.get(u.address), originalRecipient: dsnOf.get(u.address)?.orcpt,
      })), extras.dsn ?? {});
    }
    if (stored.stored.length > 0 && (origin.kind === 'mx' || origin.kind === 'submission' || origin.kind === 'webmail' || origin.kind === 'dav')) {
      // After the acknowledgement is decided, not before: an out-of-office reply, or an
      // invitation answer filed in the organizer's calendar, must never hold up (or fail) the
      // delivery it follows.
      const input = { users: stored.stored.map((s) => s.user), raw, analyzed, returnPath: from, junk: extras.junk ?? false };
      void sendAutoReplies(this.store, input, (user, to, reply) => this.sendAutoReply(user, to, reply), new Date(), this.autoReplySettings)
        .catch((err) => this.options.log?.warn({ err }, 'out-of-office reply failed'));
      void applyCalendarReplies(this.store, input)
        .catch((err) => this.options.log?.warn({ err }, 'applying an invitation answer failed'));
    }
    return { decision: ACCEPT, delivered: stored.stored.length, queued };
  }

  private async sendAutoReply(user: User, to: string, raw: Buffer): Promise<boolean> {
    const result = await this.submit({ kind: 'autoreply', user }, { from: '', to: [to] }, raw);
    if (!result.decision.ok) this.options.log?.info({ user: user.address, reason: result.decision.text }, 'out-of-office reply refused by the pipeline');
    return result.decision.ok;
  }

  /** The whole pipeline in one call, for senders that are not an SMTP session: webmail,
   *  the CLI, bounces, auto-replies. The first refusal is returned. */
  async submit(origin: Origin, envelope: { from: string; to: string[] }, raw: Buffer, extras: AcceptExtras = {}): Promise<DeliveryResult & { recipients: ResolvedRecipient[] }> {
    const fail = (decision: Decision, recipients: ResolvedRecipient[] = []) => ({ decision, delivered: 0, queued: [], recipients });
    const sender = await this.checkSender(origin, envelope.from);
    if (!sender.ok) return fail(sender);
    if (envelope.to.length > this.options.maxRecipients) return fail(Refusals.tooManyRecipients(this.options.maxRecipients));
    const recipients = await Promise.all(envelope.to.map((rcpt) => this.checkRecipient(origin, rcpt)));
    const refused = recipients.find((r) => !r.decision.ok);
    if (refused) return fail(refused.decision, recipients);
    return { ...(await this.accept(origin, envelope.from, recipients, raw, extras)), recipients };
  }

  /** Sends a DSN to `sender` about the recipients of `failed` that want one (NOTIFY, RFC 3461
   *  §4.1). Bounces never bounce: nothing is sent for a message that had the null sender. A
   *  bounce the pipeline refuses (its sender's mailbox is gone or full) is logged and dropped:
   *  returning it would loop. Throws only on a store fault, for the caller to retry. */
  async bounce(sender: string, originalRaw: Buffer, failed: BounceRecipient[], options: BounceOptions = {}): Promise<void> {
    const wanted = failed.filter((f) => wantsFailureNotice(f.dsn));
    if (!sender || wanted.length === 0) return;
    const dsn = buildDsn({
      reportingMta: this.options.hostname, originalSender: sender, originalRaw, envid: options.envid, ret: options.ret, arrivalDate: new Date(),
      failed: wanted.map(({ dsn: _dsn, ...f }) => f),
    });
    const result = await this.submit({ kind: 'bounce' }, { from: '', to: [sender] }, dsn);
    if (!result.decision.ok) {
      this.options.log?.warn({ sender, recipients: wanted.map((f) => f.address), reason: result.decision.text }, 'bounce refused by the pipeline; dropped');
    }
  }
}
