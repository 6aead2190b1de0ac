// What every API handler receives: its dependencies, the request, the logged-in user.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Accounts, Authenticator, Delivery, HashParams } from '../../core/index.js';
import type { Logger } from '../../core/log.js';
import type { Store, User, WebSession } from '../../storage/index.js';

export interface WebmailDeps {
  store: Store;
  authenticator: Authenticator;
  delivery: Delivery;
  /** Password changes go through core's rules (length, hashing, audit). */
  accounts: Accounts;
  log: Logger;
  /** Our host name: only Authentication-Results in this name are trusted. */
  hostname: string;
  /** Largest message; the body limit of the routes that carry one follows from it (base64 attachments). */
  maxMessageBytes: number;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  /** argon2 cost for new app passwords. */
  hash: HashParams;
  /** Private folder (0700) for the temporary files of an export; a fresh one under the
   *  system's temp folder when not given. */
  tmpDir?: string;
  /** 32-byte key sealing TOTP secrets at rest; without it they are stored as base32. */
  totpKey?: Buffer;
  /** Aborted when the server stops: open event streams end at once instead of holding the
   *  shutdown for its whole grace period. */
  shutdown?: AbortSignal;
}

export interface RequestContext {
  deps: WebmailDeps;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  log: Logger;
  /** The JSON body (read once, with the size limit). */
  body(): Promise<Record<string, unknown>>;
}

export interface AuthedContext extends RequestContext {
  user: User;
  session: WebSession;
}
