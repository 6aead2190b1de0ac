// Object identifiers on the wire (RFC 8474 §4: objectid = 1*255(ALPHA / DIGIT / "_" / "-")).
// Store ids are opaque; one that does not fit is replaced by a stable digest of itself.
import { createHash } from 'node:crypto';

export function objectId(id: string): string {
  if (/^[A-Za-z0-9_-]{1,255}$/.test(id)) return id;
  return `h${createHash('sha256').update(id).digest('base64url')}`;
}
