// Reads what the store caches about a message at append time: the envelope fields a
// message list shows, the decoded text for the full-text index (QP, base64 and charsets
// decoded by mailparser/iconv-lite) and the ids that place it in a conversation.
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
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

export async function analyzeMessage(raw: Buffer): Promise<AnalyzedMessage> {
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true, maxHtmlLengthToParse: 2 * 1024 * 1024 });
  } catch {
    // Broken MIME is still mail: store it byte-exact, searchable by nothing but its size.
    return { summary: emptySummary(), search: { subject: '', from: '', to: '', cc: '', bcc: '', body: '' }, threading: { messageId: null, references: [] } };
  }
  const messageId = stripId(parsed.messageId);
  const inReplyTo = stripId(parsed.inReplyTo);
  const references = toArray(parsed.references).map(stripId).filter((x): x is string => !!x);
  const text = (parsed.text ?? '').slice(0, MAX_INDEXED_TEXT);
  const summary: MessageSummary = {
    v: 1,
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null,
    subject: parsed.subject ?? '',
    from: addresses(parsed.from),
    sender: addresses(parsed.headers.get('sender') as AddressObject | undefined),
    replyTo: addresses(parsed.replyTo),
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    bcc: addresses(parsed.bcc),
    messageId,
    inReplyTo,
    references,
    preview: text.replace(/\s+/g, ' ').trim().slice(0, 200),
    attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? null, contentType: a.contentType, size: a.size })),
  };
  const flat = (list: SummaryAddress[]) => list.map((a) => `${a.name} <${a.address}>`).join(', ');
  return {
    summary,
    search: {
      subject: summary.subject,
      from: flat(summary.from),
      to: flat(summary.to),
      cc: flat(summary.cc),
      bcc: flat(summary.bcc),
      body: text,
    },
    threading: { messageId, references: [...new Set([...(inReplyTo ? [inReplyTo] : []), ...references])] },
  };
}

function addresses(value: AddressObject | AddressObject[] | undefined): SummaryAddress[] {
  const out: SummaryAddress[] = [];
  const walk = (list: { name: string; address?: string; group?: unknown[] }[]) => {
    for (const a of list) {
      if (a.group) walk(a.group as typeof list);
      else out.push({ name: a.name ?? '', address: (a.address ?? '').toLowerCase() });
    }
  };
  for (const obj of toArray(value)) walk(obj.value);
  return out;
}

function toArray<T>(v: T | T[] | undefined | null): T[] {
  return v == null ? [] : Array.isArray(v) ? v : [v];
}

function stripId(id: string | undefined | null): string | null {
  if (!id) return null;
  const m = /<([^>]+)>/.exec(id);
  return (m ? m[1] : id).trim() || null;
}

function emptySummary(): MessageSummary {
  return { v: 1, date: null, subject: '', from: [], sender: [], replyTo: [], to: [], cc: [], bcc: [], messageId: null, inReplyTo: null, references: [], preview: '', attachments: [] };
}
