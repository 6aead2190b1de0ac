// Typed errors thrown by core and by every storage backend. Each protocol maps them to
// its replies in one place (smtp/replies.ts, imap/replies.ts, dav/errors.ts, webmail).

export type FacteurErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'OVER_QUOTA'
  | 'INVALID'
  | 'PRECONDITION_FAILED'
  | 'FORBIDDEN'
  | 'UNAVAILABLE';

export class FacteurError extends Error {
  readonly code: FacteurErrorCode;
  constructor(code: FacteurErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The thing asked for does not exist (or the caller may not know it exists). */
export class NotFound extends FacteurError {
  constructor(message: string) { super('NOT_FOUND', message); }
}

/** A unique name (address, mailbox name, UID in a collection...) is already taken. */
export class AlreadyExists extends FacteurError {
  constructor(message: string) { super('ALREADY_EXISTS', message); }
}

/** The operation contradicts the current state (e.g. removing a domain that still has users). */
export class Conflict extends FacteurError {
  constructor(message: string) { super('CONFLICT', message); }
}

/** Storing this would exceed the owner's quota. */
export class OverQuota extends FacteurError {
  readonly quotaBytes: number;
  readonly usedBytes: number;
  constructor(message: string, quotaBytes: number, usedBytes: number) {
    super('OVER_QUOTA', message);
    this.quotaBytes = quotaBytes;
    this.usedBytes = usedBytes;
  }
}

/** Input that can never succeed as given (malformed address, bad size, bad name...). */
export class Invalid extends FacteurError {
  /** The field or option at fault, when there is one. */
  readonly field?: string;
  constructor(message: string, field?: string) {
    super('INVALID', message);
    this.field = field;
  }
}

/** An If-Match / UNCHANGEDSINCE style precondition did not hold. */
export class PreconditionFailed extends FacteurError {
  constructor(message: string) { super('PRECONDITION_FAILED', message); }
}

/** The caller is known but may not do this. */
export class Forbidden extends FacteurError {
  constructor(message: string) { super('FORBIDDEN', message); }
}

/** A temporary fault in a dependency (disk, database); retrying later may succeed. */
export class Unavailable extends FacteurError {
  constructor(message: string, options?: { cause?: unknown }) { super('UNAVAILABLE', message, options); }
}

export function isFacteurError(err: unknown): err is FacteurError {
  return err instanceof FacteurError;
}

/** An error as plain fields, to cross to another thread: structured clone keeps a message but
 *  not a class, and the protocols map errors by class. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  /** Set for the typed errors above: `code` is then a FacteurErrorCode. */
  facteur?: boolean;
  quotaBytes?: number;
  usedBytes?: number;
  field?: string;
}

export function errorToWire(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const e = err as Error & { code?: unknown; quotaBytes?: number; usedBytes?: number; field?: string };
  return {
    name: e.name, message: e.message, stack: e.stack,
    code: typeof e.code === 'string' ? e.code : undefined,
    facteur: isFacteurError(err) || undefined,
    quotaBytes: e.quotaBytes, usedBytes: e.usedBytes, field: e.field,
  };
}

const typed: Record<FacteurErrorCode, (w: WireError) => FacteurError> = {
  NOT_FOUND: (w) => new NotFound(w.message),
  ALREADY_EXISTS: (w) => new AlreadyExists(w.message),
  CONFLICT: (w) => new Conflict(w.message),
  OVER_QUOTA: (w) => new OverQuota(w.message, w.quotaBytes ?? 0, w.usedBytes ?? 0),
  INVALID: (w) => new Invalid(w.message, w.field),
  PRECONDITION_FAILED: (w) => new PreconditionFailed(w.message),
  FORBIDDEN: (w) => new Forbidden(w.message),
  UNAVAILABLE: (w) => new Unavailable(w.message),
};

/** The error errorToWire() described, of the same class when it is one of ours. */
export function errorFromWire(w: WireError): Error {
  const make = w.facteur ? typed[w.code as FacteurErrorCode] : undefined;
  const err: Error & { code?: string } = make ? make(w) : Object.assign(new Error(w.message), w.code ? { code: w.code } : {});
  if (!make) err.name = w.name;
  // The stack of where it happened, on the other thread: the one worth logging.
  if (w.stack) err.stack = w.stack;
  return err;
}
