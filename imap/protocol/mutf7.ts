// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3): printable ASCII stands for itself
// except "&", written "&-"; other characters go as UTF-16 in modified base64 ("," for "/")
// between "&" and "-". Decoding is strict (RFC 3501 §5.1.3: shifted runs must be minimal
// and not encode printable ASCII), so that one name has exactly one spelling.

export class MailboxNameError extends Error {}

const PLAIN = /^[\x20-\x25\x27-\x7e]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function encodeMutf7(name: string): string {
  let out = '';
  let pending: number[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const bytes = Buffer.alloc(pending.length * 2);
    pending.forEach((u, i) => bytes.writeUInt16BE(u, i * 2));
    out += `&${bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
    pending = [];
  };
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e) {
      flush();
      out += c === 0x26 ? '&-' : name[i];
    } else {
      pending.push(c);
    }
  }
  flush();
  return out;
}

export function decodeMutf7(text: string): string {
  // Printable ASCII without "&" stands for itself (and is its own canonical form): most names.
  if (PLAIN.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new MailboxNameError('mailbox names must be 7-bit (modified UTF-7)');
    if (c !== 0x26) {
      out += text[i];
      continue;
    }
    const end = text.indexOf('-', i + 1);
    if (end < 0) throw new MailboxNameError('unterminated "&" sequence in mailbox name');
    const b64 = text.slice(i + 1, end);
    i = end;
    if (b64 === '') {
      out += '&';
      continue;
    }
    if (!/^[A-Za-z0-9+,]+$/.test(b64)) throw new MailboxNameError('invalid modified base64 in mailbox name');
    const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2 !== 0 || bytes.length === 0) throw new MailboxNameError('invalid UTF-16 in mailbox name');
    let run = '';
    for (let j = 0; j < bytes.length; j += 2) run += String.fromCharCode(bytes.readUInt16BE(j));
    if (LONE_SURROGATE.test(run)) throw new MailboxNameError('invalid UTF-16 in mailbox name');
    out += run;
  }
  // Round trip: rejects padding bits, printable ASCII inside a shift, two adjacent shifts.
  if (encodeMutf7(out) !== text) throw new MailboxNameError('non-canonical modified UTF-7 in mailbox name');
  return out;
}
