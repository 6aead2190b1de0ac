// Inbound (MX) throughput and acceptance latency, against the real server in its own process:
// 4 KB messages from an outside domain (SPF pass, DMARC p=reject, checked through a zone
// file) to local users, 250 only once each copy is durable (blob fsync'd, SQLite commit).
//   1. Postfix's smtp-source, 20 sessions, one message per connection (as MTAs send): messages/s.
//   2. smtp-load.ts (Node, bare sockets), same shape, timing each message from its final "."
//      to the 250: p50/p99 acceptance latency (smtp-source does not measure latency).
//   3. smtp-source -d (connections kept for the next message), for comparison.
// Each phase prints where the CPU went (server, client, other processes). Afterwards the server
// is stopped and the INBOXes counted: every acknowledged message must be there.
//   node --import tsx bench/smtp-inbound.ts [--messages 10000] [--sessions 20] [--users 100]
//        [--cpu-prof DIR]   (profiles the server process, main and MX threads)
//        [--phases 1,2,3]   (run only these phases, e.g. to profile one of them)
//        [--signed]         (the Node client's messages carry a DKIM signature of the sender's
//                            domain, rsa-sha256 2048 bits, as most mail from outside does)
//        [--node-args "--flag ..."]   (node flags for the server process)
//        [--repeat N]       (phase 1 N times on the same server, and their spread: on a shared
//                            virtual machine the same run moves by a third from one minute to
//                            the next)
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { CpuMeter } from './smtp-cpu.js';
import { LOCAL_DOMAIN, SENDER_DOMAIN, countInbox, quantile, startBenchServer, userAddress } from './smtp-fixture.js';
import { runLoad } from './smtp-load.js';
import { machineLine, rate } from './machine.js';
import { dkimSignatureFor, type DkimSigningKey } from '../core/delivery/dkim-sign.js';

const arg = (name: string, fallback: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || fallback;
const messages = arg('messages', 10_000);
const sessions = arg('sessions', 20);
const users = arg('users', 100);
const repeat = arg('repeat', 1);
const profIndex = process.argv.indexOf('--cpu-prof');
const phasesIndex = process.argv.indexOf('--phases');
const phases = new Set((phasesIndex > 0 ? process.argv[phasesIndex + 1] : '1,2,3').split(',').map(Number));
const extraIndex = process.argv.indexOf('--node-args');
const nodeArgs = [
  ...(profIndex > 0 ? ['--cpu-prof', '--cpu-prof-dir', process.argv[profIndex + 1]] : []),
  ...(extraIndex > 0 ? process.argv[extraIndex + 1].split(' ').filter(Boolean) : []),
];
const SMTP_SOURCE = '/usr/sbin/smtp-source';
/** Enough for V8 to have compiled the hot paths before anything is timed. */
const WARMUP = 2000;
const BODY_BYTES = 4096;
const from = `sender@${SENDER_DOMAIN}`;

/** Shaped like smtp-source's: four header fields, then `BODY_BYTES` of 80-column lines. */
function message(i: number): Buffer {
  const head = `From: <${from}>\r\nTo: <${userAddress(i % users)}>\r\nDate: ${new Date().toUTCString()}\r\nMessage-Id: <${i}.${process.pid}@load.bench.example>\r\n\r\n`;
  const lines: string[] = [];
  for (let n = 0; n * 80 < BODY_BYTES; n++) lines.push(`${n + 1}`.padEnd(78, 'X'));
  return Buffer.from(head + lines.join('\r\n'));
}

/** A DKIM key of the sending domain and its DNS record (for --signed). */
function senderKey(): { key: DkimSigningKey; record: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const key: DkimSigningKey = { domain: SENDER_DOMAIN, selector: 'bench', algorithm: 'rsa', privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };
  // TXT strings are at most 255 bytes: the key goes in several, read as one record.
  const chunks = `v=DKIM1; k=rsa; p=${p}`.match(/.{1,200}/g)!.map((c) => `"${c}"`).join(' ');
  return { key, record: `bench._domainkey.${SENDER_DOMAIN} TXT ${chunks}` };
}

async function signedMessage(i: number, key: DkimSigningKey): Promise<Buffer> {
  const raw = message(i);
  return Buffer.concat([Buffer.from((await dkimSignatureFor(raw, key))!), raw]);
}

let sourcePid: number | undefined;

function smtpSource(port: number, count: number, extra: string[]): Promise<{ ms: number; code: number | null; stderr: string; command: string }> {
  const args = [...extra, '-s', String(sessions), '-l', String(BODY_BYTES), '-m', String(count), '-f', from, '-t', userAddress(0), `127.0.0.1:${port}`];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(SMTP_SOURCE, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    sourcePid = child.pid;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      sourcePid = undefined;
      resolve({ ms: performance.now() - start, code, stderr, command: `smtp-source ${args.join(' ')}` });
    });
  });
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

