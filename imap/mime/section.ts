// BODY[section]<partial> contents (RFC 9051 §6.4.5), served as the stored octets.
import type { Partial, Section } from '../protocol/fetch-att.js';
import { findPart, type MimePart } from './tree.js';

const CRLF = Buffer.from('\r\n');
const EMPTY = Buffer.alloc(0);

/** The octets of `section`, or null when the part does not exist (answered as NIL). */
export function sectionBytes(raw: Buffer, root: MimePart, section: Section): Buffer | null {
  const part = section.part.length === 0 ? root : findPart(root, section.part);
  if (!part) return null;
  const text = section.text;
  if (!text) return section.part.length === 0 ? raw : raw.subarray(part.bodyStart, part.end);
  if (text.kind === 'MIME') return raw.subarray(part.start, part.bodyStart);
  // HEADER, HEADER.FIELDS and TEXT apply to a message: the top-level one, or the message
  // encapsulated in a message/rfc822 part. Of any other part they are empty.
  const message = section.part.length === 0 ? root : part.message;
  if (!message) return EMPTY;
  switch (text.kind) {
    case 'HEADER': return raw.subarray(message.start, message.bodyStart);
    case 'TEXT': return raw.subarray(message.bodyStart, message.end);
    case 'HEADER.FIELDS': {
      const wanted = new Set(text.fields.map((f) => f.toLowerCase()));
      const chunks: Buffer[] = [];
      for (const f of message.fields) {
        if (wanted.has(f.name) === text.not) continue;
        chunks.push(raw.subarray(f.start, f.end));
        if (raw[f.end - 1] !== 0x0a) chunks.push(CRLF); // last line of a header without body
      }
      // The empty line that ends a header section is part of the result (RFC 9051 §6.4.5).
      chunks.push(CRLF);
      return Buffer.concat(chunks);
    }
  }
}

/** `data` cut to the partial range: a start beyond the end gives an empty string. */
export function applyPartial(data: Buffer, partial: Partial | null): Buffer {
  if (!partial) return data;
  if (partial.start >= data.length) return EMPTY;
  return data.subarray(partial.start, Math.min(data.length, partial.start + partial.length));
}
