// Reads what the store caches about a message at append time: the envelope fields a message
// list shows, the decoded text for the full-text index and the ids that place it in a
// conversation. One synchronous pass over the bytes: the MIME tree (RFC 2045/2046), transfer
// encodings (base64, quoted-printable), charsets and RFC 2047 encoded words (libmime, as
// mailparser uses), format=flowed (RFC 3676) and HTML-only text (html-to-text, as mailparser).
// The result is what mailparser gave (this file used it), but for three cases it got wrong: a
// Date it cannot read is null (not the time of parsing), 8-bit header bytes that are not UTF-8
// are read as Latin-1 (not as U+FFFD), and an HTML part beside attachments is indexed when there
// is no plain text. mailparser is a stream: under load, its yielding to the event loop at each
// chunk cost more time than the parsing itself.
import { htmlToPlainText } from './html-text.js';
import libmime from 'libmime';
import { decode as decodeCharset } from 'libmime/lib/charset.js';
import addressparser from 'nodemailer/lib/addressparser';
import { domainToUnicode } from 'node:url';
import type { SearchText } from '../../storage/index.js';

export interface SummaryAddress {
  name: string;
  address: string;
}

export interface MessageSummary {
  v: 1;
  date: string | null;
  subject: string;
  from: SummaryAddress[];
  sender: SummaryAddress[];
  replyTo: SummaryAddress[];
  to: SummaryAddress[];
  cc: SummaryAddress[];
  bcc: SummaryAddress[];
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  /** First characters of the text, for message lists. */
  preview: string;
  attachments: { filename: string | null; contentType: string; size: number }[];
}

export interface AnalyzedMessage {
  summary: MessageSummary;
  search: SearchText;
  threading: { messageId: string | null; references: string[] };
}

/** Text beyond this is not indexed: the first megabyte of a body is what people search. */
const MAX_INDEXED_TEXT = 1024 * 1024;
/** Larger HTML is not turned into text (mailparser's maxHtmlLengthToParse, as it was set here). */
const MAX_HTML_TO_TEXT = 2 * 1024 * 1024;
/** Deeper nesting, or more parts, is malice or breakage: what lies beyond is not read. */
const MAX_DEPTH = 50;
const MAX_PARTS = 2000;
/** The parts whose inline content is text; any other type is an attachment (as mailparser). */
const TEXT_TYPES = new Set(['text/plain', 'text/html', 'message/delivery-status']);

/** Where analyzeMessage sends its work when a pool of worker threads runs (analyze-pool.ts):
 *  null means here, on the calling thread. */
let offload: ((raw: Buffer) => Promise<AnalyzedMessage> | null) | null = null;

/** Installed by analyze-pool.ts; the function returns null for a message it leaves to this thread. */
export function setAnalysisOffload(fn: typeof offload): void {
  offload = fn;
}

export async function analyzeMessage(raw: Buffer): Promise<AnalyzedMessage> {
  return offload?.(raw) ?? analyzeNow(raw);
}

/** The same, synchronously. */
export function analyzeNow(raw: Buffer): AnalyzedMessage {
  try {
    return analyze(raw);
  } catch {
    // Broken MIME is still mail: store it byte-exact, searchable by nothing but its size.
    return { summary: emptySummary(), search: { subject: '', from: '', to: '', cc: '', bcc: '', body: '' }, threading: { messageId: null, references: [] } };
  }
}

function analyze(raw: Buffer): AnalyzedMessage {
  // latin1: one character per byte, so that string offsets are byte offsets.
  const root = parsePart(raw.toString('latin1'), 0, raw.length, 0, { parts: 0 });
  const content = collect(root);
  const h = root.headers;
  const messageId = stripId(messageIdValue(h.first('message-id')));
  const inReplyTo = stripId(messageIdValue(h.first('in-reply-to')));
  const references = h.all('references').flatMap((v) => words(v).split(/\s+/)).map((id) => stripId(messageIdValue(id))).filter((x): x is string => !!x);
  const text = content.text.slice(0, MAX_INDEXED_TEXT);
  const dateValue = h.first('date');
  const date = dateValue ? new Date(dateValue) : null;
  const summary: MessageSummary = {
    v: 1,
    // A Date field that cannot be read says nothing: readers fall back on the arrival time.
    date: date && !Number.isNaN(date.getTime()) ? date.toISOString() : null,
    subject: words(h.first('subject') ?? ''),
    from: addresses(h.first('from')),
    sender: addresses(h.first('sender')),
    replyTo: addresses(h.first('reply-to')),
    to: h.all('to').flatMap(addresses),
    cc: h.all('cc').flatMap(addresses),
    bcc: h.all('bcc').flatMap(addresses),
    messageId,
    inReplyTo,
    references,
    preview: preview(text),
    attachments: content.attachments,
  };
  return {
    summary,
    search: {
      subject: summary.subject,
      from: flatAddresses(summary.from),
      to: flatAddresses(summary.to),
      cc: flatAddresses(summary.cc),
      bcc: flatAddresses(summary.bcc),
      body: text,
    },
    threading: { messageId, references: [...new Set([...(inReplyTo ? [inReplyTo] : []), ...references])] },
  };
}

