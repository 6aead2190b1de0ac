/** A line end that is a lone LF, not CRLF (RFC 5322 §2.3 allows only CRLF). */
export function hasBareLf(raw: Buffer): boolean {
  for (let i = raw.indexOf(0x0a); i !== -1; i = raw.indexOf(0x0a, i + 1)) if (i === 0 || raw[i - 1] !== 0x0d) return true;
  return false;
}
