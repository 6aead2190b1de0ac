// BODY and BODYSTRUCTURE (RFC 9051 §7.5.2 and its §9 grammar, as RFC 3501 §7.4.2):
//   body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]
//   body-fields     = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
//   body-type-msg   = media-message SP body-fields SP envelope SP body SP body-fld-lines
//   body-type-text  = media-text SP body-fields SP body-fld-lines
//   body-ext-1part  = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
//   body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
//   body-ext-mpart  = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
// BODY is the same without the extension data. Values are the header text as written.
import { NIL, nstr, str, type Value } from '../protocol/compiler.js';
import { envelope } from './envelope.js';
import { fieldValue, firstField } from './header.js';
import { parseHeaderValue } from './params.js';
import { isMultipart, type MimePart } from './tree.js';

const bin = (s: string) => Buffer.from(s, 'latin1');

export function bodyStructure(raw: Buffer, part: MimePart, extended: boolean): Value {
  if (isMultipart(part)) return multipart(raw, part, extended);
  return single(raw, part, extended);
}

function multipart(raw: Buffer, part: MimePart, extended: boolean): Value {
  // 1*body: a multipart without parts (no boundary found) is shown with one empty text part,
  // since the grammar cannot express none (Dovecot does the same).
  const children = part.children.length > 0
    ? part.children.map((c) => bodyStructure(raw, c, extended))
    : [emptyText(extended)];
  // body-type-mpart = 1*body SP media-subtype: the parts follow each other without spaces.
  const out: Value[] = [{ concat: children }, str(bin(part.subtype))];
  if (extended) out.push(params(part.params), ...dispositionLanguageLocation(raw, part));
  return out;
}

function single(raw: Buffer, part: MimePart, extended: boolean): Value {
  const header = (name: string): string | null => {
    const f = firstField(part.fields, name);
    return f ? fieldValue(raw, f) : null;
  };
  const encoding = header('content-transfer-encoding');
  const encodingValue = encoding === null ? '7bit' : parseHeaderValue(encoding).value || '7bit';
  const size = part.end - part.bodyStart;
  const out: Value[] = [
    str(bin(part.type)),
    str(bin(part.subtype)),
    params(part.params),
    nstr(nullableBin(header('content-id'))),
    nstr(nullableBin(header('content-description'))),
    str(bin(encodingValue)),
    size,
  ];
  const type = part.type.toLowerCase();
  if (part.message) {
    out.push(envelope(raw, part.message), bodyStructure(raw, part.message, extended), countLines(raw, part.bodyStart, part.end));
  } else if (type === 'text') {
    out.push(countLines(raw, part.bodyStart, part.end));
  }
  if (extended) out.push(nstr(nullableBin(header('content-md5'))), ...dispositionLanguageLocation(raw, part));
  return out;
}

function dispositionLanguageLocation(raw: Buffer, part: MimePart): Value[] {
  const header = (name: string): string | null => {
    const f = firstField(part.fields, name);
    return f ? fieldValue(raw, f) : null;
  };
  const disposition = header('content-disposition');
  let dsp: Value = NIL;
  if (disposition !== null) {
    const parsed = parseHeaderValue(disposition);
    if (parsed.value !== '') dsp = [str(bin(parsed.value)), params(parsed.params)];
  }
  // body-fld-lang = nstring / "(" string *(SP string) ")"
  const languages = (header('content-language') ?? '').split(/[\s,]+/).filter(Boolean);
  const lang: Value = languages.length === 0 ? NIL : languages.length === 1 ? str(bin(languages[0])) : languages.map((l) => str(bin(l)));
  const location = header('content-location');
  return [dsp, lang, nstr(location === null ? null : bin(location.replace(/\s+/g, '')))];
}

/** body-fld-param = "(" string SP string *(SP string SP string) ")" / nil */
function params(list: [string, string][]): Value {
  if (list.length === 0) return NIL;
  return list.flatMap(([k, v]) => [str(bin(k)), str(bin(v))]);
}

function nullableBin(s: string | null): Buffer | null {
  return s === null ? null : bin(s);
}

function emptyText(extended: boolean): Value {
  const out: Value[] = [str('text'), str('plain'), [str('charset'), str('us-ascii')], NIL, NIL, str('7bit'), 0, 0];
  if (extended) out.push(NIL, NIL, NIL, NIL);
  return out;
}

/** body-fld-lines: the number of lines of the body as stored, a last line without a line
 *  break counting as one. */
export function countLines(raw: Buffer, start: number, end: number): number {
  if (end <= start) return 0;
  let n = 0;
  let pos = start;
  for (;;) {
    const lf = raw.indexOf(0x0a, pos);
    if (lf < 0 || lf >= end) break;
    n++;
    pos = lf + 1;
  }
  return raw[end - 1] === 0x0a ? n : n + 1;
}