function flatAddresses(list: SummaryAddress[]): string {
  return list.map((a) => `${a.name} <${a.address}>`).join(', ');
}

// ------------------------------------------------------------------ the MIME tree

interface Part {
  headers: Headers;
  /** Lower-cased, e.g. text/plain; text/plain when absent (RFC 2045 §5.2). */
  type: string;
  params: Record<string, string>;
  /** inline, attachment, or null when absent. */
  disposition: string | null;
  encoding: string;
  filename: string | null;
  /** The body: offsets into the message (latin1 string = bytes). */
  start: number;
  end: number;
  source: string;
  children: Part[];
  /** A message/rfc822 part read as a message (mailparser reads only those marked inline). */
  embedded: Part | null;
}

class Headers {
  private readonly fields = new Map<string, string[]>();

  add(name: string, value: string): void {
    const list = this.fields.get(name);
    if (list) list.push(value);
    else this.fields.set(name, [value]);
  }

  /** The first non-empty value: the one MIME structure and mail clients go by. */
  first(name: string): string | null {
    return this.fields.get(name)?.[0] ?? null;
  }

  all(name: string): string[] {
    return this.fields.get(name) ?? [];
  }
}

/** What libmime makes of an absent Content-Disposition (read only). */
const NO_DISPOSITION: ReturnType<typeof libmime.parseHeaderValue> = Object.freeze({ value: '', params: Object.freeze({}), decodedParams: Object.freeze([]) as unknown as string[] });

function parsePart(s: string, start: number, end: number, depth: number, count: { parts: number }): Part {
  count.parts++;
  const { headers, bodyStart } = parseHeaders(s, start, end);
  const ct = headers.first('content-type');
  const cdValue = headers.first('content-disposition');
  const cd = cdValue === null ? NO_DISPOSITION : libmime.parseHeaderValue(cdValue, { stripComments: true });
  let type: string;
  let params: Record<string, string> = {};
  let decoded: string[] = [];
  if (ct) {
    const parsed = libmime.parseHeaderValue(ct, { stripComments: true });
    type = parsed.value.toLowerCase().trim();
    params = parsed.params;
    decoded = parsed.decodedParams;
  } else {
    // RFC 2045 §5.2; a part without a type that is an attachment is taken for its file name's.
    const byName = cd.params.filename ? libmime.detectMimeType(cd.params.filename) : null;
    type = byName && byName !== 'application/octet-stream' ? byName
      : /^attachment$/i.test(cd.value.trim()) ? 'application/octet-stream' : 'text/plain';
  }
  if (!type) type = 'text/plain';
  const rawName = cd.params.filename || params.name || null;
  const nameDecoded = cd.params.filename ? cd.decodedParams.includes('filename') : decoded.includes('name');
  const disposition = cd.value.toLowerCase().trim() || null;
  const part: Part = {
    headers, type, params, disposition,
    encoding: (headers.first('content-transfer-encoding') ?? '').replace(/\([^)]*\)/g, '').trim().toLowerCase(),
    filename: rawName === null ? null : nameDecoded ? rawName : words(rawName),
    start: bodyStart, end, source: s, children: [], embedded: null,
  };
  if (depth >= MAX_DEPTH || count.parts >= MAX_PARTS) return part;

  const boundary = type.startsWith('multipart/') ? (params.boundary ?? '').trimEnd() : '';
  // A boundary is ASCII (RFC 2046 §5.1.1); a part with none, or another, has no sub-parts.
  if (boundary && /^[\x20-\x7e]+$/.test(boundary)) {
    for (const [a, b] of splitMultipart(s, bodyStart, end, boundary)) {
      if (count.parts >= MAX_PARTS) break;
      part.children.push(parsePart(s, a, b, depth + 1, count));
    }
  } else if (type === 'message/rfc822' && disposition === 'inline' && ['', '7bit', '8bit', 'binary'].includes(part.encoding)) {
    part.embedded = parsePart(s, bodyStart, end, depth + 1, count);
  }
  return part;
}

