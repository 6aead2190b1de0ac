// The shape of a command module (one file per command, as WildDuck's imap-core and imapflow
// do): the states it is allowed in, how its arguments are parsed, and what it does.
import type { Cursor } from '../protocol/cursor.js';
import type { Reply } from '../replies.js';
import type { Session } from '../session.js';

export type State = 'not-authenticated' | 'authenticated' | 'selected';

export const ANY: readonly State[] = ['not-authenticated', 'authenticated', 'selected'];
export const AUTHENTICATED: readonly State[] = ['authenticated', 'selected'];
export const SELECTED: readonly State[] = ['selected'];

export interface CommandContext {
  tag: string;
  /** Prefixed by UID (RFC 9051 §6.4.9). */
  uid: boolean;
}

export interface Command<A = unknown> {
  name: string;
  states: readonly State[];
  /** May be prefixed by UID. */
  uidForm?: boolean;
  /** Parses what follows the command name (the leading space included); the session checks
   *  that nothing is left. */
  parse(cur: Cursor, ctx: CommandContext): A;
  run(session: Session, args: A, ctx: CommandContext): Promise<Reply>;
  /** EXPUNGE responses must wait while this command is answered: FETCH, STORE and SEARCH by
   *  sequence number (RFC 9051 §7.5.1; the UID forms may receive them). */
  holdsExpunges?: boolean;
}

export function defineCommand<A>(command: Command<A>): Command<A> {
  return command;
}

/** No arguments. */
export function noArgs(cur: Cursor): undefined {
  cur.end();
  return undefined;
}
