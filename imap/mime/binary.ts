// BINARY[section] contents (RFC 3516 §4.2): the part's body with its Content-Transfer-Encoding
// undone. Parts that are multipart or message/* are not encoded themselves and are served as stored.
import { fieldValue, firstField } from './header.js';
import { findPart, type MimePart } from './tree.js';

/** The CTE is one the server cannot undo: the FETCH fails with NO [UNKNOWN-CTE]. */
export class UnknownCte extends Error {
  constructor(readonly cte: string) {
    super(`unknown Content-Transfer-Encoding ${cte}`);
  }
}

/** The decoded octets of `part` ([] = the whole message, as stored), or null when there is no such part. */
export function binaryBytes(raw: Buffer, root: MimePart, part: readonly number[]): Buffer | null {
  if (part.length === 0) return raw;
  const p = findPart(root, [...part]);
  if (!p) return null;
  const body = raw.subarray(p.bodyStart, p.end);
  const field = firstField(p.fields, 'content-transfer-encoding');
  const cte = field ? fieldValue(raw, field).toLowerCase() : '7bit';
  switch (cte) {
    case '7bit': case '8bit': case 'binary': return body;
    case 'base64': return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
    case 'quoted-printable': return decodeQuotedPrintable(body);
    default: throw new UnknownCte(cte);
  }
}

/** RFC 2045 §6.7: "=XX" octets and "=" soft line breaks; a malformed "=" is kept as is. */
export function decodeQuotedPrintable(data: Buffer): Buffer {
  const out = Buffer.alloc(data.length);
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (c !== 0x3d) {
      out[n++] = c;
      continue;
    }
    // Soft line break: "=" then optional trailing whitespace then CRLF (or LF).
    let j = i + 1;
    while (data[j] === 0x20 || data[j] === 0x09) j++;
    if (data[j] === 0x0d && data[j + 1] === 0x0a) { i = j + 1; continue; }
    if (data[j] === 0x0a) { i = j; continue; }
    const hex = data.subarray(i + 1, i + 3).toString('latin1');
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out[n++] = parseInt(hex, 16);
      i += 2;
    } else {
      out[n++] = c;
    }
  }
  return out.subarray(0, n);
}
