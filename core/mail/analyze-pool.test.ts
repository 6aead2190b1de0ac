import { afterEach, describe, expect, it } from 'vitest';
import { analyzeMessage, analyzeNow } from './analyze.js';
import { AnalysisPool, DEFAULT_MIN_BYTES, startAnalysisPool } from './analyze-pool.js';

const messages = [
  'From: "Anne" <anne@x.test>\r\nTo: b@x.test, =?UTF-8?Q?=C3=89lise?= <e@x.test>\r\nSubject: =?UTF-8?B?UsOpdW5pb24=?=\r\nMessage-ID: <1@x>\r\nDate: Mon, 03 Mar 2025 09:00:00 +0000\r\n\r\nOrdre   du\r\njour\r\n',
  'Subject: pieces\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E9l=E8ves\r\n--b\r\nContent-Type: application/pdf; name="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n',
  'not a message at all',
].map((m) => Buffer.from(m, 'latin1'));

let pool: AnalysisPool | null = null;
afterEach(async () => {
  await pool?.close();
  pool = null;
});

describe('analysis pool', () => {
  it('gives what the main thread would, from a worker, and leaves the caller its bytes', async () => {
    pool = new AnalysisPool({ size: 1, minBytes: 0 });
    await pool.warm();
    expect(pool.workers).toBe(1);
    for (const raw of messages) {
      const copy = Buffer.from(raw);
      expect(await pool.analyze(raw)).toEqual(analyzeNow(copy));
      expect(raw.equals(copy)).toBe(true);
    }
    expect(pool.offloaded).toBe(messages.length);
  });

  it('analyses on the calling thread while no worker is ready, and after one dies', async () => {
    pool = new AnalysisPool({ size: 1, minBytes: 0 });
    // The first call starts the worker and is not kept waiting for it.
    expect(await pool.analyze(messages[0])).toEqual(analyzeNow(messages[0]));
    expect(pool.offloaded).toBe(0);
    await pool.warm();
    const [thread] = pool.threads();
    const inFlight = pool.analyze(messages[1]);
    await thread.terminate();
    expect(await inFlight).toEqual(analyzeNow(messages[1]));
    expect(pool.workers).toBe(0);
    expect(await pool.analyze(messages[0])).toEqual(analyzeNow(messages[0]));
  });

  it('takes analyzeMessage() while it runs, and stops its threads when closed', async () => {
    pool = startAnalysisPool({ size: 2, minBytes: 0 });
    await pool.warm();
    const threads = pool.threads();
    expect(threads).toHaveLength(2);
    await analyzeMessage(messages[0]);
    expect(pool.offloaded).toBe(1);
    const exited = threads.map((t) => new Promise((resolve) => t.once('exit', resolve)));
    await pool.close();
    await Promise.all(exited);
    expect(pool.threads()).toHaveLength(0);
    expect(await analyzeMessage(messages[1])).toEqual(analyzeNow(messages[1]));
    expect(pool.offloaded).toBe(1);
  });

  it('leaves messages below minBytes to the calling thread, and sends larger ones', async () => {
    pool = new AnalysisPool({ size: 1 });
    await pool.warm();
    await pool.analyze(messages[0]);
    expect(pool.offloaded).toBe(0);
    const big = Buffer.from(`Subject: big\r\n\r\n${'Le conseil de classe aura lieu jeudi.\r\n'.repeat(1000)}`);
    expect(big.length).toBeGreaterThan(DEFAULT_MIN_BYTES);
    expect(await pool.analyze(big)).toEqual(analyzeNow(big));
    expect(pool.offloaded).toBe(1);
  });
});
