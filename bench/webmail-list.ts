// The webmail's message list on a large INBOX: time to answer the first page (50 messages,
// newest first) of a 50,000-message folder, measured at the client over loopback (so an upper
// bound on server time), cold then warm, plus the other sorts, conversations and a search.
//   node --import tsx bench/webmail-list.ts [--count 50000]
import { analyzeMessage } from '../core/index.js';
import { startTestServer, TEST_PASSWORD } from '../tests/server-harness.js';
import { machineLine, rate } from './machine.js';

const count = Number(process.argv[process.argv.indexOf('--count') + 1]) || 50_000;

const t = await startTestServer({ name: 'bench-webmail', env: { FACTEUR_OUTBOUND_ENABLED: 'false', FACTEUR_LOG_LEVEL: 'warn' } });
try {
  await t.accounts.addDomain('ecole.test');
  const user = await t.accounts.createUser({ address: 'prof@ecole.test', password: TEST_PASSWORD });
  const inbox = (await t.store.mail.findMailbox(user.id, 'INBOX'))!;

  // Pre-analysed once and appended by 20 writers (group commit), as delivery would.
  const start = performance.now();
  const template = await analyzeMessage(Buffer.from('From: Parent <parent@famille.example>\r\nTo: prof@ecole.test\r\nSubject: Absence\r\nDate: Mon, 06 Oct 2025 09:00:00 +0000\r\n\r\nMon fils sera absent demain.\r\n'));
  let next = 0;
  await Promise.all(Array.from({ length: 20 }, async () => {
    for (let i = next++; i < count; i = next++) {
      const raw = Buffer.from(`From: Parent ${i} <parent${i}@famille.example>\r\nTo: prof@ecole.test\r\nSubject: Absence ${i}\r\n\r\nMon fils sera absent demain (${i}).\r\n`);
      await t.store.mail.appendMessage(inbox.id, {
        raw, internalDate: new Date(Date.UTC(2025, 0, 1) + ((i * 7919) % count) * 60_000),
        summary: { ...template.summary, subject: `Absence ${i}`, from: [{ name: `Parent ${i}`, address: `parent${i}@famille.example` }] },
        search: { ...template.search, subject: `Absence ${i}`, body: `Mon fils sera absent demain (${i}).` },
        threading: { messageId: null, references: [] },
        flags: i % 3 === 0 ? ['\\Seen'] : [],
      });
    }
  }));
  const filled = performance.now() - start;

  const base = `http://127.0.0.1:${t.port('http')}`;
  const login = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address: 'prof@ecole.test', password: TEST_PASSWORD }) });
  const cookie = login.headers.getSetCookie()[0].split(';')[0];
  const time = async (path: string) => {
    const s = performance.now();
    const r = await fetch(`${base}${path}`, { headers: { cookie } });
    const body = await r.json() as { total?: number; messages?: unknown[]; threads?: unknown[] };
    if (r.status !== 200 || (body.messages ?? body.threads ?? []).length === 0) throw new Error(`${path}: ${r.status}`);
    return performance.now() - s;
  };
  const series = async (path: string, n = 20) => {
    const cold = await time(path);
    const warm: number[] = [];
    for (let i = 0; i < n; i++) warm.push(await time(path));
    warm.sort((a, b) => a - b);
    return `cold ${cold.toFixed(1).padStart(6)} ms   warm median ${warm[Math.floor(n / 2)].toFixed(1).padStart(6)} ms   p95 ${warm[Math.floor(n * 0.95)].toFixed(1).padStart(6)} ms`;
  };

  console.log(`webmail message list, ${count.toLocaleString('en-US')} messages in INBOX (filled in ${(filled / 1000).toFixed(1)} s, ${rate(count, filled)})`);
  console.log(machineLine());
  const list = `/api/mailboxes/${inbox.id}/messages`;
  console.log(`first page, newest first      ${await series(`${list}?limit=50`)}`);
  console.log(`page 100, newest first        ${await series(`${list}?limit=50&offset=5000`)}`);
  console.log(`first page, by size           ${await series(`${list}?limit=50&sort=size`)}`);
  console.log(`first page, by sender         ${await series(`${list}?limit=50&sort=from`, 5)}`);
  // Every bench message starts its own thread: the most conversations a folder can hold.
  console.log(`first page, conversations     ${await series(`${list}?limit=50&group=thread`)}`);
  console.log(`page 100, conversations       ${await series(`${list}?limit=50&offset=5000&group=thread`, 5)}`);
  console.log(`first page, conversations asc ${await series(`${list}?limit=50&group=thread&order=asc`, 5)}`);
  console.log(`search "absent" in INBOX      ${await series(`/api/search?q=absent&mailboxId=${inbox.id}`, 5)}`);
  console.log('target (issue 6): first page newest first <= 50 ms (grouped or not)');
} finally {
  await t.stop();
}
