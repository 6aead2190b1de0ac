// The one place where store and core errors become IMAP replies (RFC 5530 response codes).
import { isFacteurError } from '../core/index.js';
import type { Logger } from '../core/log.js';

export interface Reply {
  status: 'OK' | 'NO' | 'BAD';
  /** Response code without brackets: "TRYCREATE", "COPYUID 5 1:2 3:4". */
  code?: string;
  text: string;
  /** The command wrote its tagged reply itself (STARTTLS must, before the handshake). */
  silent?: boolean;
}

export const ok = (text: string, code?: string): Reply => ({ status: 'OK', text, code });
export const no = (text: string, code?: string): Reply => ({ status: 'NO', text, code });
export const bad = (text: string, code?: string): Reply => ({ status: 'BAD', text, code });

/** A failure as a tagged reply; faults that are not the client's are logged here, once. */
export function errorReply(err: unknown, log: Logger, command: string): Reply {
  if (isFacteurError(err)) {
    switch (err.code) {
      case 'NOT_FOUND': return no(err.message, 'NONEXISTENT');
      case 'ALREADY_EXISTS': return no(err.message, 'ALREADYEXISTS');
      case 'OVER_QUOTA': return no('Quota exceeded', 'OVERQUOTA');
      case 'INVALID': return no(err.message, 'CANNOT');
      case 'CONFLICT': return no(err.message, 'INUSE');
      case 'PRECONDITION_FAILED': return no(err.message);
      case 'FORBIDDEN': return no(err.message, 'NOPERM');
      case 'UNAVAILABLE':
        log.warn({ err, command }, 'store unavailable');
        return no('Temporary failure, try again later', 'UNAVAILABLE');
    }
  }
  log.error({ err, command }, 'command failed');
  return no('Internal error', 'SERVERBUG');
}
