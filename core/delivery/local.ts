// Local delivery: one copy per user, each with its own Return-Path and Delivered-To
// (RFC 5321 §4.4; Delivered-To lets loops be seen), into INBOX or Junk. The copies are
// acknowledged together: if storage fails for one (other than quota), the ones already
// stored are removed again and the caller answers 451, so a retry cannot duplicate them.
import { NotFound, OverQuota, Unavailable } from '../errors.js';
import { mailboxKey, type MailboxIds } from '../mail/mailbox-ids.js';
import type { AnalyzedMessage } from '../mail/analyze.js';
import type { Store, User } from '../../storage/index.js';

export interface LocalDeliveryInput {
  users: User[];
  raw: Buffer;
  analyzed: AnalyzedMessage;
  /** Envelope sender ('' for bounces). */
  returnPath: string;
  /** Trace and authentication headers to prepend, CRLF-terminated. */
  headers: string;
  junk: boolean;
  /** Where the INBOXes are, when the caller keeps them; the store is asked otherwise. */
  inboxes?: MailboxIds;
}

export interface LocalDeliveryResult {
  stored: { user: User; mailboxId: string; uid: number }[];
  overQuota: User[];
}

const PARALLEL = 8;

export async function deliverLocal(store: Store, input: LocalDeliveryInput): Promise<LocalDeliveryResult> {
  const result: LocalDeliveryResult = { stored: [], overQuota: [] };
  let fault: unknown = null;
  for (let i = 0; i < input.users.length && !fault; i += PARALLEL) {
    const batch = input.users.slice(i, i + PARALLEL);
    const outcomes = await Promise.allSettled(batch.map((user) => storeCopy(store, user, input)));
    outcomes.forEach((o, j) => {
      if (o.status === 'fulfilled') result.stored.push(o.value);
      else if (o.reason instanceof OverQuota) result.overQuota.push(batch[j]);
      else fault ??= o.reason;
    });
  }
  if (fault) {
    await Promise.allSettled(result.stored.map((s) => store.mail.expunge(s.mailboxId, { uids: [s.uid], onlyDeleted: false })));
    throw new Unavailable('local delivery failed', { cause: fault });
  }
  return result;
}

async function storeCopy(store: Store, user: User, input: LocalDeliveryInput) {
  const junk = input.junk ? await store.mail.findMailboxBySpecialUse(user.id, '\\Junk') : null;
  const inbox = async () => (input.inboxes ? input.inboxes.get(mailboxKey(user.id, 'INBOX')) : (await store.mail.findMailbox(user.id, 'INBOX'))?.id ?? null);
  let folderId = junk?.id ?? (await inbox());
  if (!folderId) throw new Unavailable(`user ${user.address} has no INBOX`);
  const prefix = `Return-Path: <${input.returnPath}>\r\nDelivered-To: ${user.address}\r\n${input.headers}`;
  const raw = Buffer.concat([Buffer.from(prefix, 'utf8'), input.raw]);
  const append = { raw, summary: input.analyzed.summary, search: input.analyzed.search, threading: input.analyzed.threading };
  try {
    return { user, mailboxId: folderId, uid: (await store.mail.appendMessage(folderId, append)).uid };
  } catch (err) {
    if (!(err instanceof NotFound) || junk || !input.inboxes) throw err;
    // The INBOX known here went with its owner a moment ago: ask the store once more.
    input.inboxes.forget(mailboxKey(user.id, 'INBOX'));
    folderId = await inbox();
    if (!folderId) throw new Unavailable(`user ${user.address} has no INBOX`);
    return { user, mailboxId: folderId, uid: (await store.mail.appendMessage(folderId, append)).uid };
  }
}
