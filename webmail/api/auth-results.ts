// What the reader is told about where a message comes from. Our MX prepends an
// Authentication-Results field (RFC 8601) in our own name and removes any forged one in that
// name (smtp/trace.ts), so the topmost field with our authserv-id is trustworthy; fields in
// other names are not (anyone can write them) and are ignored.
export interface AuthView {
  spf: string | null;
  dkim: string | null;
  dmarc: string | null;
  verdict: 'pass' | 'fail' | 'none';
  warning: string | null;
}

/** The header section of a raw message, unfolded, as [lower-case name, value] pairs. */
export function headerFields(raw: Buffer): [string, string][] {
  const end = raw.indexOf('\r\n\r\n');
  const endLf = raw.indexOf('\n\n');
  const cut = end === -1 ? endLf : endLf === -1 ? end : Math.min(end, endLf);
  const head = raw.subarray(0, cut === -1 ? raw.length : cut).toString('latin1');
  const out: [string, string][] = [];
  for (const line of head.split(/\r?\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim()]);
  }
  return out;
}

/** spf/dkim/dmarc results from the first Authentication-Results field in our name. */
export function ownAuthResults(raw: Buffer, authservId: string): { spf: string; dkim: string; dmarc: string } | null {
  const id = authservId.toLowerCase();
  for (const [name, value] of headerFields(raw)) {
    if (name !== 'authentication-results') continue;
    const clean = value.replace(/\([^)]*\)/g, ' ');
    const parts = clean.split(';').map((p) => p.trim());
    if ((parts[0].split(/\s+/)[0] ?? '').toLowerCase() !== id) continue;
    const found: Record<string, string[]> = {};
    for (const p of parts.slice(1)) {
      const m = /^([a-z0-9-]+)\s*=\s*([a-z]+)/i.exec(p);
      if (m) (found[m[1].toLowerCase()] ??= []).push(m[2].toLowerCase());
    }
    const first = (k: string) => (found[k]?.includes('pass') ? 'pass' : found[k]?.[0] ?? 'none');
    return { spf: first('spf'), dkim: first('dkim'), dmarc: first('dmarc') };
  }
  return null;
}

/**
 * The verdict shown to the reader. `fromIsLocal`: the From domain is one we host, so a message
 * that came in from outside while wearing it deserves a warning even without DMARC failing
 * (a domain without a DMARC record gives "none").
 */
export function authView(results: { spf: string; dkim: string; dmarc: string } | null, fromIsLocal: boolean): AuthView {
  if (!results) return { spf: null, dkim: null, dmarc: null, verdict: 'none', warning: null };
  const { spf, dkim, dmarc } = results;
  let verdict: AuthView['verdict'] = 'none';
  if (dmarc === 'pass') verdict = 'pass';
  else if (dmarc === 'fail' || (spf === 'fail' && dkim !== 'pass')) verdict = 'fail';
  let warning: string | null = null;
  if (verdict === 'fail') {
    warning = 'This message failed the sender domain\'s authentication checks (DMARC): the sender may be forged.';
  } else if (fromIsLocal) {
    warning = 'This message came from outside the district although its sender address looks internal: be careful with links and attachments.';
  }
  return { spf, dkim, dmarc, verdict, warning };
}
