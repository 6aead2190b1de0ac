// One client socket: commands in (through the pull reader, so that nothing is read while a
// command is being answered), responses out with backpressure (a client that does not read
// makes the writer wait, not the server's memory grow), STARTTLS, and the idle timer.
import type net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { CommandReader, type Frame, type ReaderLimits } from './protocol/reader.js';

/** Output held beyond this is sent without waiting for the end of the command. */
const FLUSH_AT = 64 * 1024;

export class Connection {
  private socket: net.Socket;
  private readonly reader: CommandReader;
  private waiter: (() => void) | null = null;
  private ended = false;
  closed = false;
  /** COMPRESS=DEFLATE (RFC 4978): raw deflate both ways once started. */
  private corked = false;
  private inflate: zlib.InflateRaw | null = null;
  private deflate: zlib.DeflateRaw | null = null;
  /** Called when the socket has been idle for the timeout (after the last read or write). */
  onTimeout: () => void = () => this.destroy();

  constructor(socket: net.Socket, public secure: boolean, limits: ReaderLimits) {
    this.socket = socket;
    this.reader = new CommandReader(limits, () => { this.writeRaw('+ Ready for literal data\r\n'); });
    this.attach(socket);
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }

  setIdleTimeout(ms: number): void {
    this.socket.setTimeout(ms);
  }

  private readonly onData = (chunk: Buffer) => {
    if (this.inflate) {
      this.inflate.write(chunk);
      this.socket.pause();
      return;
    }
    this.reader.push(chunk);
    // Hold further input until the session asks for it.
    this.socket.pause();
    this.wake();
  };

  private readonly onEnd = () => {
    this.ended = true;
    this.wake();
  };

  private readonly onClose = () => {
    this.ended = true;
    this.closed = true;
    this.wake();
  };

  private readonly onError = () => {
    // 'close' follows; resets and TLS alerts are the client's business.
  };

  private readonly onSocketTimeout = () => this.onTimeout();

  private attach(socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
    socket.on('timeout', this.onSocketTimeout);
    socket.pause();
  }

  private detach(socket: net.Socket): void {
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
    socket.off('timeout', this.onSocketTimeout);
    // 'error' stays: an error on the raw socket under TLS must not go unheard.
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** The next command, or null once the client has gone. Whatever was written is sent
   *  before waiting for the client. */
  async next(): Promise<Frame | null> {
    for (;;) {
      if (this.closed) return null;
      const frame = this.reader.next();
      if (frame) return frame;
      if (this.ended) return null;
      this.flush();
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        this.socket.resume();
      });
    }
  }

  /** Writes and waits while the client is not reading (socket buffer above its high-water mark).
   *  Responses are held (corked) until flush() or until enough has gathered, so that a command's
   *  many small responses go out in few packets; with Nagle's algorithm off, the last one is
   *  not held back by the client's delayed ACK (40 ms per command otherwise). */
  async write(chunks: readonly Buffer[]): Promise<void> {
    if (this.closed || this.socket.destroyed) return;
    if (this.deflate) {
      const deflate = this.deflate;
      for (const c of chunks) deflate.write(c);
      // Each response is flushed whole so that the client can act on it (RFC 4978 §4).
      await new Promise<void>((resolve) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    } else {
      if (!this.corked) {
        this.socket.cork();
        this.corked = true;
      }
      for (const c of chunks) this.socket.write(c);
    }
    if (this.socket.writableLength >= FLUSH_AT) {
      this.flush();
      if (this.socket.writableNeedDrain) await this.drained();
    }
  }

  /** Writes at once, everything held before included (continuation requests, BYE). */
  writeRaw(text: string): void {
    if (this.closed || this.socket.destroyed) return;
    if (this.deflate) {
      this.deflate.write(text);
      this.deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => this.flush());
    } else {
      this.socket.write(text);
    }
    this.flush();
  }

  /** Sends what write() has held. */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  get compressed(): boolean {
    return this.deflate !== null;
  }

  /** Starts COMPRESS=DEFLATE (RFC 4978 §3) after the tagged OK has been written: what the client
   *  sent after the command is already compressed, and is inflated first. */
  startCompression(): void {
    this.flush();
    const inflate = zlib.createInflateRaw();
    const deflate = zlib.createDeflateRaw({ level: 6 });
    deflate.on('data', (data: Buffer) => { if (!this.socket.destroyed) this.socket.write(data); });
    deflate.on('error', () => this.destroy());
    inflate.on('data', (data: Buffer) => {
      this.reader.push(data);
      this.wake();
    });
    // A corrupt stream cannot be resynchronised: the session ends.
    inflate.on('error', () => this.destroy());
    this.inflate = inflate;
    this.deflate = deflate;
    const pending = this.reader.takeUnread();
    if (pending.length > 0) inflate.write(pending);
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** Switches to TLS on the same socket (RFC 9051 §6.2.1). Whatever the client sent after
   *  STARTTLS in plain text is dropped, so it cannot be injected into the secure session. */
  async startTls(context: tls.SecureContext): Promise<void> {
    this.flush();
    this.reader.reset();
    const plain = this.socket;
    this.detach(plain);
    const secure = new tls.TLSSocket(plain, { isServer: true, secureContext: context });
    this.socket = secure;
    this.attach(secure);
    secure.resume(); // the handshake must be read; data events pause it again
    await new Promise<void>((resolve, reject) => {
      const onSecure = () => { secure.off('error', onFail); secure.off('close', onFail); resolve(); };
      const onFail = (err?: unknown) => { secure.off('secure', onSecure); reject(err instanceof Error ? err : new Error('TLS handshake failed')); };
      secure.once('secure', onSecure);
      secure.once('error', onFail);
      secure.once('close', onFail);
    });
    secure.setTimeout(plain.timeout ?? 0);
    this.secure = true;
  }

  get tlsInfo(): { protocol: string | null; cipher: string | null } | null {
    const s = this.socket as tls.TLSSocket;
    if (typeof s.getProtocol !== 'function') return null;
    return { protocol: s.getProtocol(), cipher: s.getCipher()?.name ?? null };
  }

  /** Ends after what was written has been sent. */
  end(): void {
    if (this.socket.destroyed) return;
    this.flush();
    this.socket.end();
    // A client that never reads would keep the socket half-open forever.
    setTimeout(() => this.destroy(), 10_000).unref();
  }

  destroy(): void {
    this.socket.destroy();
    this.inflate?.destroy();
    this.deflate?.destroy();
  }
}
