// IMAP figures of issue 4, against the real server in a child process (`facteur serve`, so
// that its memory is measured alone):
//   - a mailbox of --messages (100,000) messages: SELECT, UID FETCH 1:* (UID FLAGS),
//     UID SEARCH TEXT "word", SORT (DATE) cold and warm;
//   - --idle (10,000) concurrent IDLE connections, plaintext then TLS: server memory per connection;
//   - a mixed workload (login, select, fetch, store, append, expunge, logout) with 10 and 50 clients;
//   - APPEND throughput of 4 KB messages with 10 clients.
//   node --import tsx bench/imap.ts [--messages 100000] [--idle 10000] [--seconds 10] [--parts big,idle,tls,mixed,append]
//     --seconds         how long each mixed workload and the APPEND run last
//     [--profile DIR]   the server runs with --cpu-prof, its profile written to DIR at exit
//     [--data DIR]      keep the data directory in DIR, and reuse it if a previous run left it
//                       there (filling 100,000 messages takes minutes on a busy machine)
// The machine is shared: besides wall-clock rates, APPEND reports the server's CPU time per
// message (whole process, and its main thread alone), which other load disturbs much less.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Accounts, analyzeNow } from '../core/index.js';
import { openStore } from '../storage/open.js';
import { machineLine, rate } from './machine.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const MESSAGES = arg('messages', 100_000);
const IDLE = arg('idle', 10_000);
const SECONDS = arg('seconds', 10);
const WARMUP_APPENDS = 2_000;
const partsArg = process.argv.indexOf('--parts');
const profileArg = process.argv.indexOf('--profile');
const dataArg = process.argv.indexOf('--data');
const DATA_DIR = dataArg > 0 ? path.resolve(process.argv[dataArg + 1]) : null;
const PROFILE_DIR = profileArg > 0 ? path.resolve(process.argv[profileArg + 1]) : null;
/** Which figures to take: big, idle, tls, mixed, append (all by default). */
const PARTS = new Set(partsArg > 0 ? process.argv[partsArg + 1].split(',') : ['big', 'idle', 'tls', 'mixed', 'append']);
const PASSWORD = 'bench password';
const FAST_HASH = { memoryKib: 1024, iterations: 1, parallelism: 1 };
const WORDS = ['conseil', 'cantine', 'sortie', 'bulletin', 'réunion', 'devoir', 'parents', 'musée', 'gymnase', 'examen'];

function message(i: number, size = 0): Buffer {
  const w = WORDS[i % WORDS.length];
  const day = new Date(Date.UTC(2024, 0, 1) + ((i * 7919) % 600) * 86_400_000);
  const head = `From: "Prof ${i % 97}" <prof${i % 97}@ecole.test>\r\nTo: user@ecole.test\r\nSubject: ${w} ${i}\r\n`
    + `Date: ${day.toUTCString()}\r\nMessage-ID: <b${i}@bench>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n`;
  let body = `Texte du message ${i} au sujet de ${w}; mot${i % 1000} ici.\r\n`;
  while (head.length + body.length < size) body += 'Le conseil de classe aura lieu jeudi en salle des professeurs.\r\n';
  return Buffer.from(head + body);
}

// ------------------------------------------------------------ a small client

