// The quota the QUOTA extension (RFC 9208) reports: one quota root per user, named "" and
// holding every mailbox, with the STORAGE resource in units of 1024 octets (§5.1). A user
// without a limit has no quota root.
import type { Session } from './session.js';

export const QUOTA_ROOT = '';

export interface StorageQuota {
  /** KiB in use, rounded up. */
  usedKib: number;
  limitKib: number;
}

/** The user's storage quota, read fresh (another session or SMTP may have changed it); null when unlimited. */
export async function storageQuota(session: Session): Promise<StorageQuota | null> {
  const user = await session.store.accounts.getUser(session.user!.id);
  if (!user || user.quotaBytes === 0) return null;
  return { usedKib: Math.ceil(user.usedBytes / 1024), limitKib: Math.floor(user.quotaBytes / 1024) };
}

export function quotaLine(q: StorageQuota): string {
  return `* QUOTA "" (STORAGE ${q.usedKib} ${q.limitKib})`;
}
