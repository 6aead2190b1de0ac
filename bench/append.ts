// Append throughput into the store with acknowledged durability (small blobs committed with
// their record, larger ones fsync'd files; the WAL fdatasync'd before each append returns) for
// 4 KB and 100 KB, 1 and 10 writers.
// Two figures per case: the store call alone (message pre-analysed) and the whole core
// append (MIME analysis for the index + store), which is what SMTP delivery pays.
//   node --import tsx bench/append.ts [--count 4000]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeMessage, appendRawMessage } from '../core/index.js';
import { openStore } from '../storage/open.js';
import type { Store } from '../storage/index.js';
import { machineLine, rate } from './machine.js';

const count = Number(process.argv[process.argv.indexOf('--count') + 1]) || 4000;

function makeMessage(i: number, size: number): Buffer {
  const head = `From: Bench <bench@example.org>\r\nTo: user@ecole.test\r\nSubject: Message ${i} bench\r\nMessage-ID: <${i}.${Math.random()}@example.org>\r\nDate: ${new Date().toUTCString()}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n`;
  const line = 'Le conseil de classe aura lieu jeudi en salle des professeurs. \r\n';
  let body = '';
  while (head.length + body.length < size) body += line;
  return Buffer.from(head + body.slice(0, size - head.length));
}

async function setup(): Promise<{ store: Store; dir: string; mailboxId: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-bench-'));
  const store = await openStore({ backend: 'sqlite', dataDir: dir });
  await store.accounts.addDomain('ecole.test');
  const user = await store.accounts.createUser({ address: 'user@ecole.test', displayName: 'U', passwordHash: null, quotaBytes: 0, role: 'user', unit: null, enabled: true });
  const mb = await store.mail.createMailbox(user.id, 'INBOX');
  return { store, dir, mailboxId: mb.id };
}

async function run(size: number, writers: number, mode: 'store' | 'core'): Promise<string> {
  const { store, dir, mailboxId } = await setup();
  const n = size > 10_000 ? Math.max(500, Math.floor(count / 4)) : count;
  const messages = Array.from({ length: n }, (_, i) => makeMessage(i, size));
  const analyzed = mode === 'store' ? await Promise.all(messages.map(analyzeMessage)) : [];
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: writers }, async () => {
    for (let i = next++; i < n; i = next++) {
      if (mode === 'store') await store.mail.appendMessage(mailboxId, { raw: messages[i], ...analyzed[i] });
      else await appendRawMessage(store, mailboxId, messages[i]);
    }
  }));
  const ms = performance.now() - start;
  const status = await store.mail.mailboxStatus(mailboxId);
  if (status.messages !== n) throw new Error(`expected ${n} messages, found ${status.messages}`);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return `${(size / 1024).toFixed(0).padStart(4)} KB  writers ${String(writers).padStart(2)}  ${mode.padEnd(5)}  ${String(n).padStart(5)} msgs  ${ms.toFixed(0).padStart(6)} ms  ${rate(n, ms).padStart(8)}`;
}

console.log('append throughput (durable: blobs <= 64 KiB commit with their record, larger ones are fsync\'d files; the WAL is fdatasync\'d before an append returns)');
console.log(machineLine());
for (const size of [4 * 1024, 100 * 1024]) {
  for (const writers of [1, 10]) {
    for (const mode of ['store', 'core'] as const) console.log(await run(size, writers, mode));
  }
}
console.log('target: >= 2,000 messages/s for 4 KB');
