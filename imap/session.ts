// One IMAP session (RFC 9051 §3): reads commands one at a time, checks the state, parses
// the arguments, runs the command module, then tells the client what changed in its
// selected mailbox before the tagged reply. A malformed command gets a tagged BAD and the
// session goes on; an unexpected fault gets NO [SERVERBUG], logged once (replies.ts).
import type tls from 'node:tls';
import { Invalid, NotFound, type Authenticator, type MailboxIds } from '../core/index.js';
import type { Logger } from '../core/log.js';
import type { ChangeEvent, Store, User } from '../storage/index.js';
import { capabilities } from './capabilities.js';
import type { Command, CommandContext, State } from './commands/command.js';
import { COMMANDS } from './commands/index.js';
import type { Connection } from './connection.js';
import { mailboxFromWire, mailboxToWire, normalizeInbox } from './mailbox-name.js';
import type { MailboxWatchers } from './notifier.js';
import { line, safeText } from './protocol/compiler.js';
import { Cursor, ParseError } from './protocol/cursor.js';
import type { Frame, ReaderLimits } from './protocol/reader.js';
import { bad, errorReply, type Reply } from './replies.js';
import { SelectedMailbox } from './selected.js';

export interface SessionOptions {
  store: Store;
  authenticator: Authenticator;
  watchers: MailboxWatchers;
  /** Mailbox ids by name for APPEND/COPY/MOVE (core/mail/mailbox-ids.ts), shared by the service. */
  destinations: MailboxIds;
  /** For STARTTLS; null where it is not offered (the implicit-TLS listener). */
  tlsContext: tls.SecureContext | null;
  /** Plain-text LOGIN/AUTHENTICATE from 127.0.0.0/8 and ::1, as Dovecot allows. */
  loopbackIsSecure: boolean;
  limits: ReaderLimits;
  /** Inactivity before the session is closed once logged in (RFC 9051 §5.4: at least 30 minutes). */
  idleTimeoutMs: number;
  /** Inactivity allowed before login. */
  preAuthTimeoutMs: number;
  /** Commands per minute (token bucket, a tenth of it as burst); Infinity for no limit. */
  maxCommandsPerMinute: number;
  /** Per-account session count: acquire is false when the account has too many. */
  userSlots: { acquire(userId: string): boolean; release(userId: string): void };
  log: Logger;
}

export class Session {
  state: State = 'not-authenticated';
  user: User | null = null;
  selected: SelectedMailbox | null = null;
  /** CONDSTORE is enabled (RFC 7162 §3.1): every FETCH response then carries MODSEQ. */
  condstore = false;
  /** Extensions turned on by ENABLE (RFC 5161), upper-case: QRESYNC, IMAP4REV2, UTF8=ACCEPT. */
  readonly enabled = new Set<string>();
  /** What the client said it is in ID, for the audit log. */
  clientName: string | null = null;
  log: Logger;
  private loggedOut = false;
  private stopping = false;
  private waitingForCommand = false;
  private unwatch: (() => void) | null = null;
  private changeWaiter: (() => void) | null = null;
  private changed = false;
  private selectedGone = false;
  private holdsUserSlot = false;
  private tokens: number;
  private throttled = false;
  private tokensAt = Date.now();

  constructor(readonly conn: Connection, readonly options: SessionOptions, readonly isLoopback: boolean) {
    this.log = options.log;
    this.tokens = this.burst;
  }

  private get burst(): number {
    return Math.max(1, this.options.maxCommandsPerMinute / 10);
  }

