// The data items of one FETCH response (RFC 9051 §7.5.2), in the order they were asked for.
import type { MessageIndexEntry, MessageRecord } from '../storage/index.js';
import { formatDateTime } from './dates.js';
import { flagList } from './flags.js';
import { bodyStructure } from './mime/bodystructure.js';
import { envelope } from './mime/envelope.js';
import { binaryBytes } from './mime/binary.js';
import { applyPartial, sectionBytes } from './mime/section.js';
import { objectId } from './objectid.js';
import { parseMessage, type MimePart } from './mime/tree.js';
import { atom, literal, literal8, str, type Value } from './protocol/compiler.js';
import { sectionResponseName, type FetchItem } from './protocol/fetch-att.js';

/** Items that need the message itself, not only its index entry. */
export function needsContent(item: FetchItem): boolean {
  return item.kind === 'section' || item.kind === 'binary' || item.kind === 'binary.size'
    || ['ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT'].includes(item.kind);
}

/** Items that need the stored record (its object ids) but not the octets. */
export function needsRecord(item: FetchItem): boolean {
  return item.kind === 'EMAILID' || item.kind === 'THREADID' || needsContent(item);
}

/** Items that mark the message \Seen when the mailbox is writable (RFC 9051 §6.4.5:
 *  BODY[...] without .PEEK; RFC 3501 §6.4.5: RFC822 and RFC822.TEXT). */
export function setsSeen(item: FetchItem): boolean {
  return ((item.kind === 'section' || item.kind === 'binary') && !item.peek) || item.kind === 'RFC822' || item.kind === 'RFC822.TEXT';
}

/** The "name value" pairs of one FETCH response, as a flat list of Values and raw words. */
export function fetchValues(items: readonly FetchItem[], entry: MessageIndexEntry, raw: Buffer | null, record: MessageRecord | null = null): (string | Value)[] {
  let tree: MimePart | null = null;
  const mime = (): MimePart => (tree ??= parseMessage(raw!));
  const out: (string | Value)[] = [];
  const add = (name: string, value: Value) => {
    if (out.length > 0) out.push(' ');
    out.push(`${name} `, value);
  };
  for (const item of items) {
    switch (item.kind) {
      case 'UID': add('UID', entry.uid); break;
      case 'FLAGS': add('FLAGS', flagList(entry.flags)); break;
      case 'INTERNALDATE': add('INTERNALDATE', str(formatDateTime(entry.internalDate))); break;
      case 'RFC822.SIZE': add('RFC822.SIZE', entry.size); break;
      case 'MODSEQ': add('MODSEQ', [entry.modseq]); break;
      case 'ENVELOPE': add('ENVELOPE', envelope(raw!, mime())); break;
      case 'BODYSTRUCTURE': add('BODYSTRUCTURE', bodyStructure(raw!, mime(), true)); break;
      case 'BODY': add('BODY', bodyStructure(raw!, mime(), false)); break;
      case 'RFC822': add('RFC822', literal(withoutNul(raw!))); break;
      case 'RFC822.HEADER': add('RFC822.HEADER', literal(withoutNul(raw!.subarray(0, mime().bodyStart)))); break;
      case 'RFC822.TEXT': add('RFC822.TEXT', literal(withoutNul(raw!.subarray(mime().bodyStart)))); break;
      // RFC 8474 §5.1-2: objectids in parentheses.
      case 'EMAILID': add('EMAILID', [atom(objectId(record!.emailId))]); break;
      case 'THREADID': add('THREADID', record!.threadId ? [atom(objectId(record!.threadId))] : null); break;
      case 'binary': {
        const data = binaryBytes(raw!, mime(), item.part);
        const name = `BINARY[${item.part.join('.')}]${item.partial ? `<${item.partial.start}>` : ''}`;
        const cut = data === null ? null : applyPartial(data, item.partial);
        // RFC 3516 §4.2: literal8 only where a NUL makes it necessary.
        add(name, cut === null ? null : cut.includes(0) ? literal8(cut) : literal(cut));
        break;
      }
      case 'binary.size': {
        const data = binaryBytes(raw!, mime(), item.part);
        add(`BINARY.SIZE[${item.part.join('.')}]`, data === null ? null : data.length);
        break;
      }
      case 'section': {
        const data = sectionBytes(raw!, mime(), item.section);
        add(sectionResponseName(item), data === null ? null : literal(withoutNul(applyPartial(data, item.partial))));
        break;
      }
    }
  }
  return out;
}

/** A literal cannot carry NUL (RFC 9051 §4.3: CHAR8); a stored message that has some is served
 *  with 0x80 in their place, as Dovecot does, sizes unchanged. Only BINARY could carry them. */
export function withoutNul(data: Buffer): Buffer {
  if (!data.includes(0)) return data;
  const copy = Buffer.from(data);
  for (let i = copy.indexOf(0); i >= 0; i = copy.indexOf(0, i + 1)) copy[i] = 0x80;
  return copy;
}
