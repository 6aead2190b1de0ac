// BODYSTRUCTURE, ENVELOPE and sections against messages whose structure is known by hand.
import { describe, expect, it } from 'vitest';
import { ResponseBuilder, type Value } from '../protocol/compiler.js';
import { Cursor } from '../protocol/cursor.js';
import { parseFetchItems } from '../protocol/fetch-att.js';
import { parseAddressList } from './address.js';
import { bodyStructure } from './bodystructure.js';
import { envelope } from './envelope.js';
import { applyPartial, sectionBytes } from './section.js';
import { parseMessage } from './tree.js';

const wire = (v: Value) => Buffer.concat(new ResponseBuilder().value(v).done()).toString('latin1').slice(0, -2);

const part1Body = 'Caf=E9\r\nline 2\r\n';
const part1Head = 'Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n';
const part2Head = 'Content-Type: application/pdf; name="a.pdf"\r\n'
  + 'Content-Disposition: attachment;\r\n filename*0*=utf-8\'\'%C3%A9t;\r\n filename*1*=%C3%A9.pdf\r\n'
  + 'Content-Transfer-Encoding: base64\r\nContent-ID: <part2@x>\r\nContent-Language: fr, en\r\n\r\n';
const innerHead = 'Subject: inner\r\nFrom: a@b.c\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n';
const innerBody = '--inner\r\n\r\nplain\r\n--inner\r\nContent-Type: text/html\r\n\r\n<b>x</b>\r\n--inner--\r\n';
const inner = innerHead + innerBody;
const outerHead = 'From: "Doe, John" <john@example.com>\r\n'
  + 'To: Mary <mary@x.test>, undisclosed: ;\r\n'
  + 'Subject: =?UTF-8?Q?R=C3=A9union?=\r\n'
  + 'Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n'
  + 'Message-ID: <m1@example.com>\r\n'
  + 'MIME-Version: 1.0\r\n'
  + 'Content-Type: multipart/mixed;\r\n\tboundary="outer"\r\n\r\n';
const complex = Buffer.from(outerHead
  + 'Preamble\r\n--outer\r\n' + part1Head + part1Body
  + '\r\n--outer\r\n' + part2Head + 'JVBERi0='
  + '\r\n--outer\r\nContent-Type: message/rfc822\r\n\r\n' + inner
  + '\r\n--outer--\r\nEpilogue\r\n');

const section = (raw: Buffer, spec: string, partial = '') => {
  const [item] = parseFetchItems(new Cursor(Buffer.from(`BODY[${spec}]${partial}`)));
  if (item.kind !== 'section') throw new Error('not a section');
  const data = sectionBytes(raw, parseMessage(raw), item.section);
  return data === null ? null : applyPartial(data, item.partial).toString('latin1');
};

