// A bare IMAP client for what real clients never send: it writes bytes as given and collects
// the server's lines, so that tests can assert on the exact protocol text.
import net from 'node:net';
import tls from 'node:tls';

export class RawImap {
  /** Received and not yet returned, as chunks: joining them at every chunk would be quadratic. */
  private chunks: string[] = [];
  private size = 0;
  /** The last 64 KB received, where a large response's end is looked for. */
  private tail = '';
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(private socket: net.Socket) {
    this.attach(socket);
  }

  static connect(port: number, options: { tls?: boolean } = {}): Promise<RawImap> {
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
        : net.connect({ host: '127.0.0.1', port });
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve(new RawImap(socket)));
      socket.once('error', reject);
    });
  }

  private attach(socket: net.Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.chunks.push(d);
      this.size += d.length;
      this.tail = (this.tail + d).slice(-65_536);
      this.wake();
    });
    socket.on('close', () => { this.closed = true; this.wake(); });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until the received text matches `pattern`; returns everything received so far and
   *  forgets it. */
  async until(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    // A large response is only searched near its end.
    const text = () => (this.size > 1_000_000 ? this.tail : this.received());
    while (!pattern.test(text())) {
      if (this.closed) throw new Error(`connection closed; received: ${JSON.stringify(this.received().slice(0, 2000))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${pattern}; received: ${JSON.stringify(this.received().slice(0, 2000))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
    const out = this.received();
    this.chunks = [];
    this.size = 0;
    this.tail = '';
    return out;
  }

  private received(): string {
    if (this.chunks.length > 1) this.chunks = [this.chunks.join('')];
    return this.chunks[0] ?? '';
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends `tag command` and returns every line up to the tagged reply. */
  async command(tag: string, command: string, timeoutMs?: number): Promise<string> {
    this.send(`${tag} ${command}\r\n`);
    return this.until(new RegExp(`(^|\\r\\n)${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (OK|NO|BAD)[^\\r\\n]*\\r\\n`), timeoutMs);
  }

  /** Upgrades to TLS on the same socket (after a STARTTLS OK). */
  async startTls(): Promise<void> {
    this.socket.removeAllListeners('data');
    const secure = tls.connect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    this.socket.destroy();
  }
}
