// A line-level SMTP client for tests: it sends exactly the bytes given (bare LF, NUL, pipelined
// batches, a DATA that never ends) and reads the replies as they come.
import type { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';

/** A line-level SMTP client: sends exactly the bytes given, reads replies as they come. */
export class RawSmtp {
  private buffer = '';
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(private socket: net.Socket | tls.TLSSocket) {
    this.listen(socket);
  }

  static async connect(port: number, options: { tls?: boolean; servername?: string } = {}): Promise<RawSmtp> {
    const socket = options.tls
      ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: options.servername ?? 'mx.facteur.test' })
      : net.connect({ host: '127.0.0.1', port });
    await once(socket, options.tls ? 'secureConnect' : 'connect');
    const client = new RawSmtp(socket);
    await client.reply(); // greeting
    return client;
  }

  private listen(socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { this.buffer += d; this.wake(); });
    socket.on('close', () => { this.closed = true; this.wake(); });
    socket.on('error', () => undefined);
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends one command line (CRLF added) and returns its reply. */
  async command(line: string): Promise<string> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  /** The next complete reply (all lines of a multi-line one), or '' if the server closed. */
  async reply(timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /^(?:\d{3}-.*\r\n)*\d{3}(?: .*)?\r\n/.exec(this.buffer);
      if (m) {
        this.buffer = this.buffer.slice(m[0].length);
        return m[0].trimEnd();
      }
      if (this.closed) return '';
      if (Date.now() > deadline) throw new Error(`no reply; buffer: ${JSON.stringify(this.buffer.slice(0, 200))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  /** EHLO, then STARTTLS when asked. */
  async hello(name = 'client.example', options: { starttls?: boolean; servername?: string } = {}): Promise<string> {
    const ehlo = await this.command(`EHLO ${name}`);
    if (!options.starttls) return ehlo;
    const ready = await this.command('STARTTLS');
    if (!ready.startsWith('220')) throw new Error(`STARTTLS refused: ${ready}`);
    const plain = this.socket as net.Socket;
    plain.removeAllListeners('data');
    const secure = tls.connect({ socket: plain, rejectUnauthorized: false, servername: options.servername ?? 'mx.facteur.test' });
    await once(secure, 'secureConnect');
    this.socket = secure;
    this.listen(secure);
    return this.command(`EHLO ${name}`);
  }

  /** The server's certificate, once the session runs TLS. */
  peerCertificate(): X509Certificate | null {
    return this.socket instanceof tls.TLSSocket ? this.socket.getPeerX509Certificate() ?? null : null;
  }

  close(): void {
    this.socket.destroy();
  }
}

