// A streaming writer of POSIX tar archives (pax interchange format, IEEE 1003.1-2017 "pax"),
// regular files only, which is all an export needs. Names that are not short ASCII and sizes of
// 8 GiB or more go in a pax extended header, so any name and size round-trips through GNU tar,
// bsdtar and Python's tarfile.
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';

const BLOCK = 512;
const MAX_USTAR_SIZE = 0o77777777777; // 11 octal digits

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, mtime: Date, type: '0' | 'x'): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(0o600, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(Math.min(size, MAX_USTAR_SIZE), 12), 124, 'ascii');
  h.write(octal(Math.max(0, Math.floor(mtime.getTime() / 1000)), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum counts as spaces while it is computed
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** One pax record: "<length> <key>=<value>\n", the length counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

export class TarWriter {
  constructor(private readonly out: Writable) {}

  /** A file from memory. */
  async addBuffer(name: string, data: Buffer, mtime: Date = new Date()): Promise<void> {
    await this.writeHeaders(name, data.length, mtime);
    await this.write(data);
    await this.pad(data.length);
  }

  /** A file from disk, streamed; `size` must be its exact size. */
  async addFile(name: string, file: string, size: number, mtime: Date = new Date()): Promise<void> {
    await this.writeHeaders(name, size, mtime);
    let written = 0;
    for await (const chunk of createReadStream(file)) {
      written += (chunk as Buffer).length;
      await this.write(chunk as Buffer);
    }
    if (written !== size) throw new Error(`${file} changed while archived (${written} bytes, expected ${size})`);
    await this.pad(size);
  }

  /** The two zero blocks that end an archive. */
  async finish(): Promise<void> {
    await this.write(Buffer.alloc(2 * BLOCK));
  }

  private async writeHeaders(name: string, size: number, mtime: Date): Promise<void> {
    const records: string[] = [];
    const simple = /^[\x20-\x7e]{1,100}$/.test(name);
    if (!simple) records.push(paxRecord('path', name));
    if (size > MAX_USTAR_SIZE) records.push(paxRecord('size', String(size)));
    if (records.length > 0) {
      const pax = Buffer.from(records.join(''), 'utf8');
      await this.write(header('PaxHeader', pax.length, mtime, 'x'));
      await this.write(pax);
      await this.pad(pax.length);
    }
    // Readers that ignore pax still get a usable (ASCII, shortened) name.
    const fallback = simple ? name : name.replace(/[^\x20-\x7e]/g, '_').slice(-100);
    await this.write(header(fallback, size, mtime, '0'));
  }

  private async pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest !== 0) await this.write(Buffer.alloc(BLOCK - rest));
  }

  private async write(chunk: Buffer): Promise<void> {
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
}
