// A small SMTP load client on bare sockets, shaped like Postfix's smtp-source (one message per
// connection unless `reuse`, no pipelining, N sessions in parallel), that also times each
// message: from the final "." of DATA to the 250 that acknowledges it (what a sending MTA
// waits for before it may forget the message), and from connect to that 250.
import net from 'node:net';

export interface LoadOptions {
  port: number;
  sessions: number;
  messages: number;
  from: string;
  /** Recipient of message i. */
  to: (i: number) => string;
  /** The message i, CRLF line ends, not dot-stuffed (no line starts with "."). */
  message: (i: number) => Buffer;
  /** Keep the connection for the next message (smtp-source -d). */
  reuse?: boolean;
}

export interface LoadResult {
  ok: number;
  failed: number;
  /** First few failure replies. */
  errors: string[];
  ms: number;
  /** Per accepted message, ascending: final dot -> 250. */
  dataMs: number[];
  /** Per accepted message, ascending: connect (or RSET-free MAIL on a reused connection) -> 250. */
  transactionMs: number[];
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, failed: 0, errors: [], ms: 0, dataMs: [], transactionMs: [] };
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: o.sessions }, async () => {
    let conn: Conn | null = null;
    for (let i = next++; i < o.messages; i = next++) {
      const t0 = performance.now();
      try {
        if (!conn) {
          conn = await Conn.open(o.port);
          await conn.expect(220);
          await conn.command('EHLO load.bench.example', 250);
        }
        await conn.command(`MAIL FROM:<${o.from}>`, 250);
        await conn.command(`RCPT TO:<${o.to(i)}>`, 250);
        await conn.command('DATA', 354);
        conn.write(Buffer.concat([o.message(i), END]));
        const t1 = performance.now();
        await conn.expect(250);
        const t2 = performance.now();
        result.ok++;
        result.dataMs.push(t2 - t1);
        result.transactionMs.push(t2 - t0);
        if (!o.reuse) {
          await conn.command('QUIT', 221);
          conn.close();
          conn = null;
        }
      } catch (err) {
        result.failed++;
        if (result.errors.length < 5) result.errors.push((err as Error).message);
        conn?.close();
        conn = null;
      }
    }
    if (conn) {
      await conn.command('QUIT', 221).catch(() => undefined);
      conn.close();
    }
  }));
  result.ms = performance.now() - start;
  result.dataMs.sort((a, b) => a - b);
  result.transactionMs.sort((a, b) => a - b);
  return result;
}

const END = Buffer.from('\r\n.\r\n');

/** One SMTP connection: reads replies (multi-line ones whole) in order. */
class Conn {
  private buffer = '';
  private waiting: { resolve: (reply: string) => void; reject: (err: Error) => void } | null = null;
  private replies: string[] = [];
  private failure: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.off('error', reject);
        resolve(new Conn(socket));
      });
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async command(line: string, code: number): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.expect(code);
  }

  async expect(code: number): Promise<string> {
    const reply = await this.reply();
    if (!reply.startsWith(String(code))) throw new Error(reply.trim());
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }

  private reply(): Promise<string> {
    const ready = this.replies.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => { this.waiting = { resolve, reject }; });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    // A reply ends with a line "ddd text" (a space after the code, RFC 5321 §4.2.1).
    for (let m = /^\d{3} .*\r\n/m.exec(this.buffer); m; m = /^\d{3} .*\r\n/m.exec(this.buffer)) {
      const end = m.index + m[0].length;
      this.deliver(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end);
    }
  }

  private deliver(reply: string): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve(reply);
    } else this.replies.push(reply);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.reject(err);
    }
  }
}