class Client {
  private buf = '';
  private waiters: (() => void)[] = [];
  private tag = 0;
  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
  }

  /** `from` picks the source address 127.0.0.<from>: clients spread over addresses as a
   *  district's schools do, so that the per-address login guard sees each at its own pace. */
  static async open(port: number, secure = false, from = 1): Promise<Client> {
    const localAddress = `127.0.0.${1 + (from % 250)}`;
    const plain = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port, localAddress }, () => resolve(s));
      s.once('error', reject);
    });
    const socket = !secure ? plain : await new Promise<net.Socket>((resolve, reject) => {
      const s = tls.connect({ socket: plain, rejectUnauthorized: false }, () => resolve(s));
      s.once('error', reject);
    });
    const c = new Client(socket);
    await c.until(/\r\n/);
    return c;
  }

  async until(re: RegExp): Promise<string> {
    for (;;) {
      const m = re.exec(this.buf);
      if (m) {
        const out = this.buf.slice(0, m.index + m[0].length);
        this.buf = this.buf.slice(m.index + m[0].length);
        return out;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async cmd(text: string): Promise<string> {
    const t = `t${++this.tag}`;
    this.socket.write(`${t} ${text}\r\n`, 'latin1'); // literals are given as latin1 strings of their octets
    const out = await this.until(new RegExp(`(^|\\r\\n)${t} (OK|NO|BAD)[^\\r\\n]*\\r\\n`));
    if (!new RegExp(`(^|\\r\\n)${t} OK`).test(out)) throw new Error(`${text.slice(0, 40)}: ${out.slice(-200)}`);
    return out;
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  close(): void {
    this.socket.destroy();
  }
}

// ------------------------------------------------------------ the server

async function prepare(dir: string, users: number): Promise<string[]> {
  const store = await openStore({ backend: 'sqlite', dataDir: dir });
  const accounts = new Accounts(store, { hash: FAST_HASH });
  await accounts.addDomain('ecole.test');
  const addresses: string[] = [];
  for (let i = 0; i < users; i++) {
    const address = `user${i}@ecole.test`;
    await accounts.createUser({ address, password: PASSWORD });
    addresses.push(address);
  }
  const owner = await store.accounts.getUserByAddress(addresses[0]);
  const big = await store.mail.createMailbox(owner!.id, 'Big');
  const start = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let i = next++; i < MESSAGES; i = next++) {
      const raw = message(i);
      await store.mail.appendMessage(big.id, { raw, flags: i % 3 === 0 ? ['\\Seen'] : [], internalDate: new Date(Date.UTC(2024, 0, 1) + i * 60_000), ...analyzeNow(raw) });
    }
  }));
  console.log(`filled Big with ${MESSAGES.toLocaleString('en-US')} messages in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  await store.close();
  return addresses;
}

async function startServer(dir: string): Promise<{ child: ChildProcess; ports: Record<string, number> }> {
  const env: Record<string, string> = {
    ...process.env as Record<string, string>, FACTEUR_DATA_DIR: dir, FACTEUR_LISTEN: '127.0.0.1', FACTEUR_HOSTNAME: 'localhost',
    FACTEUR_LOG_LEVEL: 'warn', FACTEUR_OUTBOUND_ENABLED: 'false',
    FACTEUR_IMAP_MAX_CONNECTIONS_PER_IP: '1000000', FACTEUR_IMAP_MAX_CONNECTIONS_PER_USER: '10000', FACTEUR_IMAP_MAX_COMMANDS_PER_MINUTE: '1000000',
  };
  for (const k of ['HTTP', 'HTTPS', 'SMTP', 'SUBMISSION', 'SUBMISSIONS', 'IMAP', 'IMAPS']) env[`FACTEUR_${k}_PORT`] = '0';
  const profile = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', path.join(import.meta.dirname, '..', 'scripts', 'facteur.ts'), 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const ports: Record<string, number> = {};
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const m of out.matchAll(/listening (\w+) [^\n]*:(\d+)\n/g)) ports[m[1]] = Number(m[2]);
      if (/^ready$/m.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { child, ports };
}

function rssKib(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

/** CPU time (user + system, ms) of the whole process and of its main thread (whose tid is the pid). */
function cpuMs(pid: number): { process: number; main: number } {
  const ticks = (file: string) => {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = readFileSync(file, 'utf8').replace(/^.*\) /s, '').split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
  };
  return { process: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`) };
}

/** Waits until the server is idle (under 10% of a core for a second): the full-text indexer
 *  works through the messages of the fill (100,000 unindexed documents, about 15 s of CPU) once
 *  the server starts, and that must not be counted as the cost of the APPENDs measured next.
 *  Returns the CPU time read at the end of the last, quiet, second. */
async function settled(pid: number): Promise<{ process: number; main: number }> {
  const deadline = Date.now() + 180_000;
  let before = cpuMs(pid);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = cpuMs(pid);
    // Up to the end of the quiet second: the tail of the work may lie in it (an idle server
    // spends a few ms a second, which is counted too).
    if (now.process - before.process < 100) return now;
    before = now;
  }
  return before;
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await f();
  return [performance.now() - t, r];
}

// ------------------------------------------------------------ the figures

