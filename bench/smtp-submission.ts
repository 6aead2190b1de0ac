// Submission throughput (port 587 listener, STARTTLS, AUTH PLAIN), every message DKIM-signed
// with the domain's RSA key (core/dkim), against the real server in its own process: N users
// each send through their own pooled nodemailer connection (one session per user, kept open),
// 4 KB messages.
//   1. to local recipients: delivered at once, durable before the 250;
//   2. to remote recipients (one domain, as much of a district's mail goes to one big provider):
//      into the outbound queue (durable before the 250), which meanwhile relays them to Postfix's
//      smtp-sink on this machine (outbound.relay), as a smart host would.
// Sending limits are off (submission.sendLimitPerHour = 0): they would stop a user after 500.
//   node --import tsx bench/smtp-submission.ts [--messages 4000] [--sessions 20] [--cpu-prof DIR]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import nodemailer from 'nodemailer';
import { CpuMeter } from './smtp-cpu.js';
import { LOCAL_DOMAIN, PASSWORD, SENDER_DOMAIN, countInbox, startBenchServer, userAddress } from './smtp-fixture.js';
import { machineLine, rate } from './machine.js';

const arg = (name: string, fallback: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || fallback;
const messages = arg('messages', 4000);
const profIndex = process.argv.indexOf('--cpu-prof');
const nodeArgs = profIndex > 0 ? ['--cpu-prof', '--cpu-prof-dir', process.argv[profIndex + 1]] : [];
const sessions = arg('sessions', 20);
const RECIPIENTS = 100;
const SMTP_SINK = '/usr/sbin/smtp-sink';
const BODY = 'Le conseil de classe aura lieu jeudi a 17 h en salle des professeurs. Merci.\r\n'.repeat(52);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function startSink(): Promise<{ port: number; child: ChildProcess } | null> {
  if (!existsSync(SMTP_SINK)) return null;
  const port = await freePort();
  // -c: count only; 100: listen backlog. It accepts every message and keeps nothing.
  const child = spawn(SMTP_SINK, ['-c', `127.0.0.1:${port}`, '100'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  return { port, child };
}

console.log(`SMTP submission: ${sessions} authenticated sessions (STARTTLS + AUTH PLAIN, pooled, kept open), 4 KB messages, DKIM rsa-sha256 signing`);
console.log(machineLine());
console.log(`load average before the run: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const sink = await startSink();
const server = await startBenchServer({
  users: RECIPIENTS, withPassword: sessions, dkim: true, nodeArgs,
  env: {
    FACTEUR_SUBMISSION_SEND_LIMIT_PER_HOUR: '0',
    ...(sink ? { FACTEUR_OUTBOUND_RELAY: `127.0.0.1:${sink.port}` } : {}),
  },
});
const cpu = new CpuMeter(() => ({ server: server.pid, 'bench (nodemailer)': process.pid }), server.pid);
const transports = Array.from({ length: sessions }, (_, s) => nodemailer.createTransport({
  host: '127.0.0.1', port: server.ports.submission, secure: false, requireTLS: true,
  tls: { rejectUnauthorized: false }, auth: { user: userAddress(s), pass: PASSWORD },
  pool: true, maxConnections: 1, maxMessages: Infinity,
}));

async function run(count: number, to: (i: number) => string): Promise<{ ok: number; failed: number; ms: number; errors: string[] }> {
  let next = 0;
  const out = { ok: 0, failed: 0, ms: 0, errors: [] as string[] };
  const start = performance.now();
  await Promise.all(transports.map(async (transport, s) => {
    for (let i = next++; i < count; i = next++) {
      try {
        await transport.sendMail({ from: userAddress(s), to: to(i), subject: `Message ${i}`, text: BODY });
        out.ok++;
      } catch (err) {
        out.failed++;
        if (out.errors.length < 3) out.errors.push((err as Error).message);
      }
    }
  }));
  out.ms = performance.now() - start;
  return out;
}

let failures = 0;
let local = 0;
try {
  // Logins (one per session) and the first messages, before anything is timed.
  const warm = await run(Math.max(sessions * 10, 400), (i) => userAddress(i % RECIPIENTS));
  local += warm.ok;
  console.log(`warm-up: ${warm.ok} messages (not counted)`);

  const report = (title: string, r: Awaited<ReturnType<typeof run>>, usage: string) => {
    if (r.failed > 0) failures++;
    console.log(`\n${title}`);
    console.log(`   ${r.ok} accepted, ${r.failed} failed in ${(r.ms / 1000).toFixed(2)} s: ${rate(r.ok, r.ms)}${r.errors.length ? `; errors: ${r.errors.join(' | ')}` : ''}`);
    console.log(`   ${usage}`);
  };

  cpu.begin();
  const toLocal = await run(messages, (i) => userAddress(i % RECIPIENTS));
  report(`1. to local recipients (${RECIPIENTS} users in turn), delivered at once`, toLocal, cpu.end());
  local += toLocal.ok;

  cpu.begin();
  const toRemote = await run(messages, (i) => `rcpt${i % 50}@${SENDER_DOMAIN}`);
  report(`2. to remote recipients of one domain (${SENDER_DOMAIN}), into the outbound queue${sink ? ` (relayed meanwhile to smtp-sink on 127.0.0.1:${sink.port})` : ' (no smtp-sink installed: the queue keeps them)'}`, toRemote, cpu.end());
} finally {
  for (const t of transports) t.close();
  await server.stop();
  sink?.child.kill();
}
const stored = await server.inspect((store) => countInbox(store, RECIPIENTS));
console.log(`\nafter stop: ${stored} messages in the local INBOXes, ${local} acknowledged for local recipients${stored === local ? '' : ' -- MISMATCH'}`);
console.log(`notes: ${sessions} users, one session each; logins use the stored argon2id hash (cheap parameters here, ${sessions} logins in all);`
  + ` ${LOCAL_DOMAIN} has a 2048-bit RSA DKIM key, so every message is signed.`);
server.cleanup();
if (stored !== local || failures > 0) process.exitCode = 1;
