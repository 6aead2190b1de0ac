// The DNS side of DKIM: the selector's syntax, the TXT record's name and its text.
import { Invalid } from '../errors.js';
import type { DkimAlgorithm } from '../../storage/index.js';

// RFC 6376 §3.1: selector = sub-domain *( "." sub-domain ), sub-domain as in RFC 5321 §4.1.2.
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function normalizeSelector(input: string): string {
  const selector = input.trim().toLowerCase();
  if (!selector || selector.length > 200 || !selector.split('.').every((l) => LABEL.test(l))) {
    throw new Invalid(`invalid selector "${input}": use letters, digits and hyphens (e.g. mail2025)`, 'selector');
  }
  return selector;
}

/** A dated default, so that a key rotation gets a fresh selector and both keys can be
 *  published side by side while mail signed with the old one is still in transit. */
export function defaultSelector(now: Date = new Date()): string {
  return `facteur${now.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** RFC 6376 §3.6.2.1: the key lives at <selector>._domainkey.<domain>. */
export function dkimRecordName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain}`;
}

/** RFC 6376 §3.6.1 tags (k= is rsa or ed25519 per RFC 8463 §4.2). */
export function dkimRecordValue(algorithm: DkimAlgorithm, publicKey: string): string {
  return `v=DKIM1; k=${algorithm}; p=${publicKey}`;
}

/** The value as zone-file character-strings: one TXT string holds at most 255 octets
 *  (RFC 1035 §3.3.14) and a verifier joins several (RFC 6376 §3.6.2.2). */
export function txtStrings(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i += 255) out.push(value.slice(i, i + 255));
  return out;
}
