// Header sections as stored bytes (RFC 5322 §2.2): where each field starts and ends, so that
// BODY[HEADER.FIELDS ...] can serve the original octets and ENVELOPE the raw values.
// Bytes are handled as latin1 strings where text is needed, which maps each octet to one
// character and back, so 8-bit headers survive untouched.

export interface HeaderField {
  /** Lower-case field name. */
  name: string;
  /** The whole field, from its first octet to the end of its last line break. */
  start: number;
  end: number;
  /** First octet after the colon. */
  valueStart: number;
}

export interface HeaderBlock {
  fields: HeaderField[];
  /** Where the body starts: after the empty line, or `end` when there is none. */
  bodyStart: number;
}

/** Reads the header fields from `start`; stops at the first empty line or at `end`. */
export function parseHeaderBlock(raw: Buffer, start: number, end: number): HeaderBlock {
  const fields: HeaderField[] = [];
  let pos = start;
  let current: HeaderField | null = null;
  while (pos < end) {
    const lf = raw.indexOf(0x0a, pos);
    const lineEnd = lf < 0 || lf >= end ? end : lf + 1;
    const contentEnd = lineEnd > pos && raw[lineEnd - 1] === 0x0a ? (lineEnd - 2 >= pos && raw[lineEnd - 2] === 0x0d ? lineEnd - 2 : lineEnd - 1) : lineEnd;
    if (contentEnd === pos && lineEnd > pos) {
      // The empty line that ends the header (RFC 5322 §2.1).
      return { fields, bodyStart: lineEnd };
    }
    const first = raw[pos];
    if ((first === 0x20 || first === 0x09) && current) {
      current.end = lineEnd; // a folded continuation line
    } else {
      const colon = raw.indexOf(0x3a, pos);
      if (colon > pos && colon < contentEnd) {
        const name = raw.subarray(pos, colon).toString('latin1').trim().toLowerCase();
        current = { name, start: pos, end: lineEnd, valueStart: colon + 1 };
        fields.push(current);
      } else {
        current = null; // not a field: kept in HEADER, ignored by lookups
      }
    }
    pos = lineEnd;
  }
  return { fields, bodyStart: end };
}

/** The value of a field, unfolded (line breaks removed) and trimmed, as latin1 text. */
export function fieldValue(raw: Buffer, field: HeaderField): string {
  return raw.subarray(field.valueStart, field.end).toString('latin1').replace(/\r?\n/g, '').replace(/^[ \t]+|[ \t]+$/g, '');
}

/** The first field called `name` (lower case), or null. */
export function firstField(fields: readonly HeaderField[], name: string): HeaderField | null {
  return fields.find((f) => f.name === name) ?? null;
}