/** The header block from `start`: unfolded fields (RFC 5322 §2.2.3), names lower-cased, values
 *  read as UTF-8 (RFC 6532) unless they are not valid UTF-8, then as Latin-1. */
function parseHeaders(s: string, start: number, end: number): { headers: Headers; bodyStart: number } {
  const headers = new Headers();
  let pos = start;
  let field = '';
  while (pos < end) {
    let eol = s.indexOf('\n', pos);
    if (eol === -1 || eol >= end) eol = end;
    const line = s.slice(pos, eol > pos && s.charCodeAt(eol - 1) === 13 ? eol - 1 : eol);
    const next = Math.min(eol + 1, end);
    if (line === '') {
      addField(headers, field);
      return { headers, bodyStart: next };
    }
    if ((line[0] === ' ' || line[0] === '\t') && field) field += `\n${line}`;
    else {
      addField(headers, field);
      field = line;
    }
    pos = next;
  }
  addField(headers, field);
  return { headers, bodyStart: end };
}

/** One whole (still folded) header field into `headers`. Module-level rather than a closure:
 *  tsx names every closure at each call (esbuild keepNames), which showed in APPEND profiles. */
function addField(headers: Headers, field: string): void {
  if (!field) return;
  const colon = field.indexOf(':');
  if (colon <= 0) return;
  const name = field.slice(0, colon).trim().toLowerCase();
  const value = headerText(field.slice(colon + 1).replace(/\r?\n[ \t]*/g, ' ').trim());
  if (name && value) headers.add(name, value);
}

function headerText(latin1: string): string {
  if (!/[\x80-\xff]/.test(latin1)) return latin1;
  const utf8 = Buffer.from(latin1, 'latin1').toString('utf8');
  return utf8.includes('\uFFFD') ? latin1 : utf8;
}

/**
 * The body parts of a multipart between `start` and `end` (RFC 2046 §5.1.1): each begins after
 * a "--boundary" line and ends before the line break that precedes the next one; the preamble
 * and what follows "--boundary--" are not parts. A delimiter line may carry trailing spaces.
 */
function splitMultipart(s: string, start: number, end: number, boundary: string): [number, number][] {
  const delimiter = `--${boundary}`;
  const parts: [number, number][] = [];
  let open = -1;
  for (let at = s.indexOf(delimiter, start); at !== -1 && at < end; at = s.indexOf(delimiter, at + 1)) {
    if (at !== start && s.charCodeAt(at - 1) !== 10) continue;
    let eol = s.indexOf('\n', at);
    if (eol === -1 || eol > end) eol = end;
    const rest = s.slice(at + delimiter.length, eol).replace(/[ \t\r]+$/, '');
    const closing = rest === '--';
    if (rest !== '' && !closing) continue;
    if (open !== -1) {
      let partEnd = at;
      if (partEnd > open && s.charCodeAt(partEnd - 1) === 10) partEnd--;
      if (partEnd > open && s.charCodeAt(partEnd - 1) === 13) partEnd--;
      parts.push([open, Math.max(open, partEnd)]);
    }
    if (closing) return parts;
    open = Math.min(eol + 1, end);
  }
  // Not closed: the last part runs to the end, as mail readers take it.
  if (open !== -1 && open < end) parts.push([open, end]);
  return parts;
}

// ------------------------------------------------------------------ content

interface Content {
  text: string;
  attachments: MessageSummary['attachments'];
}

/**
 * The text of the message and its attachments, as mailparser gave them: inline text/plain
 * parts in order; text/html turned into text where the message has no plain text, or
 * alongside plain text outside a multipart/alternative; an embedded message introduced by its
 * From/Subject/Date/To/Cc lines. Every other leaf part is an attachment.
 */
function collect(root: Part): Content {
  const walk: Walk = { attachments: [], chunks: [], hasText: false };
  walkPart(walk, root, false);
  const { attachments, chunks, hasText } = walk;

  const text: string[] = [];
  for (const c of chunks) {
    if (!c.part) {
      // mailparser introduced an embedded message in the plain text only.
      if (hasText) text.push(c.text!);
      continue;
    }
    const body = textOf(c.part);
    if (c.part.type !== 'text/html') text.push(body);
    else if (!c.alternative || !hasText) text.push(htmlAsText(body));
  }
  return { text: text.join('\n'), attachments };
}

