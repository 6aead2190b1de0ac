// Who a recipient address is: local users (directly, or through aliases and groups, expanded
// here) or a remote address. Refusals follow RFC 5321 §3.6 (relaying) and the codes.
import { Invalid } from '../errors.js';
import { FeedCache } from '../feed-cache.js';
import { domainOf, normalizeAddress } from '../accounts/address.js';
import type { Store, User } from '../../storage/index.js';
import { ACCEPT, Refusals, type Decision } from './decision.js';
import type { Srs } from './srs.js';

export type Target = { kind: 'local'; user: User } | { kind: 'remote'; address: string };

export interface ResolvedRecipient {
  /** The address as the sender gave it, normalised. */
  address: string;
  decision: Decision;
  targets: Target[];
  /** RCPT TO's DSN parameters (RFC 3461 §4.1, §4.2), when the client gave any. */
  dsn?: RecipientDsn;
  /** On the MX thread: the number under which the main thread keeps this recipient's targets
   *  (smtp/mx-thread.ts); `targets` is then empty. */
  held?: number;
}

export interface RecipientDsn {
  /** null: not given (the default is FAILURE and maybe DELAY, §4.1). */
  notify: ('NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY')[] | null;
  /** ORCPT as given: "rfc822;addr" (addr-type; xtext). */
  orcpt: string | null;
}

/** Does the sender want to hear that delivery to this recipient failed? (RFC 3461 §4.1) */
export function wantsFailureNotice(dsn: RecipientDsn | null | undefined): boolean {
  return !dsn?.notify || dsn.notify.includes('FAILURE');
}

/** Alias chains longer than this are a loop or a mistake. */
const MAX_DEPTH = 8;

export async function isLocalDomain(store: Store, domain: string): Promise<boolean> {
  return (await store.accounts.getDomain(domain)) !== null;
}

/**
 * Our domains as RCPT TO asks about them, several times per message: a domain found local is
 * remembered until the change feed reports any change to domains. Only "local" is remembered,
 * so that a domain just added is ours at once; one just removed is forgotten within the feed's
 * poll interval.
 */
export function localDomains(store: Store): (domain: string) => Promise<boolean> {
  const cache = new FeedCache(store, (domain) => isLocalDomain(store, domain),
    (event) => (event.kind === 'account.domain' ? null : undefined), { maxEntries: 10_000, keep: (local) => local });
  return (domain) => cache.get(domain);
}

export interface ResolveOptions {
  mayRelay: boolean;
  /** How "is this domain ours" is answered (localDomains()); the store is asked by default. */
  isLocal?: (domain: string) => Promise<boolean>;
  /** Our SRS addresses go back to the sender they encode (a bounce of forwarded mail). */
  srs?: Srs | null;
  /** The server's own postmaster address, for a local domain that has none (null: none). */
  postmaster?: () => Promise<string | null>;
}

export async function resolveRecipient(store: Store, input: string, options: ResolveOptions): Promise<ResolvedRecipient> {
  const isLocal = options.isLocal ?? ((domain: string) => isLocalDomain(store, domain));
  let address: string;
  try {
    address = normalizeAddress(input);
  } catch (err) {
    if (err instanceof Invalid) return { address: input, decision: Refusals.badAddress(input), targets: [] };
    throw err;
  }
  if (options.srs?.owns(address)) {
    const original = options.srs.reverse(address);
    if (!original) return { address, decision: Refusals.badSrs(address), targets: [] };
    // Wherever the original sender is, here or elsewhere: the bounce goes back there.
    const back = await resolveRecipient(store, original, { ...options, mayRelay: true, srs: null });
    return { ...back, address };
  }
  if (!(await isLocal(domainOf(address)))) {
    if (!options.mayRelay) return { address, decision: Refusals.relayDenied(), targets: [] };
    return { address, decision: ACCEPT, targets: [{ kind: 'remote', address }] };
  }
  const resolved = await store.accounts.resolveAddress(address);
  if (!resolved) {
    // RFC 5321 §4.5.1: every domain we take mail for must have a postmaster. A domain without
    // its own (no alias or user postmaster@) shares the server's.
    if (options.postmaster && address.slice(0, address.lastIndexOf('@')).toLowerCase() === 'postmaster') {
      const shared = await options.postmaster();
      if (shared && shared !== address) return { ...(await resolveRecipient(store, shared, { ...options, postmaster: undefined })), address };
    }
    return { address, decision: Refusals.unknownUser(address), targets: [] };
  }
  if (resolved.kind === 'user') {
    const user = resolved.user;
    if (!user.enabled) return { address, decision: Refusals.disabledUser(address), targets: [] };
    if (user.quotaBytes > 0 && user.usedBytes >= user.quotaBytes) return { address, decision: Refusals.mailboxFull(address), targets: [] };
    return { address, decision: ACCEPT, targets: [{ kind: 'local', user }] };
  }
  const targets = await expand(store, isLocal, address, new Set([address]), 0);
  if (targets.length === 0) return { address, decision: Refusals.unknownUser(address), targets: [] };
  return { address, decision: ACCEPT, targets };
}

/** Members of a group or targets of an alias, recursively; disabled users are skipped
 *  (a group keeps working while one member is away). */
async function expand(store: Store, isLocal: (domain: string) => Promise<boolean>, address: string, seen: Set<string>, depth: number): Promise<Target[]> {
  if (depth > MAX_DEPTH) return [];
  const resolved = await store.accounts.resolveAddress(address);
  if (!resolved) {
    return (await isLocal(domainOf(address))) ? [] : [{ kind: 'remote', address }];
  }
  if (resolved.kind === 'user') return resolved.user.enabled ? [{ kind: 'local', user: resolved.user }] : [];
  if (resolved.kind === 'group') {
    const users = await Promise.all(resolved.group.memberIds.map((id) => store.accounts.getUser(id)));
    return users.filter((u): u is User => !!u && u.enabled).map((user) => ({ kind: 'local' as const, user }));
  }
  const out: Target[] = [];
  for (const t of resolved.alias.targets) {
    if (seen.has(t)) continue;
    seen.add(t);
    out.push(...(await expand(store, isLocal, t, seen, depth + 1)));
  }
  return out;
}

/** Local users once each, remote addresses once each, in first-seen order. */
export function dedupeTargets(list: Target[]): { users: User[]; remote: string[] } {
  const users = new Map<string, User>();
  const remote = new Set<string>();
  for (const t of list) {
    if (t.kind === 'local') users.set(t.user.id, t.user);
    else remote.add(t.address);
  }
  return { users: [...users.values()], remote: [...remote] };
}
