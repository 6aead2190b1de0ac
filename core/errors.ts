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