interface Walk {
  attachments: Content['attachments'];
  chunks: { part: Part | null; alternative: boolean; text?: string }[];
  hasText: boolean;
}

function walkPart(walk: Walk, part: Part, alternative: boolean): void {
  if (part.embedded) {
    walk.chunks.push({ part: null, alternative, text: embeddedHeading(part.embedded.headers) });
    walkPart(walk, part.embedded, alternative);
    return;
  }
  if (part.type.startsWith('multipart/')) {
    const inner = alternative || part.type === 'multipart/alternative';
    for (const child of part.children) walkPart(walk, child, inner);
    return;
  }
  const disposition = part.disposition && part.disposition !== 'inline' ? 'attachment' : part.disposition ?? (TEXT_TYPES.has(part.type) ? 'inline' : 'attachment');
  if (!TEXT_TYPES.has(part.type) || disposition !== 'inline') {
    const size = decodeBody(part).length;
    const contentType = part.type === 'application/octet-stream' && part.filename ? libmime.detectMimeType(part.filename) : part.type;
    walk.attachments.push({ filename: part.filename, contentType, size });
    return;
  }
  if (part.type !== 'text/html') walk.hasText = true;
  walk.chunks.push({ part, alternative });
}

function embeddedHeading(h: Headers): string {
  const lines: string[] = [];
  for (const name of ['From', 'Subject', 'Date', 'To', 'Cc', 'Bcc']) {
    const value = h.first(name.toLowerCase());
    if (!value) continue;
    if (name === 'Subject') lines.push(`${name}: ${words(value)}`);
    else if (name === 'Date') {
      const d = new Date(value);
      lines.push(`${name}: ${Number.isNaN(d.getTime()) ? value : d.toUTCString()}`);
    } else lines.push(`${name}: ${addresses(value).map((a) => (a.name ? `"${a.name.replace(/["\\]/g, '\\$&')}" <${a.address}>` : a.address)).join(', ')}`);
  }
  return `\n${lines.join('\n')}\n`;
}

function htmlAsText(html: string): string {
  if (html.length > MAX_HTML_TO_TEXT) return '';
  // Within bounds (html-text.ts): html-to-text is quadratic in the nesting depth, and on the MX
  // thread one message of nested tags held every inbound session for seconds.
  return htmlToPlainText(html);
}

/** A text part as a string: transfer encoding, format=flowed (before the charset, as
 *  mailparser), charset; line ends as "\n". */
function textOf(part: Part): string {
  let bytes = decodeBody(part);
  if (part.type === 'text/plain' && (part.params.format ?? '').trim().toLowerCase() === 'flowed') {
    const delSp = (part.params.delsp ?? '').trim().toLowerCase() === 'yes';
    bytes = Buffer.from(libmime.decodeFlowed(bytes.toString('latin1'), delSp), 'latin1');
  }
  return decodeCharset(bytes, part.params.charset || 'utf-8').replaceAll('\r\n', '\n');
}

function decodeBody(part: Part): Buffer {
  const body = part.source.slice(part.start, part.end);
  if (part.encoding === 'base64') return Buffer.from(body, 'base64');
  if (part.encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return Buffer.from(body, 'latin1');
}

/** RFC 2045 §6.7: "=XX" is a byte, "=" at the end of a line joins it to the next; trailing
 *  spaces of a line are transport padding. A malformed "=" is kept as it is (as libqp). */
function decodeQuotedPrintable(body: string): Buffer {
  const s = body.replace(/[\t ]+$/gm, '').replace(/=(?:\r?\n|$)/g, '');
  const out = Buffer.allocUnsafe(s.length);
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 61 && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      out[o++] = parseInt(s.substr(i + 1, 2), 16);
      i += 2;
    } else out[o++] = c & 0xff;
  }
  return out.subarray(0, o);
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

// ------------------------------------------------------------------ header values

