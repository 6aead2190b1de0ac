// smtp-server, adapted in three places it offers no option for:
// - replies that bring their own enhanced status code ("5.7.1 Relaying denied", see
//   replies.ts) are sent with it, instead of the code smtp-server derives from the reply
//   code alone (it would answer a relay refusal with 550 5.1.1);
// - whether AUTH may run over plain text is decided per connection: a loopback client counts
//   as secure, as Dovecot treats it, anyone else gets 538 before sending a password, and EHLO
//   does not offer AUTH there (RFC 4954 §4: not before the channel is protected);
// - the pause before the greeting: smtp-server always waits 100 ms to catch clients that talk
//   before it (see GREET_PAUSE_MS);
// - session ids: smtp-server draws 80 random bits per connection and turns them into base 32
//   through a BigInt; ours are a random prefix per listener and a counter (SessionIds);
// - connections per client address: smtp-server only bounds them all together (maxClients), so
//   one address could take every slot and hold it until the idle timeout.
// The hooks are methods of smtp-server 3.x's classes (its .d.ts declares them); the version is
// pinned in package.json.
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type tls from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SMTPConnection, type SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';
import { isLoopback } from './client-address.js';
import { OWN_STATUS, Replies } from './replies.js';

export interface AuthTransportPolicy {
  /** Plain-text AUTH from 127.0.0.0/8 and ::1 (a webmail or script on the same machine). */
  loopbackIsSecure: boolean;
}

export interface ListenerPolicy extends AuthTransportPolicy {
  /** Connections one address may hold at once; none when absent. */
  maxConnectionsPerIp?: number;
}

/**
 * Pause before the 220 greeting. smtp-server's fixed 100 ms is an anti-spam heuristic (a bot
 * that talks first is refused with 421) that costs every session 100 ms: with one message per
 * connection, as MTAs send, 20 sessions could never pass 200 messages/s. Postfix's smtpd
 * greets at once (the pause lives in postscreen, as an opt-in `postscreen_greet_wait`); so do
 * we. A client that talks before the greeting is still refused, as long as the reverse lookup
 * that precedes it is running.
 */
export const GREET_PAUSE_MS = 0;

/** May this connection authenticate now? */
export function mayAuthenticate(secure: boolean, remoteAddress: string, policy: AuthTransportPolicy): boolean {
  return secure || (policy.loopbackIsSecure && isLoopback(remoteAddress));
}

/**
 * Session ids, shown in logs, in the 250 reply and the Received header: 16 base-32 characters
 * like smtp-server's, unique per listener (a counter) and across restarts (a random prefix). With
 * one connection per message, as MTAs send, a CSPRNG draw per connection was a visible cost.
 */
export class SessionIds {
  private readonly prefix = BigInt(`0x${randomBytes(5).toString('hex')}`).toString(32).padStart(8, '0');
  private next = 0;

  take(): string {
    this.next = (this.next + 1) % 32 ** 8;
    return this.prefix + this.next.toString(32).padStart(8, '0');
  }
}

export class FacteurSmtpServer extends SMTPServer {
  readonly authPolicy: ListenerPolicy;
  readonly greetPauseMs: number;
  private readonly sessionIds = new SessionIds();
  /** Open connections per client address. */
  private readonly perAddress = new Map<string, number>();

  constructor(options: SMTPServerOptions, authPolicy: ListenerPolicy, greetPauseMs = GREET_PAUSE_MS) {
    // smtp-server's own check would refuse AUTH before STARTTLS everywhere, loopback included;
    // FacteurConnection.handler_AUTH makes the decision instead.
    super({ ...options, allowInsecureAuth: true });
    this.authPolicy = authPolicy;
    this.greetPauseMs = greetPauseMs;
  }

  // Same as SMTPServer._handleProxy without a PROXY header, with our session ids.
  override _handleProxy(socket: net.Socket, callback: (err: Error | null, socketOptions?: SMTPConnectionOptions & { id: string }) => void): void {
    if (this._expectsProxyHeader(socket)) {
      super._handleProxy(socket, callback);
      return;
    }
    const options = { id: this.sessionIds.take(), ignore: !!this.options.ignoredHosts?.includes(socket.remoteAddress ?? '') };
    setImmediate(() => callback(null, options));
  }