describe('BODYSTRUCTURE', () => {
  it('describes a multipart with an attachment and an attached message, parts without spaces between', () => {
    const innerEnvelope = '(NIL "inner" ((NIL NIL "a" "b.c")) ((NIL NIL "a" "b.c")) ((NIL NIL "a" "b.c")) NIL NIL NIL NIL NIL)';
    const innerStructure = '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 1 NIL NIL NIL NIL)'
      + '("text" "html" NIL NIL NIL "7bit" 8 1 NIL NIL NIL NIL) "alternative" ("boundary" "inner") NIL NIL NIL)';
    expect(wire(bodyStructure(complex, parseMessage(complex), true))).toBe(
      '(("text" "plain" ("charset" "ISO-8859-1") NIL NIL "quoted-printable" 16 2 NIL NIL NIL NIL)'
      + '("application" "pdf" ("name" "a.pdf") "<part2@x>" NIL "base64" 8 NIL ("attachment" ("filename*" "utf-8\'\'%C3%A9t%C3%A9.pdf")) ("fr" "en") NIL)'
      + `("message" "rfc822" NIL NIL NIL "7bit" ${inner.length} ${innerEnvelope} ${innerStructure} 12 NIL NIL NIL NIL)`
      + ' "mixed" ("boundary" "outer") NIL NIL NIL)');
  });

  it('BODY leaves out the extension data', () => {
    expect(wire(bodyStructure(complex, parseMessage(complex), false))).toMatch(
      /^\(\("text" "plain" \("charset" "ISO-8859-1"\) NIL NIL "quoted-printable" 16 2\)\("application" "pdf" \("name" "a\.pdf"\) "<part2@x>" NIL "base64" 8\)\("message" .* "mixed"\)$/);
  });

  it('gives a message without MIME headers the defaults (RFC 2045 §5.2)', () => {
    const raw = Buffer.from('Subject: x\r\n\r\nab\r\ncd');
    expect(wire(bodyStructure(raw, parseMessage(raw), true))).toBe('("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 2 NIL NIL NIL NIL)');
  });

  it('survives a multipart without boundary and a header without body', () => {
    const raw = Buffer.from('Content-Type: multipart/mixed\r\nSubject: x');
    expect(wire(bodyStructure(raw, parseMessage(raw), false))).toBe('(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0) "mixed")');
  });

  it('does not take a longer boundary sharing a prefix for the delimiter', () => {
    const raw = Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--bb\r\nstill one\r\n--b--\r\n');
    expect(section(raw, '1')).toBe('one\r\n--bb\r\nstill one');
  });

  it('keeps 8-bit header octets as they are', () => {
    const raw = Buffer.concat([Buffer.from('Subject: '), Buffer.from('Été', 'utf8'), Buffer.from('\r\n\r\nx')]);
    const out = Buffer.concat(new ResponseBuilder().value(envelope(raw, parseMessage(raw))).done());
    expect(out.includes(Buffer.from('{5}\r\nÉté', 'utf8'))).toBe(true);
  });
});

describe('ENVELOPE', () => {
  it('has raw values, groups, and sender/reply-to defaulting to from (RFC 3501 §7.4.2)', () => {
    expect(wire(envelope(complex, parseMessage(complex)))).toBe(
      '("Mon, 7 Feb 1994 21:52:25 -0800" "=?UTF-8?Q?R=C3=A9union?=" (("Doe, John" NIL "john" "example.com")) '
      + '(("Doe, John" NIL "john" "example.com")) (("Doe, John" NIL "john" "example.com")) '
      + '(("Mary" NIL "mary" "x.test")(NIL NIL "undisclosed" NIL)(NIL NIL NIL NIL)) NIL NIL NIL "<m1@example.com>")');
  });

  it('parses routes, comments, quoted local parts and bare addresses', () => {
    expect(parseAddressList('<@relay.a,@relay.b:joe@c.d>, "x y"@e.f (comment), g@h, Bare, John Q. Public <jq@p.q>')).toEqual([
      { name: null, adl: '@relay.a,@relay.b', mailbox: 'joe', host: 'c.d' },
      { name: null, adl: null, mailbox: '"x y"', host: 'e.f' },
      { name: null, adl: null, mailbox: 'g', host: 'h' },
      { name: null, adl: null, mailbox: 'Bare', host: 'MISSING_DOMAIN' },
      { name: 'John Q. Public', adl: null, mailbox: 'jq', host: 'p.q' },
    ]);
    expect(parseAddressList('<>, ;;; ,')).toEqual([]);
  });
});

describe('BODY[section]', () => {
  it('serves each section form as the stored octets', () => {
    expect(section(complex, '')).toBe(complex.toString('latin1'));
    expect(section(complex, 'HEADER')).toBe(outerHead);
    expect(section(complex, 'TEXT')).toBe(complex.toString('latin1').slice(outerHead.length));
    expect(section(complex, '1')).toBe(part1Body);
    expect(section(complex, '1.MIME')).toBe(part1Head);
    expect(section(complex, '2')).toBe('JVBERi0=');
    expect(section(complex, '3')).toBe(inner);
    expect(section(complex, '3.HEADER')).toBe(innerHead);
    expect(section(complex, '3.TEXT')).toBe(innerBody);
    expect(section(complex, '3.1')).toBe('plain');
    expect(section(complex, '3.1.MIME')).toBe('\r\n');
    expect(section(complex, '3.2')).toBe('<b>x</b>');
    expect(section(complex, '3.2.MIME')).toBe('Content-Type: text/html\r\n\r\n');
    expect(section(complex, '3.HEADER.FIELDS (FROM)')).toBe('From: a@b.c\r\n\r\n');
  });

  it('HEADER.FIELDS keeps message order and folding; .NOT takes the rest', () => {
    expect(section(complex, 'HEADER.FIELDS (SUBJECT TO content-type)')).toBe(
      'To: Mary <mary@x.test>, undisclosed: ;\r\nSubject: =?UTF-8?Q?R=C3=A9union?=\r\nContent-Type: multipart/mixed;\r\n\tboundary="outer"\r\n\r\n');
    expect(section(complex, 'HEADER.FIELDS.NOT (FROM TO SUBJECT DATE MESSAGE-ID CONTENT-TYPE)')).toBe('MIME-Version: 1.0\r\n\r\n');
    expect(section(complex, 'HEADER.FIELDS (X-NONE)')).toBe('\r\n');
  });

  it('answers NIL for parts that do not exist and empty for HEADER of a non-message part', () => {
    expect(section(complex, '4')).toBeNull();
    expect(section(complex, '1.1')).toBeNull();
    expect(section(complex, '3.3')).toBeNull();
    expect(section(complex, '2.HEADER')).toBe('');
  });

  it('a single-part message has a part 1: its body', () => {
    const raw = Buffer.from('Subject: s\r\nContent-Type: text/plain\r\n\r\nbody\r\n');
    expect(section(raw, '1')).toBe('body\r\n');
    expect(section(raw, '1.MIME')).toBe('Subject: s\r\nContent-Type: text/plain\r\n\r\n');
    expect(section(raw, '2')).toBeNull();
  });

  it('applies partials, a start beyond the end giving an empty string', () => {
    expect(section(complex, '1', '<0.4>')).toBe('Caf=');
    expect(section(complex, '1', '<14.100>')).toBe('\r\n');
    expect(section(complex, '1', '<100.5>')).toBe('');
  });

  it('stops descending in absurdly deep structures instead of overflowing', () => {
    let raw = 'x';
    for (let i = 0; i < 5000; i++) raw = `Content-Type: message/rfc822\r\n\r\n${raw}`;
    const buf = Buffer.from(raw);
    expect(() => wire(bodyStructure(buf, parseMessage(buf), true))).not.toThrow();
  });
});

describe('literals of stored octets', () => {
  it('replace NUL, which a literal cannot carry, keeping the size', async () => {
    const { withoutNul } = await import('../fetch-items.js');
    const raw = Buffer.from('a\0b\0');
    expect(withoutNul(raw)).toEqual(Buffer.from([0x61, 0x80, 0x62, 0x80]));
    expect(raw).toEqual(Buffer.from('a\0b\0')); // the stored copy is untouched
    const clean = Buffer.from('abc');
    expect(withoutNul(clean)).toBe(clean);
  });
});