/** RFC 2047 encoded words decoded; a value with an unknown charset is kept as it is. */
function words(value: string): string {
  if (!value.includes('=?')) return value;
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

const ENCODED_WORD = /=\?[^?]+\?[BbQq]\?[^?]*\?=/;

/** An address field as its mailboxes, groups flattened, names decoded (RFC 2047 §5), domains
 *  in Unicode, addresses lower-cased. An encoded word is never taken for an address unless it
 *  decodes to a plain one (mailparser's rule). */
function addresses(value: string | null): SummaryAddress[] {
  if (!value) return [];
  const out: SummaryAddress[] = [];
  addAddresses(out, simpleAddresses(value) ?? addressparser(value));
  return out;
}

function addAddresses(out: SummaryAddress[], list: addressparser.AddressOrGroup[]): void {
  for (const a of list) {
    if ('group' in a && a.group) {
      addAddresses(out, a.group);
      continue;
    }
    const entry = a as addressparser.Address;
    let address = entry.address ?? '';
    if (address && ENCODED_WORD.test(address)) {
      const decoded = words(address);
      address = /^[^\s@]+@[^\s@]+$/.test(decoded) && !decoded.includes('=?') ? decoded : '';
    }
    const at = address.lastIndexOf('@');
    if (at > 0 && /(^|\.)xn--/i.test(address.slice(at + 1))) {
      address = address.slice(0, at + 1) + (domainToUnicode(address.slice(at + 1)) || address.slice(at + 1));
    }
    out.push({ name: words((entry.name ?? '').trim()), address: address.toLowerCase() });
  }
}

const SIMPLE_ADDR = '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*';
const BARE_ADDRESS = new RegExp(`^${SIMPLE_ADDR}$`);
const QUOTED_NAME_ADDRESS = new RegExp(`^"([A-Za-z0-9'._-]+(?: [A-Za-z0-9'._-]+)*)" ?<(${SIMPLE_ADDR})>$`);
const NAME_ADDRESS = new RegExp(`^([A-Za-z0-9]+(?: [A-Za-z0-9]+)*) ?<(${SIMPLE_ADDR})>$`);

/** What addressparser gives for the plain lists most mail carries ("a@b.c", "Name <a@b.c>",
 *  "\"Name\" <a@b.c>", comma-separated), without its general tokenizer, which cost more than
 *  the rest of a small message's analysis; null for anything else (addressparser reads it).
 *  analyze.test.ts checks it against addressparser on many generated values. */
export function simpleAddresses(value: string): addressparser.Address[] | null {
  const out: addressparser.Address[] = [];
  for (const raw of value.split(',')) {
    const piece = raw.trim();
    if (BARE_ADDRESS.test(piece)) {
      out.push({ address: piece, name: '' });
      continue;
    }
    const m = QUOTED_NAME_ADDRESS.exec(piece) ?? NAME_ADDRESS.exec(piece);
    if (!m) return null;
    out.push({ address: m[2], name: m[1] });
  }
  return out;
}

/** Message-ID, In-Reply-To, one of References: "<id>" (brackets added if missing, as mailparser). */
function messageIdValue(value: string | null): string | null {
  if (!value) return null;
  let v = words(value).trim();
  if (!v) return null;
  if (!v.startsWith('<')) v = `<${v}`;
  if (!v.endsWith('>')) v += '>';
  return v;
}

function stripId(id: string | null): string | null {
  if (!id) return null;
  const m = /<([^>]+)>/.exec(id);
  return (m ? m[1] : id).trim() || null;
}

const PREVIEW = 200;

/** The first PREVIEW characters of the text, white space runs as one space, trimmed (what
 *  `text.replace(/\s+/g, ' ').trim().slice(0, PREVIEW)` gives), reading no further than needed. */
export function preview(text: string): string {
  let out = '';
  /** Where the run of non-space characters being read began, or -1. */
  let from = -1;
  let spaced = false;
  for (let i = 0; i < text.length; i++) {
    if (!isSpace(text.charCodeAt(i))) {
      if (from < 0) {
        // A run of spaces between two words is one space; leading ones are dropped.
        if (spaced && out !== '') out += ' ';
        from = i;
      }
      if (out.length + (i + 1 - from) >= PREVIEW) return (out + text.slice(from, i + 1)).slice(0, PREVIEW);
      continue;
    }
    if (from >= 0) {
      out += text.slice(from, i);
      from = -1;
    }
    spaced = true;
    if (out.length >= PREVIEW) return out.slice(0, PREVIEW);
  }
  if (from >= 0) out += text.slice(from);
  return out.slice(0, PREVIEW);
}

/** White space as JavaScript's \s and trim() know it. */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function emptySummary(): MessageSummary {
  return { v: 1, date: null, subject: '', from: [], sender: [], replyTo: [], to: [], cc: [], bcc: [], messageId: null, inReplyTo: null, references: [], preview: '', attachments: [] };
}
