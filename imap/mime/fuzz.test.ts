// The MIME layer on damaged messages: truncations and random byte changes of a structured
// message must still give a BODYSTRUCTURE, an ENVELOPE and every section, never an exception.
import { describe, it } from 'vitest';
import { ResponseBuilder } from '../protocol/compiler.js';
import { bodyStructure } from './bodystructure.js';
import { envelope } from './envelope.js';
import { sectionBytes } from './section.js';
import { parseMessage } from './tree.js';

const SAMPLE = Buffer.from([
  'From: "A, B" <a@b.c>, (c) d@e.f, g: h@i.j, <@r:k@l.m>;',
  'To: undisclosed-recipients:;',
  'Subject: =?utf-8?q?x?=',
  'Content-Type: multipart/mixed; boundary="o"; x*0*=utf-8\'\'%41; x*1=b',
  '',
  '--o',
  'Content-Type: message/rfc822',
  '',
  'Content-Type: multipart/alternative; boundary=i',
  '',
  '--i',
  'Content-Type: text/plain; charset="us-ascii" (comment)',
  '',
  'hi',
  '--i--',
  '--o',
  'Content-Disposition: attachment; filename="a\\"b"',
  'Content-Language: fr',
  '',
  'x',
  '--o--',
  '',
].join('\r\n'));

function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function exercise(raw: Buffer): void {
  const root = parseMessage(raw);
  new ResponseBuilder().value(bodyStructure(raw, root, true)).value(bodyStructure(raw, root, false)).value(envelope(raw, root)).done();
  for (const part of [[], [1], [2], [1, 1], [1, 1, 1], [1, 2], [3]]) {
    for (const text of [null, { kind: 'HEADER' as const }, { kind: 'TEXT' as const }, { kind: 'MIME' as const }, { kind: 'HEADER.FIELDS' as const, not: true, fields: ['FROM'] }]) {
      if (text?.kind === 'MIME' && part.length === 0) continue;
      sectionBytes(raw, root, { part, text });
    }
  }
}

describe('MIME parsing of damaged messages', () => {
  it('survives every truncation', () => {
    for (let n = 0; n <= SAMPLE.length; n++) exercise(SAMPLE.subarray(0, n));
  });

  it('survives random byte changes', () => {
    const rnd = random(42);
    const specials = Buffer.from('\r\n-:;"()<>@,=\\ \t*\'');
    for (let i = 0; i < 3000; i++) {
      const raw = Buffer.from(SAMPLE);
      const changes = 1 + Math.floor(rnd() * 6);
      for (let j = 0; j < changes; j++) raw[Math.floor(rnd() * raw.length)] = rnd() < 0.7 ? specials[Math.floor(rnd() * specials.length)] : Math.floor(rnd() * 256);
      exercise(raw);
    }
  });
});
