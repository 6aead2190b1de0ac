// The Prefer request header (RFC 7240): preferences a client states, such as return=minimal
// (RFC 7240 §4.2, used by CalDAV/CardDAV clients per RFC 8144 §2).

/**
 * Preference name (lower case) -> value ('' when it has none), parameters dropped. Several
 * Prefer headers are one list; a preference given twice keeps its first value (RFC 7240 §2).
 * Quoted values are unquoted. What cannot be read is skipped, never an error.
 */
export function parsePrefer(header: string | string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const text = Array.isArray(header) ? header.join(',') : header ?? '';
  // Commas and semicolons inside quoted strings do not split.
  for (const item of text.match(/(?:[^,"]|"(?:[^"\\]|\\.)*"?)+/g) ?? []) {
    const head = item.match(/^(?:[^;"]|"(?:[^"\\]|\\.)*"?)*/)![0];
    const m = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^\s"]*)\s*)?$/.exec(head);
    if (!m) continue;
    const name = m[1].toLowerCase();
    const raw = m[2] ?? '';
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}