console.log(`SMTP inbound (MX): ${sessions} sessions, ${BODY_BYTES / 1024} KB messages, SPF+DKIM+DMARC+ARC checks, durable delivery to local users of ${LOCAL_DOMAIN}`);
console.log(machineLine());
console.log(`load average before the run: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const signed = process.argv.includes('--signed') ? senderKey() : null;
const server = await startBenchServer({ users, nodeArgs, zone: signed ? [signed.record] : [] });
const cpu = new CpuMeter(() => ({ server: server.pid, 'smtp-source': sourcePid, 'bench (Node client)': process.pid }), server.pid);
let expected = 0;
let failures = 0;
try {
  const warm = await runLoad({ port: server.ports.smtp, sessions, messages: WARMUP, from, to: (i) => userAddress(i % users), message });
  expected += warm.ok;
  console.log(`warm-up: ${warm.ok} messages through the Node client (not counted)`);

  const sourceRates: number[] = [];
  const sourceRun = async (title: string, extra: string[], note: string) => {
    cpu.begin();
    const run = await smtpSource(server.ports.smtp, messages, extra);
    const usage = cpu.end(messages);
    if (run.code === 0) expected += messages;
    else failures++;
    if (run.code === 0 && extra.length === 0) sourceRates.push((messages * 1000) / run.ms);
    console.log(`\n${title} ${run.command}`);
    console.log(run.code === 0
      ? `   ${messages} messages in ${(run.ms / 1000).toFixed(2)} s: ${rate(messages, run.ms)} (${note})`
      : `   smtp-source failed (exit ${run.code}): ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    console.log(`   ${usage}`);
  };

  const haveSource = existsSync(SMTP_SOURCE);
  if (haveSource && phases.has(1)) {
    for (let n = 1; n <= repeat; n++) await sourceRun(repeat > 1 ? `1. (${n}/${repeat})` : '1.', [], 'one connection per message, HELO, no pipelining; all to one user');
    if (sourceRates.length > 1) {
      const sorted = [...sourceRates].sort((a, b) => a - b);
      const r = (x: number) => Math.round(x).toLocaleString('en-US');
      console.log(`   over ${sorted.length} runs: min ${r(sorted[0])}/s, median ${r(quantile(sorted, 0.5))}/s, max ${r(sorted.at(-1)!)}/s`);
    }
  } else if (phases.has(1)) console.log(`\n1. smtp-source: not installed (${SMTP_SOURCE}); install Debian's postfix package (client only) to run it. The Node client below gives the throughput.`);

  if (phases.has(2)) {
    cpu.begin();
    // Signed before the clock starts: the signing is the sender's cost, not ours.
    const bodies = signed ? await Promise.all(Array.from({ length: messages }, (_, i) => signedMessage(i, signed.key))) : null;
    const load = await runLoad({ port: server.ports.smtp, sessions, messages, from, to: (i) => userAddress(i % users), message: bodies ? (i) => bodies[i] : message });
    const usage = cpu.end(load.ok);
    expected += load.ok;
    if (load.failed > 0) failures++;
    console.log(`\n2. Node client (bench/smtp-load.ts): ${sessions} sessions, ${messages}${signed ? ' DKIM-signed' : ''} messages, one connection per message, EHLO, to ${users} users in turn`);
    console.log(`   ${load.ok} accepted, ${load.failed} failed in ${(load.ms / 1000).toFixed(2)} s: ${rate(load.ok, load.ms)}${load.errors.length ? `; errors: ${load.errors.join(' | ')}` : ''}`);
    console.log('   acceptance latency, measured by the client from its final "." to the 250 (the message is durable by then):');
    console.log(`     p50 ${fmt(quantile(load.dataMs, 0.5))}  p90 ${fmt(quantile(load.dataMs, 0.9))}  p99 ${fmt(quantile(load.dataMs, 0.99))}  max ${fmt(load.dataMs.at(-1) ?? NaN)}`);
    console.log(`   whole transaction, connect -> 250: p50 ${fmt(quantile(load.transactionMs, 0.5))}  p99 ${fmt(quantile(load.transactionMs, 0.99))}`);
    console.log(`   ${usage}`);
  }

  if (haveSource && phases.has(3)) await sourceRun('3.', ['-d'], 'connections kept from one message to the next');
} finally {
  await server.stop();
}
const stored = await server.inspect((store) => countInbox(store, users));
// With --signed, what the Authentication-Results of one user's messages say of their signatures.
const dkimVerdict = signed ? await server.inspect(async (store) => {
  const user = await store.accounts.getUserByAddress(userAddress((messages - 1) % users));
  const box = user ? await store.mail.findMailbox(user.id, 'INBOX') : null;
  if (!box) return 'no INBOX';
  const uids = (await store.mail.listMessageIndex(box.id)).map((e) => e.uid);
  const counts = new Map<string, number>();
  for (const record of await store.mail.getMessages(box.id, uids)) {
    const head = (await store.blobs.get(record.blobId)).toString('latin1').split('\r\n\r\n')[0];
    const verdict = /dkim=\w+( \([^)]*\))?/.exec(head)?.[0] ?? 'no dkim result';
    counts.set(verdict, (counts.get(verdict) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}) : null;
console.log(`\nafter stop: ${stored} messages in the INBOXes, ${expected} acknowledged${stored === expected ? '' : ' -- MISMATCH'}${dkimVerdict ? `; DKIM verdicts in one INBOX: ${dkimVerdict}` : ''}`);
console.log(`target: >= 1,000 messages/s with ${sessions} sessions (smtp-source, line 1); p99 acceptance latency on line 2`);
console.log('notes: the MX thread caches DNS answers for 5 s (smtp/dns-cache.ts), as a local caching resolver would;'
  + ' all messages here come from one address and domain, so its SPF/DMARC/PTR lookups are answered from that cache,'
  + ' and the SPF and DMARC evaluations and the PTR name are reused while those answers are (smtp/verify-memo.ts);'
  + ' DKIM and ARC still run on each message (these messages are unsigned).');
if (profIndex > 0) console.log(`server CPU profiles written to ${process.argv[profIndex + 1]}`);
server.cleanup();
if (stored !== expected || failures > 0) process.exitCode = 1;
