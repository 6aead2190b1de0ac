// Driver errors never leave the store (storage/types.ts): a busy or failing database becomes
// Unavailable, so that protocols answer "try again later" rather than crash.
import { FacteurError, Unavailable } from '../../core/errors.js';

export function toStoreError(err: unknown): unknown {
  if (err instanceof FacteurError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|PROTOCOL|NOMEM|READONLY)/.test(code)) {
    return new Unavailable(`database unavailable (${code})`, { cause: err });
  }
  return err;
}

/** Runs `fn`, translating driver faults; the typed errors it throws pass through. */
export function mapStoreErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toStoreError(err);
  }
}
