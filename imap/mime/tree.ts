// The MIME structure of a stored message as byte ranges into its raw octets (RFC 2045,
// RFC 2046), from which BODYSTRUCTURE, ENVELOPE and every BODY[section] are served without
// re-encoding anything.
import { fieldValue, firstField, parseHeaderBlock, type HeaderField } from './header.js';
import { parseHeaderValue } from './params.js';

export interface MimePart {
  /** First octet of the part's header. */
  start: number;
  /** First octet of its body. */
  bodyStart: number;
  /** End of its body (exclusive). */
  end: number;
  fields: HeaderField[];
  /** Media type and subtype as written, or the default; compare lower-cased. */
  type: string;
  subtype: string;
  params: [string, string][];
  /** Body parts of a multipart. */
  children: MimePart[];
  /** The encapsulated message of a message/rfc822 (or message/global) part. */
  message: MimePart | null;
}

/** Deeper structures are served as opaque leaves: no client needs them, and recursion has a cost. */
const MAX_DEPTH = 64;
const MAX_PARTS = 10_000;

export function parseMessage(raw: Buffer): MimePart {
  const budget = { parts: 0 };
  return parsePart(raw, 0, raw.length, false, 0, budget);
}

function parsePart(raw: Buffer, start: number, end: number, inDigest: boolean, depth: number, budget: { parts: number }): MimePart {
  budget.parts++;
  const { fields, bodyStart } = parseHeaderBlock(raw, start, end);
  const ct = firstField(fields, 'content-type');
  let type = inDigest ? 'message' : 'text';
  let subtype = inDigest ? 'rfc822' : 'plain';
  let params: [string, string][] = inDigest ? [] : [['charset', 'us-ascii']];
  if (ct) {
    const parsed = parseHeaderValue(fieldValue(raw, ct), { slash: true });
    const m = /^([^/\s]+)\/([^/\s]+)$/.exec(parsed.value);
    // RFC 2045 §5.2: an invalid Content-Type means the default (text/plain; us-ascii).
    if (m) {
      type = m[1];
      subtype = m[2];
      params = parsed.params;
    } else {
      type = 'text';
      subtype = 'plain';
      params = [['charset', 'us-ascii']];
    }
  }
  const part: MimePart = { start, bodyStart, end, fields, type, subtype, params, children: [], message: null };
  if (depth >= MAX_DEPTH || budget.parts >= MAX_PARTS) return part;
  const t = type.toLowerCase();
  const st = subtype.toLowerCase();
  if (t === 'multipart') {
    const boundary = params.find(([k]) => k.toLowerCase() === 'boundary')?.[1];
    if (boundary) {
      for (const [s, e] of splitMultipart(raw, bodyStart, end, boundary)) {
        part.children.push(parsePart(raw, s, e, st === 'digest', depth + 1, budget));
        if (budget.parts >= MAX_PARTS) break;
      }
    }
  } else if (t === 'message' && (st === 'rfc822' || st === 'global') && isIdentityEncoding(raw, fields)) {
    part.message = parsePart(raw, bodyStart, end, false, depth + 1, budget);
  }
  return part;
}

/** A message/rfc822 body can only be parsed if it is not base64 or QP encoded (RFC 2046 §5.2.1). */
function isIdentityEncoding(raw: Buffer, fields: HeaderField[]): boolean {
  const cte = firstField(fields, 'content-transfer-encoding');
  if (!cte) return true;
  return ['7bit', '8bit', 'binary', ''].includes(parseHeaderValue(fieldValue(raw, cte)).value.toLowerCase());
}

/**
 * The [start, end) ranges of the body parts between boundary delimiter lines (RFC 2046
 * §5.1.1). The line break before a delimiter belongs to the delimiter, not to the part. A
 * delimiter line is "--boundary" then only white space; "--boundary--" closes. Without a
 * closing delimiter the last part runs to the end.
 */
export function splitMultipart(raw: Buffer, start: number, end: number, boundary: string): [number, number][] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: [number, number][] = [];
  let partStart = -1;
  let pos = start;
  while (pos < end) {
    const at = raw.indexOf(delimiter, pos);
    if (at < 0 || at + delimiter.length > end) break;
    pos = at + delimiter.length;
    if (at !== start && raw[at - 1] !== 0x0a) continue; // not at the start of a line
    let after = at + delimiter.length;
    const closing = raw[after] === 0x2d && raw[after + 1] === 0x2d && after + 1 < end;
    if (!closing) {
      // Only transport padding may follow; otherwise it is a longer boundary sharing the prefix.
      while (after < end && (raw[after] === 0x20 || raw[after] === 0x09)) after++;
      if (after < end && raw[after] !== 0x0d && raw[after] !== 0x0a) continue;
    }
    if (partStart >= 0) {
      let partEnd = at;
      if (partEnd > partStart && raw[partEnd - 1] === 0x0a) partEnd--;
      if (partEnd > partStart && raw[partEnd - 1] === 0x0d) partEnd--;
      parts.push([partStart, partEnd]);
    }
    if (closing) return parts;
    const lf = raw.indexOf(0x0a, after);
    partStart = lf < 0 || lf >= end ? end : lf + 1;
    pos = partStart;
  }
  if (partStart >= 0) parts.push([partStart, end]);
  return parts;
}

/** The part numbered `path` (RFC 9051 §6.4.5): [] is the message itself. The parts of a
 *  multipart are numbered from 1; inside a message/rfc822 part, numbering goes on in the
 *  encapsulated message; a message (top-level or encapsulated) that is not multipart has one
 *  part, 1, which is the message entity itself (its body is the part's content). */
export function findPart(root: MimePart, path: readonly number[]): MimePart | null {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    let container: MimePart;
    let isMessage: boolean;
    if (i === 0) {
      container = root;
      isMessage = true;
    } else if (isMultipart(node)) {
      container = node;
      isMessage = false;
    } else if (node.message) {
      container = node.message;
      isMessage = true;
    } else {
      return null;
    }
    if (isMultipart(container)) {
      const child = container.children[path[i] - 1];
      if (!child) return null;
      node = child;
    } else if (isMessage && path[i] === 1) {
      node = container;
    } else {
      return null;
    }
  }
  return node;
}

export function isMultipart(part: MimePart): boolean {
  return part.type.toLowerCase() === 'multipart';
}
