// May this authenticated user send as this address? Their own address, an alias that
// delivers to them, or a group they belong to.
import { Invalid } from '../errors.js';
import { normalizeAddress } from '../accounts/address.js';
import type { Store, User } from '../../storage/index.js';

export async function mayUseAddress(store: Store, user: User, input: string): Promise<boolean> {
  let address: string;
  try {
    address = normalizeAddress(input);
  } catch (err) {
    if (err instanceof Invalid) return false;
    throw err;
  }
  if (address === user.address) return true;
  const resolved = await store.accounts.resolveAddress(address);
  if (!resolved) return false;
  if (resolved.kind === 'alias') return resolved.alias.targets.includes(user.address);
  if (resolved.kind === 'group') return resolved.group.memberIds.includes(user.id);
  return false;
}

/** How many From: header fields the message has. mailparser reads only the first, so a second
 *  one would escape the ownership check while some readers show it. */
export function fromFieldCount(raw: Buffer): number {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const header = end < 0 ? text : text.slice(0, end);
  return header.match(/^from[ \t]*:/gim)?.length ?? 0;
}
