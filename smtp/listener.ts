// smtp-server, adapted in two places it offers no option for:
// - replies that bring their own enhanced status code ("5.7.1 Relaying denied", see
//   replies.ts) are sent with it, instead of the code smtp-server derives from the reply
//   code alone (it would answer a relay refusal with 550 5.1.1);
// - whether AUTH may run over plain text is decided per connection: a loopback client counts
//   as secure, as Dovecot treats it, anyone else gets 538 before sending a password.
// Both hooks are methods of smtp-server 3.x's public classes (its .d.ts declares them); the
// version is pinned in package.json.
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

/** May this connection authenticate now? */
export function mayAuthenticate(secure: boolean, remoteAddress: string, policy: AuthTransportPolicy): boolean {
  return secure || (policy.loopbackIsSecure && isLoopback(remoteAddress));
}

export class FacteurSmtpServer extends SMTPServer {
  readonly authPolicy: AuthTransportPolicy;

  constructor(options: SMTPServerOptions, authPolicy: AuthTransportPolicy) {
    // smtp-server's own check would refuse AUTH before STARTTLS everywhere, loopback included;
    // FacteurConnection.handler_AUTH makes the decision instead.
    super({ ...options, allowInsecureAuth: true });
    this.authPolicy = authPolicy;
  }

  // Same as SMTPServer.connect, with our connection class.
  override connect(socket: net.Socket | tls.TLSSocket, socketOptions?: SMTPConnectionOptions | null): void {
    const connection = new FacteurConnection(this, socket, socketOptions);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data) => this._onClientConnect(data));
    connection.init();
  }
}

class FacteurConnection extends SMTPConnection {
  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    // smtp-server's own texts never start with a status code; ours (errors and the 250 after
    // DATA, which smtp-server sends with context DATA_OK) always do.
    if (typeof data === 'string' && OWN_STATUS.test(data)) {
      super.send(code, data, false);
      return;
    }
    super.send(code, data, context);
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
