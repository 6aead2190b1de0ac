// ENVELOPE (RFC 9051 §7.5.2, RFC 3501 §7.4.2): date, subject, from, sender, reply-to, to, cc,
// bcc, in-reply-to, message-id, each the raw unfolded header value (encoded words kept).
import { NIL, nstr, type Value } from '../protocol/compiler.js';
import { parseAddressList, type ImapAddress } from './address.js';
import { fieldValue, firstField } from './header.js';
import type { MimePart } from './tree.js';

const bin = (s: string) => Buffer.from(s, 'latin1');

export function envelope(raw: Buffer, message: MimePart): Value {
  const value = (name: string): string | null => {
    const f = firstField(message.fields, name);
    return f ? fieldValue(raw, f) : null;
  };
  const text = (name: string): Value => {
    const v = value(name);
    return v === null ? NIL : nstr(bin(v));
  };
  const addresses = (name: string): ImapAddress[] => {
    const v = value(name);
    return v === null ? [] : parseAddressList(v);
  };
  const from = addresses('from');
  // "If the Sender or Reply-To lines are absent in the header, or are present but empty, the
  // server sets the corresponding member of the envelope to be the same value as the from
  // member" (RFC 3501 §7.4.2; RFC 9051 §7.5.2 keeps it).
  const sender = addresses('sender');
  const replyTo = addresses('reply-to');
  return [
    text('date'),
    text('subject'),
    addressList(from),
    addressList(sender.length ? sender : from),
    addressList(replyTo.length ? replyTo : from),
    addressList(addresses('to')),
    addressList(addresses('cc')),
    addressList(addresses('bcc')),
    text('in-reply-to'),
    text('message-id'),
  ];
}

function addressList(list: ImapAddress[]): Value {
  if (list.length === 0) return NIL;
  // env-from = "(" 1*address ")": the addresses follow each other without spaces.
  return [{ concat: list.map((a) => [a.name, a.adl, a.mailbox, a.host].map((v) => (v === null ? NIL : nstr(bin(v))))) }];
}
