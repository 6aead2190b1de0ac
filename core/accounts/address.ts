// Address and domain syntax. Addresses are stored lower-case: staff type them in every case,
// and RFC 5321 §2.4 lets a server treat local parts case-insensitively when it chooses to.
import { domainToASCII } from 'node:url';
import { Invalid } from '../errors.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// RFC 5322 §3.2.3 dot-atom text: atext characters separated by single dots.
const LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** The A-label form of a domain, or Invalid naming what is wrong. */
export function normalizeDomain(input: string): string {
  const raw = input.trim().replace(/\.$/, '');
  const ascii = domainToASCII(raw.toLowerCase());
  if (!ascii || ascii.length > 253) throw new Invalid(`invalid domain "${input}"`, 'domain');
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) throw new Invalid(`invalid domain "${input}"`, 'domain');
  return ascii;
}

/** Lower-case local@domain with the domain in A-label form, or Invalid. */
export function normalizeAddress(input: string): string {
  const raw = input.trim();
  const at = raw.lastIndexOf('@');
  if (at <= 0 || at === raw.length - 1) throw new Invalid(`invalid address "${input}": expected local@domain`, 'address');
  const local = raw.slice(0, at).toLowerCase();
  if (local.length > 64 || !LOCAL.test(local)) throw new Invalid(`invalid address "${input}": bad local part`, 'address');
  let domain: string;
  try {
    domain = normalizeDomain(raw.slice(at + 1));
  } catch {
    throw new Invalid(`invalid address "${input}": bad domain`, 'address');
  }
  return `${local}@${domain}`;
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}