  // Same as SMTPServer.connect, with our connection class.
  override connect(socket: net.Socket | tls.TLSSocket, socketOptions?: SMTPConnectionOptions | null): void {
    // Counted only where there is a limit to enforce (MX; not submission).
    if (this.authPolicy.maxConnectionsPerIp !== undefined) {
      const address = socket.remoteAddress ?? '';
      this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
      socket.once('close', () => {
        const left = (this.perAddress.get(address) ?? 1) - 1;
        if (left > 0) this.perAddress.set(address, left);
        else this.perAddress.delete(address);
      });
    }
    const connection = new FacteurConnection(this, socket, socketOptions);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data) => this._onClientConnect(data));
    connection.init();
  }

  /** Does `address` hold more connections than it may (this one counted)? */
  overAddressLimit(address: string): boolean {
    const max = this.authPolicy.maxConnectionsPerIp;
    return max !== undefined && (this.perAddress.get(address) ?? 0) > max;
  }
}

class FacteurConnection extends SMTPConnection {
  /** Set while EHLO builds its list on a channel where AUTH may not run yet. */
  private hideAuth = false;

  // Same as SMTPConnection.init (smtp-server 3.21), with our pause instead of its fixed 100 ms.
  override init(): void {
    const server = this._server as FacteurSmtpServer;
    this._setListeners(() => {
      if (server.options.maxClients && server.connections.size > server.options.maxClients) {
        this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
        return;
      }
      if (server.overAddressLimit(this._socket.remoteAddress ?? '')) {
        this.send(421, Replies.tooManyFromAddress().message);
        return;
      }
      if (server.greetPauseMs <= 0) {
        this.connectionReady();
        return;
      }
      setTimeout(() => this.connectionReady(), server.greetPauseMs).unref();
    });
  }

  // After its 221, smtp-server ends the socket and reads on until the client closes its side.
  // MTAs mostly close without reading the 221 (Postfix's smtp_skip_quit_response), so that read
  // ended in ECONNRESET: an error object with a source-mapped stack trace per connection, a
  // visible cost with one message per connection. Nothing read after QUIT is used (RFC 5321
  // §4.1.1.10: the server closes after its reply), so once the 221 and our FIN are out, the
  // socket is closed, as Postfix's smtpd does.
  override handler_QUIT(command: Buffer, callback: () => void): void {
    super.handler_QUIT(command, callback);
    const socket = this._socket;
    if (socket.destroyed) return;
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  }

  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    // smtp-server's own texts never start with a status code; ours (errors and the 250 after
    // DATA, which smtp-server sends with context DATA_OK) always do.
    if (typeof data === 'string' && OWN_STATUS.test(data)) {
      super.send(code, data, false);
      return;
    }
    super.send(code, data, context);
  }

  override handler_EHLO(command: Buffer, callback: () => void): void {
    this.hideAuth = !mayAuthenticate(this.secure, this.remoteAddress, (this._server as FacteurSmtpServer).authPolicy);
    try {
      super.handler_EHLO(command, callback);
    } finally {
      this.hideAuth = false;
    }
  }

  // Only EHLO's list is affected: elsewhere smtp-server uses this check to demand AUTH before
  // MAIL, which must stay.
  override _isSupported(command: string): boolean {
    if (this.hideAuth && command.trim().toUpperCase() === 'AUTH') return false;
    return super._isSupported(command);
  }

  override handler_AUTH(command: Buffer, callback: () => void): void {
    const policy = (this._server as FacteurSmtpServer).authPolicy;
    if (!mayAuthenticate(this.secure, this.remoteAddress, policy)) {
      this.send(538, Replies.encryptionRequired().message);
      callback();
      return;
    }
    super.handler_AUTH(command, callback);
  }
}
