// systemResolver against a tiny DNS server on 127.0.0.1 (real c-ares, real UDP), to check
// that its answers and error codes are the ones the zone resolver imitates.

import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemResolver } from './system.js';

const T = { A: 1, MX: 15, TXT: 16 } as const;

function encodeName(name: string): Buffer {
  return Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}

function txt(...chunks: string[]): Buffer {
  return Buffer.concat(chunks.map((c) => Buffer.concat([Buffer.from([Buffer.byteLength(c)]), Buffer.from(c)])));
}

// name -> what the server does for it
const ANSWERS: Record<string, { rcode?: number; silent?: boolean; answers?: { type: number; rdata: Buffer }[] }> = {
  'txt.facteur.test': { answers: [{ type: T.TXT, rdata: txt('v=spf1 ', 'ip4:127.0.0.1 -all') }, { type: T.TXT, rdata: txt('other') }] },
  'mx.facteur.test': { answers: [{ type: T.MX, rdata: Buffer.concat([Buffer.from([0, 10]), encodeName('mail.facteur.test')]) }] },
  'nullmx.facteur.test': { answers: [{ type: T.MX, rdata: Buffer.from([0, 0, 0]) }] },
  'a.facteur.test': { answers: [{ type: T.A, rdata: Buffer.from([127, 0, 0, 1]) }] },
  'nx.facteur.test': { rcode: 3 },
  'nodata.facteur.test': {},
  'silent.facteur.test': { silent: true },
};

function respond(query: Buffer): Buffer | null {
  let off = 12;
  const labels: string[] = [];
  while (query[off] !== 0) {
    labels.push(query.subarray(off + 1, off + 1 + query[off]).toString());
    off += query[off] + 1;
  }
  const qtype = query.readUInt16BE(off + 1);
  const questionEnd = off + 5;
  const spec = ANSWERS[labels.join('.').toLowerCase()] ?? { rcode: 3 };
  if (spec.silent) return null;
  const answers = (spec.answers ?? []).filter((a) => a.type === qtype);
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (spec.rcode ?? 0), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const rrs = answers.map((a) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(a.type, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(a.rdata.length, 10);
    return Buffer.concat([rr, a.rdata]);
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...rrs]);
}

describe('systemResolver', () => {
  let server: Socket;
  let servers: string[];

  beforeAll(async () => {
    server = createSocket('udp4');
    server.on('message', (msg, rinfo) => {
      const reply = respond(msg);
      if (reply) server.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    servers = [`127.0.0.1:${server.address().port}`];
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('returns TXT as chunk arrays, MX as {exchange, priority}, A as strings', async () => {
    const resolve = systemResolver({ servers });
    expect(await resolve('txt.facteur.test', 'TXT')).toEqual([['v=spf1 ', 'ip4:127.0.0.1 -all'], ['other']]);
    expect(await resolve('mx.facteur.test', 'MX')).toEqual([{ exchange: 'mail.facteur.test', priority: 10 }]);
    expect(await resolve('a.facteur.test', 'A')).toEqual(['127.0.0.1']);
  });

  it('reports the root exchange of a null MX as an empty string (as the zone resolver does)', async () => {
    expect(await systemResolver({ servers })('nullmx.facteur.test', 'MX')).toEqual([{ exchange: '', priority: 0 }]);
  });

  it('rejects ENOTFOUND for NXDOMAIN and ENODATA for an empty answer', async () => {
    const resolve = systemResolver({ servers });
    await expect(resolve('nx.facteur.test', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolve('nodata.facteur.test', 'TXT')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(resolve('a.facteur.test', 'MX')).rejects.toMatchObject({ code: 'ENODATA' });
  });

  it('gives up with ETIMEOUT when the server never answers', async () => {
    const resolve = systemResolver({ servers, timeoutMs: 300 });
    await expect(resolve('silent.facteur.test', 'A')).rejects.toMatchObject({ code: 'ETIMEOUT' });
  });
});
