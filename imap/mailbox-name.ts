// Mailbox names between the wire (modified UTF-7, RFC 3501 §5.1.3) and the store (Unicode,
// "/" as the hierarchy separator, "INBOX" in any case meaning INBOX, RFC 9051 §5.1).
import { Invalid } from '../core/index.js';
import { decodeMutf7, encodeMutf7, MailboxNameError } from './protocol/mutf7.js';

export const SEPARATOR = '/';

/** The store name for a mailbox argument; Invalid when it is not valid modified UTF-7. */
export function mailboxFromWire(raw: Buffer): string {
  let name: string;
  try {
    name = decodeMutf7(raw.toString('latin1'));
  } catch (err) {
    if (err instanceof MailboxNameError) throw new Invalid(`${err.message}`, 'name');
    throw err;
  }
  return normalizeInbox(name);
}

/** "inbox" and "Inbox/x" are INBOX and INBOX/x. */
export function normalizeInbox(name: string): string {
  const cut = name.indexOf(SEPARATOR);
  const first = cut < 0 ? name : name.slice(0, cut);
  return first.toUpperCase() === 'INBOX' ? `INBOX${name.slice(first.length)}` : name;
}

/** A name a new mailbox may take: LIST wildcards in names would make patterns ambiguous. */
export function checkNewName(name: string): void {
  if (/[*%]/.test(name)) throw new Invalid('mailbox names cannot contain * or %', 'name');
}

export function mailboxToWire(name: string): Buffer {
  return Buffer.from(encodeMutf7(name), 'latin1');
}