async function bigMailbox(port: number, address: string): Promise<void> {
  const c = await Client.open(port);
  await c.cmd(`LOGIN ${address} "${PASSWORD}"`);
  const [sel, selOut] = await timed(() => c.cmd('SELECT Big'));
  const exists = /\* (\d+) EXISTS/.exec(selOut)![1];
  const [fetch, fetchOut] = await timed(() => c.cmd('UID FETCH 1:* (UID FLAGS)'));
  const fetched = fetchOut.split('\r\n').length - 2;
  const [search, searchOut] = await timed(() => c.cmd('UID SEARCH TEXT "mot123 "'));
  const hits = (/\* SEARCH([\d ]*)/.exec(searchOut)![1].trim().split(' ').filter(Boolean)).length;
  const [sortCold] = await timed(() => c.cmd('SORT (DATE) UTF-8 ALL'));
  const [sortWarm] = await timed(() => c.cmd('SORT (DATE) UTF-8 ALL'));
  const [select2] = await timed(() => c.cmd('SELECT Big'));
  c.close();
  console.log(`mailbox of ${Number(exists).toLocaleString('en-US')} messages:`);
  console.log(`  SELECT                        ${sel.toFixed(0).padStart(6)} ms (again: ${select2.toFixed(0)} ms)   target <= 150 ms`);
  console.log(`  UID FETCH 1:* (UID FLAGS)     ${fetch.toFixed(0).padStart(6)} ms (${fetched.toLocaleString('en-US')} responses)   target <= 1,000 ms`);
  console.log(`  UID SEARCH TEXT "mot123 "     ${search.toFixed(0).padStart(6)} ms (${hits} hits)   target <= 100 ms`);
  console.log(`  SORT (DATE) UTF-8 ALL         ${sortCold.toFixed(0).padStart(6)} ms cold, ${sortWarm.toFixed(0)} ms warm   target <= 500 ms`);
}

async function idleConnections(pid: number, port: number, addresses: string[], secure: boolean): Promise<void> {
  const before = rssKib(pid);
  const clients: Client[] = [];
  const start = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 50 }, async (_, w) => {
    for (let i = next++; i < IDLE; i = next++) {
      const c = await Client.open(port, secure, w);
      await c.cmd(`LOGIN ${addresses[1 + (i % (addresses.length - 1))]} "${PASSWORD}"`);
      await c.cmd('SELECT INBOX');
      c.write('i IDLE\r\n');
      await c.until(/^\+ .*\r\n/m);
      clients.push(c);
    }
  }));
  const setupMs = performance.now() - start;
  await new Promise((r) => setTimeout(r, 2000));
  const after = rssKib(pid);
  const perConn = ((after - before) * 1024) / clients.length;
  console.log(`${clients.length.toLocaleString('en-US')} IDLE connections (${secure ? 'TLS' : 'plaintext'}): server RSS ${(before / 1024).toFixed(0)} -> ${(after / 1024).toFixed(0)} MiB, `
    + `${(perConn / 1024).toFixed(1)} KiB per connection${secure ? '' : ' (target <= 30 KB)'}; set up in ${(setupMs / 1000).toFixed(1)} s`);
  for (const c of clients) c.close();
  await new Promise((r) => setTimeout(r, 2000));
}

async function mixed(port: number, addresses: string[], clients: number): Promise<void> {
  let ops = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const body = message(7, 4096).toString('latin1');
  await Promise.all(Array.from({ length: clients }, async (_, k) => {
    const address = addresses[1 + (k % (addresses.length - 1))];
    while (performance.now() < deadline) {
      const c = await Client.open(port, false, k);
      await c.cmd(`LOGIN ${address} "${PASSWORD}"`);
      await c.cmd('SELECT INBOX');
      await c.cmd(`APPEND INBOX {${body.length}+}\r\n${body}`);
      await c.cmd('NOOP');
      await c.cmd('FETCH 1:* (UID FLAGS RFC822.SIZE ENVELOPE)');
      await c.cmd('UID FETCH * (BODY.PEEK[])');
      await c.cmd('STORE 1:* +FLAGS.SILENT (\\Deleted)');
      await c.cmd('EXPUNGE');
      await c.cmd('LOGOUT');
      c.close();
      ops += 10;
    }
  }));
  console.log(`mixed workload, ${String(clients).padStart(2)} clients: ${rate(ops, SECONDS * 1000)} commands (10 per session: login, select, append, noop, fetch x2, store, expunge, logout)`);
}

