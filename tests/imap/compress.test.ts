// COMPRESS=DEFLATE (RFC 4978) on the wire: after the uncompressed tagged OK, both directions
// are raw deflate; pipelined compressed input right after the command is understood.
import net from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRawMessage } from '../../core/index.js';
import { message, PASSWORD, startHarness, type Harness } from './harness.js';

let h: Harness;
let user: string;

beforeAll(async () => {
  h = await startHarness();
  user = await h.user('zoe');
  const id = (await h.store.accounts.getUserByAddress(user))!.id;
  const inbox = (await h.store.mail.findMailbox(id, 'INBOX'))!;
  await appendRawMessage(h.store, inbox.id, Buffer.from(message({ Subject: 'compressé' }, `${'lorem ipsum '.repeat(2000)}\r\n`)));
});
afterAll(() => h?.stop());

/** A client that speaks plain text until compress() and deflate after. */
class Client {
  private text = '';
  private inflate: zlib.InflateRaw | null = null;
  private deflate: zlib.DeflateRaw | null = null;
  rawBytesIn = 0;
  /** The server's last uncompressed line; what follows it in the same chunk is compressed. */
  private switchAfter: RegExp | null = null;
  private constructor(private socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.rawBytesIn += d.length;
      if (this.switchAfter) {
        const m = this.switchAfter.exec(d.toString('latin1'));
        if (!m) {
          this.text += d.toString('latin1');
          return;
        }
        const cut = m.index + m[0].length;
        this.text += d.subarray(0, cut).toString('latin1');
        this.switchAfter = null;
        this.startInflate();
        this.inflate!.write(d.subarray(cut));
        return;
      }
      if (this.inflate) this.inflate.write(d);
      else this.text += d.toString('latin1');
    });
  }

  private startInflate(): void {
    this.inflate = zlib.createInflateRaw();
    this.inflate.on('data', (d: Buffer) => { this.text += d.toString('latin1'); });
  }

  /** Compresses what is sent from now on, and what is received after the line `okLine`. */
  compressAfter(okLine: RegExp): void {
    this.switchAfter = okLine;
    this.deflate = zlib.createDeflateRaw();
    this.deflate.on('data', (d: Buffer) => this.socket.write(d));
  }

  static connect(port: number): Promise<Client> {
    return new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(new Client(s)));
    });
  }

  send(text: string): void {
    if (this.deflate) {
      this.deflate.write(text);
      this.deflate.flush(zlib.constants.Z_SYNC_FLUSH);
    } else {
      this.socket.write(text);
    }
  }


  async until(re: RegExp, ms = 5000): Promise<string> {
    const end = Date.now() + ms;
    while (!re.test(this.text)) {
      if (Date.now() > end) throw new Error(`timeout waiting for ${re}: ${JSON.stringify(this.text.slice(-500))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const out = this.text;
    this.text = '';
    return out;
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('COMPRESS=DEFLATE', () => {
  it('compresses both directions after the tagged OK', async () => {
    const c = await Client.connect(h.ports.imap);
    await c.until(/^\* OK .*\r\n/);
    c.send(`l LOGIN ${user} "${PASSWORD}"\r\n`);
    expect(await c.until(/^l (OK|NO).*\r\n/m)).toMatch(/COMPRESS=DEFLATE/);
    // SELECT follows at once, compressed, without waiting for the OK (pipelined).
    c.send('z COMPRESS DEFLATE\r\n');
    c.compressAfter(/z OK [^\r\n]*\r\n/);
    c.send('s SELECT INBOX\r\n');
    expect(await c.until(/^s OK .*\r\n/m)).toMatch(/^\* 1 EXISTS/m);
    const before = c.rawBytesIn;
    c.send('f FETCH 1 BODY.PEEK[]\r\n');
    const r = await c.until(/^f OK .*\r\n/m);
    expect(r).toContain('lorem ipsum lorem ipsum');
    // 24 KB of repeated text travelled as far fewer octets.
    expect(c.rawBytesIn - before).toBeLessThan(3000);
    c.send('y COMPRESS DEFLATE\r\n');
    expect(await c.until(/^y (OK|NO|BAD).*\r\n/m)).toMatch(/^y NO \[COMPRESSIONACTIVE\]/m);
    c.send('n NOOP\r\n');
    expect(await c.until(/^n (OK|NO|BAD).*\r\n/m)).toMatch(/^n OK/m);
    c.close();
  });

  it('is refused before login and for an unknown mechanism', async () => {
    const c = await Client.connect(h.ports.imap);
    await c.until(/^\* OK .*\r\n/);
    c.send('a COMPRESS DEFLATE\r\n');
    expect(await c.until(/^a (OK|NO|BAD).*\r\n/m)).toMatch(/^a BAD /m);
    c.send(`l LOGIN ${user} "${PASSWORD}"\r\n`);
    await c.until(/^l OK.*\r\n/m);
    c.send('b COMPRESS LZMA\r\n');
    expect(await c.until(/^b (OK|NO|BAD).*\r\n/m)).toMatch(/^b NO /m);
    c.close();
  });
});