  /** Takes one command token; returns how long to wait for it (0 within the rate). */
  private takeToken(): number {
    if (this.options.maxCommandsPerMinute === Infinity) return 0;
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.tokensAt) * this.options.maxCommandsPerMinute) / 60_000);
    this.tokensAt = now;
    this.tokens -= 1;
    // In debt: the command waits until its token would have come. Commands are read one at a
    // time, so the debt never exceeds one token and the wait one interval.
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 60_000) / this.options.maxCommandsPerMinute);
  }

  /** Counts this session against the account's limit; false when it is reached. */
  claimUserSlot(user: User): boolean {
    if (this.holdsUserSlot) return true;
    this.holdsUserSlot = this.options.userSlots.acquire(user.id);
    return this.holdsUserSlot;
  }

  get store(): Store {
    return this.options.store;
  }

  /** LOGIN and AUTHENTICATE may run: over TLS, or from loopback (RFC 9051 §6.2.3 LOGINDISABLED). */
  get mayAuthenticate(): boolean {
    return this.conn.secure || (this.options.loopbackIsSecure && this.isLoopback);
  }

  /** ENABLE IMAP4rev2 was given (RFC 9051 §6.3.1): rev2 responses from then on. */
  get rev2(): boolean {
    return this.enabled.has('IMAP4REV2');
  }

  /** ENABLE QRESYNC was given (RFC 7162 §3.2.3): VANISHED instead of EXPUNGE. */
  get qresync(): boolean {
    return this.enabled.has('QRESYNC');
  }

  /** Mailbox names travel as UTF-8, not modified UTF-7: after ENABLE UTF8=ACCEPT (RFC 6855 §3)
   *  or ENABLE IMAP4rev2 (RFC 9051 §5.1). */
  get utf8(): boolean {
    return this.enabled.has('UTF8=ACCEPT') || this.enabled.has('IMAP4REV2');
  }

  /** A mailbox name as this session writes it: modified UTF-7, or UTF-8 after UTF8=ACCEPT. */
  mailboxName(name: string): Buffer {
    return this.utf8 ? Buffer.from(name, 'utf8') : mailboxToWire(name);
  }

  /** A mailbox argument as the store names it; Invalid when it is not valid in this session's encoding. */
  mailboxFromWire(raw: Buffer): string {
    if (!this.utf8) return mailboxFromWire(raw);
    const name = raw.toString('utf8');
    if (!Buffer.from(name, 'utf8').equals(raw)) throw new Invalid('mailbox name is not valid UTF-8', 'name');
    return normalizeInbox(name);
  }

  get mayStartTls(): boolean {
    return !this.conn.secure && this.options.tlsContext !== null;
  }

  capabilityList(): string[] {
    return capabilities({
      authenticated: this.state !== 'not-authenticated',
      mayStartTls: this.mayStartTls,
      mayAuthenticate: this.mayAuthenticate,
      appendLimit: this.options.limits.maxAppendLiteral,
    });
  }

  async run(): Promise<void> {
    this.conn.setIdleTimeout(this.options.preAuthTimeoutMs);
    this.conn.onTimeout = () => {
      this.conn.writeRaw('* BYE Autologout; idle for too long\r\n');
      this.conn.end();
    };
    try {
      await this.send(line(`* OK [CAPABILITY ${this.capabilityList().join(' ')}] Facteur IMAP ready`));
      while (!this.loggedOut) {
        if (this.stopping) {
          await this.send(line('* BYE Server shutting down'));
          break;
        }
        this.waitingForCommand = true;
        const frame = await this.conn.next();
        this.waitingForCommand = false;
        if (!frame) break;
        await this.handle(frame);
      }
    } catch (err) {
      this.log.error({ err }, 'session failed');
    } finally {
      this.unselect();
      if (this.holdsUserSlot && this.user) this.options.userSlots.release(this.user.id);
      this.holdsUserSlot = false;
      this.conn.end();
      this.log.debug('session ended');
    }
  }

  /** Server stop: a session waiting for a command is told at once, a busy one after its command. */
  shutdown(): void {
    this.stopping = true;
    if (this.waitingForCommand) {
      this.conn.writeRaw('* BYE Server shutting down\r\n');
      this.conn.end();
    }
    this.signalChange();
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  get isLoggedOut(): boolean {
    return this.loggedOut;
  }

  private async handle(frame: Frame): Promise<void> {
    if (frame.kind === 'refused') {
      const tag = frame.tag ?? '*';
      const reply = frame.reason === 'literal-too-big' ? 'NO [TOOBIG] Literal too big'
        : frame.reason === 'command-too-big' ? 'BAD [TOOBIG] Command too long' : 'BAD [TOOBIG] Line too long';
      this.log.debug({ reason: frame.reason }, 'command refused');
      await this.send(line(`${tag} ${reply}`));
      return;
    }
    const cur = new Cursor(frame.bytes);
    if (cur.atEnd) return; // an empty line: nothing to answer
    let tag: string;
    let name: string;
    let uid = false;
    try {
      tag = cur.tag();
      cur.sp();
      name = cur.atom().toUpperCase();
      if (name === 'UID') {
        cur.sp();
        name = cur.atom().toUpperCase();
        uid = true;
      }
    } catch {
      // Echo the tag only if it is one (tag = 1*<ASTRING-CHAR except "+">), so that the client
      // can match the BAD to its command; otherwise the BAD is untagged.
      const t = /^[^\x00-\x20\x7f-\xff(){%*"\\+]+(?= |$)/.exec(frame.bytes.subarray(0, 64).toString('latin1'))?.[0];
      await this.send(line(`${t ?? '*'} BAD Invalid tag or command name`));
      return;
    }
    const command = COMMANDS.get(name) as Command<unknown> | undefined;
    const label = uid ? `UID ${name}` : name;
    if (!command || (uid && !command.uidForm)) {
      await this.send(line(`${tag} BAD Unknown command ${safeText(label.slice(0, 40))}`));
      return;
    }
    const wait = name === 'LOGOUT' ? 0 : this.takeToken();
    if (wait > 0) {
      // Over the rate, commands are slowed rather than refused: a client that pipelines
      // thousands of UID STOREs (mbsync) still finishes, an abusive one gets little done.
      if (!this.throttled) this.log.info({ command: label }, 'command rate limit reached: slowing');
      this.throttled = true;
      this.conn.flush();
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    if (!command.states.includes(this.state)) {
      const why = this.state === 'not-authenticated' ? 'Log in first' : this.state === 'authenticated' ? 'Select a mailbox first' : 'Not allowed now';
      await this.send(line(`${tag} BAD ${why}`));
      return;
    }
    const ctx: CommandContext = { tag, uid };
    let args: unknown;
    try {
      args = command.parse(cur, ctx);
      cur.end();
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      await this.send(line(`${tag} BAD ${safeText(`${label}: ${err.message}`)}`));
      return;
    }
    const started = Date.now();
    let reply: Reply;
    try {
      if (this.selected) await this.selected.sync(this.store);
      reply = await command.run(this, args, ctx);
    } catch (err) {
      if (err instanceof ParseError) reply = bad(err.message);
      else reply = errorReply(err, this.log, label);
    }
    if (this.loggedOut) return;
    await this.flushChanges(!command.holdsExpunges || uid);
    this.log.debug({ tag, command: label, status: reply.status, ms: Date.now() - started }, 'command');
    if (reply.silent) return;
    await this.send(line(`${tag} ${reply.status} ${reply.code ? `[${reply.code}] ` : ''}${safeText(reply.text)}`));
  }

  /** Writes one response (its chunks), waiting while the client is not reading. */
  send(chunks: Buffer[]): Promise<void> {
    return this.conn.write(chunks);
  }

  /** Syncs the selected mailbox and sends what the client is owed. */
  async flushChanges(mayExpunge: boolean): Promise<void> {
    if (this.selectedGone) {
      // The selected mailbox was deleted by someone else: nothing valid can be said about it
      // any more (RFC 9051 §7.1.5 BYE), as Dovecot does.
      await this.send(line('* BYE Selected mailbox was deleted'));
      this.logout();
      return;
    }
    const sel = this.selected;
    if (!sel) return;
    try {
      await sel.sync(this.store);
    } catch (err) {
      this.log.warn({ err }, 'mailbox sync failed');
      return;
    }
    for (const response of sel.drain(mayExpunge, this.condstore, this.qresync)) await this.send(response);
    const safe = sel.modseqBeforeHeldExpunges;
    if (safe !== null && this.qresync) {
      // RFC 7162 §3.2: MODSEQ values sent while a VANISHED is held back are above the expunge's;
      // a client that lost the connection now must resync from below it, not from them.
      await this.send(line(`* OK [HIGHESTMODSEQ ${safe}] Expunges pending`));
    }
  }

  // ------------------------------------------------------------ state changes

  loggedIn(user: User): void {
    this.user = user;
    this.state = 'authenticated';
    this.log = this.log.child({ user: user.address });
    this.conn.setIdleTimeout(this.options.idleTimeoutMs);
    this.log.info('logged in');
  }

  async select(mailboxId: string, readOnly: boolean): Promise<SelectedMailbox> {
    this.unselect();
    const mailbox = await this.store.mail.getMailbox(mailboxId);
    if (!mailbox) throw new NotFound('no such mailbox');
    this.unwatch = this.options.watchers.watch(mailbox.id, (event) => this.onMailboxEvent(event));
    const selected = await SelectedMailbox.open(this.store, mailbox, readOnly);
    this.selected = selected;
    this.state = 'selected';
    return selected;
  }

  unselect(): void {
    this.unwatch?.();
    this.unwatch = null;
    this.selected = null;
    this.selectedGone = false;
    if (this.state === 'selected') this.state = 'authenticated';
  }

  logout(): void {
    this.loggedOut = true;
  }

  // ------------------------------------------------------------ change notifications

  private onMailboxEvent(event: ChangeEvent): void {
    if (event.kind === 'mailbox.delete') this.selectedGone = true;
    this.signalChange();
  }

  private signalChange(): void {
    this.changed = true;
    const w = this.changeWaiter;
    this.changeWaiter = null;
    w?.();
  }

  stopWaitingForChange(): void {
    this.changeWaiter = null;
  }

  /** Resolves at the next change to the selected mailbox (or at shutdown), for IDLE. */
  waitForChange(): Promise<void> {
    if (this.changed) {
      this.changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.changeWaiter = () => {
        this.changed = false;
        resolve();
      };
    });
  }
}