/** APPEND throughput as issue 4 states it: 10 clients (each its own user, as teachers' clients
 *  are), messages of 4 KB, LITERAL+. A warm-up of WARMUP_APPENDS is not counted (JIT, prepared
 *  statements, first pages of the mailboxes); then every client appends for --seconds, and the
 *  rate is what was acknowledged in that time. The server's CPU time is read over the same span;
 *  what it still owes afterwards (full-text indexing that fell behind) is read until it is idle
 *  again and reported beside, so that deferred work is not mistaken for a saving. */
async function appends(pid: number, port: number, addresses: string[], clients: number): Promise<void> {
  const body = message(11, 4096);
  // A mailbox of its own, deleted at the end, so that a reused data directory (--data) does not
  // grow by the messages of every run (and each run's figures do not depend on how many came before).
  const box = `Append ${process.pid}`;
  const command = `APPEND "${box}" {${body.length}+}\r\n${body.toString('latin1')}`;
  const sessions = await Promise.all(Array.from({ length: clients }, async (_, k) => {
    const c = await Client.open(port, false, k);
    await c.cmd(`LOGIN ${addresses[1 + (k % (addresses.length - 1))]} "${PASSWORD}"`);
    await c.cmd(`CREATE "${box}"`);
    return c;
  }));
  let next = 0;
  await Promise.all(sessions.map(async (c) => {
    while (next++ < WARMUP_APPENDS) await c.cmd(command);
  }));
  await settled(pid);
  const cpuBefore = cpuMs(pid);
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  let total = 0;
  await Promise.all(sessions.map(async (c) => {
    while (performance.now() < deadline) {
      await c.cmd(command);
      total++;
    }
  }));
  const ms = performance.now() - start;
  const cpuAfter = cpuMs(pid);
  const client = process.cpuUsage(clientBefore);
  const cpuSettled = await settled(pid);
  await Promise.all(sessions.map((c) => c.cmd(`DELETE "${box}"`)));
  for (const c of sessions) c.close();
  console.log(`APPEND of ${(body.length / 1024).toFixed(1)} KB messages, ${clients} clients, ${(ms / 1000).toFixed(1)} s after ${WARMUP_APPENDS.toLocaleString('en-US')} not counted: `
    + `${total.toLocaleString('en-US')} = ${rate(total, ms)}   target >= 2,000/s`);
  const per = (a: number, b: number) => `${((1000 * (b - a)) / total).toFixed(0)} µs`;
  console.log(`  server CPU per APPEND: ${per(cpuBefore.process, cpuAfter.process)} (process), ${per(cpuBefore.main, cpuAfter.main)} (main thread); `
    + `with the work left once the clients stopped: ${per(cpuBefore.process, cpuSettled.process)}, ${per(cpuBefore.main, cpuSettled.main)}; `
    + `this load generator: ${per(0, (client.user + client.system) / 1000)}`);
}

console.log('IMAP benchmark (server in a child process: facteur serve, SQLite)');
console.log(machineLine());
console.log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const USERS = 51;
const reuse = DATA_DIR !== null && existsSync(path.join(DATA_DIR, 'facteur.db'));
const dir = DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'facteur-bench-imap-'));
try {
  if (reuse) console.log(`reusing ${dir} (its messages, not --messages)`);
  const addresses = reuse ? Array.from({ length: USERS }, (_, i) => `user${i}@ecole.test`) : await prepare(dir, USERS);
  const { child, ports } = await startServer(dir);
  try {
    // Memory first, while the server holds nothing else that a garbage collection could free
    // in the middle of the measurement.
    if (PARTS.has('idle')) await idleConnections(child.pid!, ports.imap, addresses, false);
    if (PARTS.has('tls')) await idleConnections(child.pid!, ports.imaps, addresses, true);
    if (PARTS.has('big')) {
      await settled(child.pid!);
      await bigMailbox(ports.imap, addresses[0]);
    }
    if (PARTS.has('mixed')) {
      await mixed(ports.imap, addresses, 10);
      await mixed(ports.imap, addresses, 50);
    }
    if (PARTS.has('append')) await appends(child.pid!, ports.imap, addresses, 10);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
} finally {
  if (!DATA_DIR) rmSync(dir, { recursive: true, force: true });
}
console.log(`load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
