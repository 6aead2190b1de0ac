// Which domain a request is about, and whether it is one of ours. Only local domains get an
// answer: anything else is 404, so the server is no oracle for other people's domains.
import type { IncomingMessage } from 'node:http';
import { domainOf, normalizeAddress, normalizeDomain } from '../../core/accounts/index.js';
import type { AccountStore } from '../../storage/index.js';

export type DomainLookup = Pick<AccountStore, 'getDomain'>;

/** The normalized address, or null when it is malformed. */
export function parseAddress(text: string | null | undefined): string | null {
  if (!text) return null;
  try {
    return normalizeAddress(text);
  } catch {
    return null;
  }
}

/** The domain of `address` if it is served here, else null. */
export async function localDomainOf(accounts: DomainLookup, address: string | null): Promise<string | null> {
  if (!address) return null;
  const domain = domainOf(address);
  return (await accounts.getDomain(domain)) ? domain : null;
}

/** The domain named by the Host header: Thunderbird asks autoconfig.<domain> (and <domain>
 *  itself for /.well-known) when it does not send the address. */
export async function localDomainOfHost(accounts: DomainLookup, req: IncomingMessage, label = 'autoconfig.'): Promise<string | null> {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[.*\]$/, '').toLowerCase();
  let domain: string;
  try {
    domain = normalizeDomain(host.startsWith(label) ? host.slice(label.length) : host);
  } catch {
    return null;
  }
  return (await accounts.getDomain(domain)) ? domain : null;
}
