import { describe, expect, it } from 'vitest';
import { CommandReader, type Frame, type ReaderLimits } from './reader.js';

const LIMITS: ReaderLimits = { maxLine: 100, maxLiteral: 50, maxAppendLiteral: 1000, maxCommand: 200 };

function reader(limits = LIMITS) {
  const asks: number[] = [];
  let n = 0;
  const r = new CommandReader(limits, () => asks.push(++n));
  const all = (): Frame[] => {
    const out: Frame[] = [];
    for (let f = r.next(); f; f = r.next()) out.push(f);
    return out;
  };
  const text = (f: Frame) => (f.kind === 'command' ? f.bytes.toString('latin1') : `refused:${f.tag}:${f.reason}`);
  return { r, asks, all, text, feed: (s: string | Buffer) => { r.push(Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1')); return all().map(text); } };
}

describe('CommandReader', () => {
  it('splits pipelined commands, with CRLF or bare LF', () => {
    const { feed } = reader();
    expect(feed('a1 NOOP\r\na2 CAPABILITY\nA3 LOG')).toEqual(['a1 NOOP', 'a2 CAPABILITY']);
    expect(feed('OUT\r\n')).toEqual(['A3 LOGOUT']);
  });

  it('asks for a synchronizing literal only when the session pulls, and keeps it inline', () => {
    const { r, asks, all, text } = reader();
    r.push(Buffer.from('a LOGIN {5}\r\n'));
    expect(asks).toEqual([]); // nothing pulled yet
    expect(all()).toEqual([]);
    expect(asks).toEqual([1]);
    r.push(Buffer.from('alice {3}\r\n'));
    expect(all()).toEqual([]);
    expect(asks).toEqual([1, 2]);
    r.push(Buffer.from('p\r\n\r\n'));
    expect(all().map(text)).toEqual(['a LOGIN {5}\r\nalice {3}\r\np\r\n']);
  });

  it('takes LITERAL+ literals without asking, even split across chunks', () => {
    const { asks, feed } = reader();
    expect(feed('a APPEND INBOX {10+}\r\n0123')).toEqual([]);
    expect(feed('456789\r\nb NOOP\r\n')).toEqual(['a APPEND INBOX {10+}\r\n0123456789', 'b NOOP']);
    expect(asks).toEqual([]);
  });

  it('takes an empty literal ({0} and {0+}) at once, and stays in step', () => {
    const { asks, feed } = reader();
    expect(feed('a SELECT {0+}\r\n\r\nb NOOP\r\n')).toEqual(['a SELECT {0+}\r\n', 'b NOOP']);
    expect(feed('c LOGIN {0}\r\n')).toEqual([]);
    expect(asks).toEqual([1]);
    expect(feed(' {0}\r\n\r\nd NOOP\r\n')).toEqual(['c LOGIN {0}\r\n {0}\r\n', 'd NOOP']);
    // A refused command's empty literal too.
    expect(feed('e CAPABILITY ' + 'x'.repeat(120) + ' {0+}\r\n\r\nf NOOP\r\n')).toEqual(['refused:e:line-too-long', 'f NOOP']);
  });

  it('literal octets may hold CRLF and braces', () => {
    const { feed } = reader();
    expect(feed('a APPEND x {7+}\r\n{1}\r\n\r\n\r\n')).toEqual(['a APPEND x {7+}\r\n{1}\r\n\r\n']);
  });

  it('refuses a synchronizing literal above the limit without asking for it', () => {
    const { asks, feed } = reader();
    expect(feed('t1 LOGIN {51}\r\n')).toEqual(['refused:t1:literal-too-big']);
    expect(asks).toEqual([]);
    expect(feed('t2 NOOP\r\n')).toEqual(['t2 NOOP']);
  });

  it('APPEND literals have their own (larger) limit', () => {
    const { asks, feed } = reader();
    expect(feed('t1 APPEND INBOX {900}\r\n')).toEqual([]);
    expect(asks).toEqual([1]);
    const r2 = reader();
    expect(r2.feed('t1 APPEND INBOX (\\Seen) {1001}\r\n')).toEqual(['refused:t1:literal-too-big']);
    expect(r2.feed('t1 UID APPEND INBOX {60}\r\n')).toEqual([]); // not APPEND: UID takes no APPEND
  });

  it('reads and drops a non-synchronizing literal above the limit, then stays in step', () => {
    const { feed } = reader();
    expect(feed('t1 APPEND INBOX {1200+}\r\n')).toEqual([]);
    expect(feed('x'.repeat(700))).toEqual([]);
    expect(feed(`${'y'.repeat(500)} more {3+}\r\nabc\r\nt2 NOOP\r\n`)).toEqual(['refused:t1:literal-too-big', 't2 NOOP']);
  });

  it('refuses an over-long line once it ends, without keeping it', () => {
    const { r, feed } = reader();
    expect(feed(`t1 SEARCH ${'x'.repeat(200)}`)).toEqual([]);
    expect(feed('y'.repeat(300))).toEqual([]);
    expect(r.buffered).toBeLessThan(100);
    expect(feed('\r\nt2 NOOP\r\n')).toEqual(['refused:t1:line-too-long', 't2 NOOP']);
  });

  it('limits the total size of a command made of many literals', () => {
    const { feed } = reader();
    let out: string[] = [];
    for (let i = 0; i < 10 && out.length === 0; i++) out = feed(`${i === 0 ? 'a SEARCH TEXT' : ''} {40}\r\n${'z'.repeat(40)}`);
    expect(out).toEqual(['refused:a:command-too-big']);
  });

  it('reset() drops whatever was buffered (STARTTLS)', () => {
    const { r, feed } = reader();
    r.push(Buffer.from('a STARTTLS\r\nb LOGIN x y\r\n'));
    expect(r.next()).toMatchObject({ kind: 'command' });
    r.reset();
    expect(feed('c NOOP\r\n')).toEqual(['c NOOP']);
  });

  it('gives no tag when the line does not start with one', () => {
    const { feed } = reader();
    expect(feed(`"bad ${'x'.repeat(200)}\r\n`)).toEqual(['refused:null:line-too-long']);
    expect(feed(`t1 LOGIN {3}\r\n`)).toEqual([]);
  });
});
