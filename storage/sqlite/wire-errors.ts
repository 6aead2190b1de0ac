// Errors crossing from the store's background thread to the main thread: structured clone
// keeps a message but not a class, and the protocols map errors by class (core/errors.ts).
import { AlreadyExists, Conflict, FacteurError, Forbidden, Invalid, NotFound, OverQuota, PreconditionFailed, Unavailable } from '../../core/errors.js';
import { toStoreError } from './mail-errors.js';

export interface WireError {
  code: string | null;
  message: string;
  quotaBytes?: number;
  usedBytes?: number;
  field?: string;
}

export function toWire(error: unknown): WireError {
  const e = toStoreError(error);
  if (e instanceof OverQuota) return { code: e.code, message: e.message, quotaBytes: e.quotaBytes, usedBytes: e.usedBytes };
  if (e instanceof Invalid) return { code: e.code, message: e.message, field: e.field };
  if (e instanceof FacteurError) return { code: e.code, message: e.message };
  return { code: null, message: e instanceof Error ? e.message : String(e) };
}

export function fromWire(w: WireError): Error {
  switch (w.code) {
    case 'NOT_FOUND': return new NotFound(w.message);
    case 'ALREADY_EXISTS': return new AlreadyExists(w.message);
    case 'CONFLICT': return new Conflict(w.message);
    case 'OVER_QUOTA': return new OverQuota(w.message, w.quotaBytes ?? 0, w.usedBytes ?? 0);
    case 'INVALID': return new Invalid(w.message, w.field);
    case 'PRECONDITION_FAILED': return new PreconditionFailed(w.message);
    case 'FORBIDDEN': return new Forbidden(w.message);
    case 'UNAVAILABLE': return new Unavailable(w.message);
    default: return new Error(w.message);
  }
}
