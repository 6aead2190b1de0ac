// The `facteur` admin CLI, run as a real child process (node bin/facteur.js) against a fresh
// data dir. A store opened in this process stands in for a running server: it holds the
// database open the whole time, and must see what the CLI writes at once.
import { spawn } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRawMessage, verifyPassword } from '../core/index.js';
import { openSqliteStore } from '../storage/sqlite/index.js';
import type { Store } from '../storage/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ACTOR = `cli:${os.userInfo().username}`;

interface Run { code: number | null; stdout: string; stderr: string }

// Each run starts node + tsx (about a second of CPU): a few at a time keep a 2-core machine
// responsive when a test fires many independent refusals at once.
const MAX_PARALLEL = 3;
let running = 0;
const waiting: (() => void)[] = [];

async function facteur(dataDir: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  // A finishing run hands its slot straight to the next waiter.
  if (running < MAX_PARALLEL) running++;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return await spawnFacteur(dataDir, args, options);
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function spawnFacteur(dataDir: string, args: string[], options: { input?: string; env?: Record<string, string> }): Promise<Run> {
  // Only the variables this test chooses: a stray FACTEUR_* from the caller must not leak in.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('FACTEUR_')) env[k] = v;
  Object.assign(env, { FACTEUR_DATA_DIR: dataDir }, options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/facteur.js', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

function expectOk(run: Run): Run {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  return run;
}

/** Refused input: exit status 2 and exactly one line on stderr naming the problem. */
function expectRefused(run: Run, problem: RegExp): void {
  expect(run.code, run.stdout + run.stderr).toBe(2);
  expect(run.stderr).toMatch(/^facteur: [^\n]+\n$/);
  expect(run.stderr).toMatch(problem);
}

function json<T = any>(run: Run): T {
  expectOk(run);
  return JSON.parse(run.stdout) as T;
}

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'facteur-cli-'));
}

/** A data dir with the store open beside the CLI, as a running server would hold it. */
function useDataDir(): { dir: string; store: () => Store; run: (args: string[], options?: { input?: string; env?: Record<string, string> }) => Promise<Run> } {
  const dir = tempDir();
  let store: Store;
  beforeAll(async () => { store = await openSqliteStore({ dataDir: dir }); });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, store: () => store, run: (args, options) => facteur(dir, args, options) };
}

describe('domains, users, aliases and groups', { timeout: 180_000 }, () => {
  const { dir, store, run } = useDataDir();
  const addresses = async () => (json<{ address: string }[]>(await run(['user', 'list', '--json']))).map((u) => u.address);

  it('adds, lists and refuses domains', async () => {
    expect(expectOk(await run(['domain', 'add', 'Ecole.Example'])).stdout).toBe('added domain ecole.example\n');
    expectOk(await run(['domain', 'add', 'college.example']));
    const [bad, dup] = await Promise.all([run(['domain', 'add', 'not_a_domain']), run(['domain', 'add', 'ecole.example'])]);
    expectRefused(bad, /invalid domain "not_a_domain"/);
    expectRefused(dup, /ecole\.example/);
    const domains = json(await run(['domain', 'list', '--json']));
    expect(domains.map((d: any) => [d.name, d.users])).toEqual([['college.example', 0], ['ecole.example', 0]]);
    expect(expectOk(await run(['domain', 'list'])).stdout).toMatch(/^DOMAIN +USERS +CREATED\ncollege\.example +0 /);
  });

  it('creates users with their default folders, calendar and address book', async () => {
    const add = await run(['user', 'add', 'Jeanne.Martin@ecole.example', '--name', 'Jeanne Martin', '--password-stdin',
      '--quota', '2G', '--unit', 'École Jaurès', '--role', 'unit-admin'], { input: 'correct horse battery\n' });
    expect(expectOk(add).stdout).toBe('created user jeanne.martin@ecole.example (role unit-admin, quota 2G, unit École Jaurès)\n');
    expectOk(await run(['user', 'add', 'paul@ecole.example', '--password', 'paul-password']));
    const noPassword = expectOk(await run(['user', 'add', 'lea@college.example']));
    expect(noPassword.stdout).toMatch(/no password set: password login stays disabled/);

    const show = await run(['user', 'show', 'jeanne.martin@ecole.example', '--json']);
    expect(show.stdout).not.toMatch(/argon2|passwordHash/);
    const jeanne = json(show);
    expect(jeanne).toMatchObject({
      address: 'jeanne.martin@ecole.example', name: 'Jeanne Martin', role: 'unit-admin', unit: 'École Jaurès',
      enabled: true, quotaBytes: 2 * 1024 ** 3, usedBytes: 0, passwordSet: true, groups: [], aliases: [],
    });
    expect(jeanne.mailboxes.map((m: any) => m.name).sort()).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);

    // The "server" sees the user at once, with the hash made with the configured argon2 cost.
    const user = await store().accounts.getUserByAddress('jeanne.martin@ecole.example');
    expect(user?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=7168,t=5,p=1\$/);
    expect(await verifyPassword(user!.passwordHash, 'correct horse battery')).toBe(true);
    const kinds = (await store().dav.listCollections('user', user!.id)).map((c) => c.kind).sort();
    expect(kinds).toEqual(['addressbook', 'calendar']);
    const lea = await store().accounts.getUserByAddress('lea@college.example');
    expect(lea?.passwordHash).toBeNull();

    const text = expectOk(await run(['user', 'show', 'jeanne.martin@ecole.example'])).stdout;
    expect(text).toMatch(/^Address: +jeanne\.martin@ecole\.example$/m);
    expect(text).toMatch(/^Quota: +0 used of 2G$/m);
    expect(text).toMatch(/^INBOX +0 +0 +0$/m);
  });

  it('refuses bad user input with one line naming the problem, and changes nothing', async () => {
    const before = await addresses();
    const cases: [string[], RegExp][] = [
      [['user', 'add', 'jeanne@@ecole.example'], /invalid address "jeanne@@ecole\.example"/],
      [['user', 'add', 'no-at-sign'], /invalid address "no-at-sign"/],
      [['user', 'add', 'x@autre.example'], /unknown domain autre\.example/],
      [['user', 'add', 'PAUL@ecole.example'], /paul@ecole\.example is already in use/],
      [['user', 'add', 'marc@ecole.example', '--quota', '12Q'], /invalid quota "12Q"/],
      [['user', 'add', 'marc@ecole.example', '--role', 'boss'], /invalid role "boss"/],
      [['user', 'add', 'marc@ecole.example', '--role', 'unit-admin'], /unit-admin needs a unit/],
      [['user', 'add', 'marc@ecole.example', '--password', 'short'], /password too short/],
      [['user', 'add', 'marc@ecole.example', '--password', 'long-enough', '--password-stdin'], /either --password or --password-stdin/],
      [['user', 'add', 'marc@ecole.example', '--password-stdin'], /no password on standard input/],
      [['user', 'quota', 'paul@ecole.example', '12Q'], /invalid quota "12Q"/],
      [['user', 'quota', 'nobody@ecole.example', '1G'], /no user nobody@ecole\.example/],
      [['user', 'show', 'nobody@ecole.example'], /no user nobody@ecole\.example/],
      [['user', 'passwd', 'paul@ecole.example', '--password', 'short'], /password too short/],
      // stdin is a pipe here, not a terminal: no prompt, a clear refusal.
      [['user', 'passwd', 'paul@ecole.example'], /no password given/],
      [['user', 'list', '--domain', 'autre.example'], /unknown domain autre\.example/],
      [['user', 'disable', 'nobody@ecole.example'], /no user nobody@ecole\.example/],
      [['domain', 'remove', 'ecole.example'], /ecole\.example/],
    ];
    const runs = await Promise.all(cases.map(([args]) => run(args)));
    runs.forEach((r, i) => expectRefused(r, cases[i][1]));
    // Usage errors are commander's: its message and the command's help, and status 2 as well.
    const usage = await run(['user', 'frobnicate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error: unknown command 'frobnicate'/);
    expect(await addresses()).toEqual(before);
    const paul = json(await run(['user', 'show', 'paul@ecole.example', '--json']));
    expect(paul.quotaBytes).toBe(0);
    expect(await verifyPassword((await store().accounts.getUserByAddress('paul@ecole.example'))!.passwordHash, 'paul-password')).toBe(true);
    expect(json(await run(['domain', 'list', '--json'])).map((d: any) => d.name)).toEqual(['college.example', 'ecole.example']);
  });

  it('lists users as a table and as JSON, by domain', async () => {
    const table = expectOk(await run(['user', 'list'])).stdout.split('\n');
    expect(table[0]).toMatch(/^ADDRESS +NAME +ROLE +UNIT +STATUS +USED \/ QUOTA$/);
    expect(table).toContainEqual(expect.stringMatching(/^jeanne\.martin@ecole\.example +Jeanne Martin +unit-admin +École Jaurès +enabled +0 \/ 2G$/));
    expect(table).toContainEqual(expect.stringMatching(/^paul@ecole\.example +paul +user +- +enabled +0 \/ unlimited$/));
    const ecole = await run(['user', 'list', '--domain', 'ecole.example', '--json']);
    expect(ecole.stdout).not.toMatch(/argon2|passwordHash/);
    expect(json(ecole).map((u: any) => u.address)).toEqual(['jeanne.martin@ecole.example', 'paul@ecole.example']);
  });

  it('changes passwords, quotas and the enabled flag', async () => {
    expect(expectOk(await run(['user', 'passwd', 'paul@ecole.example', '--password-stdin'], { input: 'new paul password\r\n' })).stdout)
      .toBe('password of paul@ecole.example changed\n');
    expect(await verifyPassword((await store().accounts.getUserByAddress('paul@ecole.example'))!.passwordHash, 'new paul password')).toBe(true);

    expect(expectOk(await run(['user', 'quota', 'paul@ecole.example', '500M'])).stdout).toBe('quota of paul@ecole.example set to 500M (0 used)\n');
    expect(expectOk(await run(['user', 'disable', 'paul@ecole.example'])).stdout).toBe('disabled paul@ecole.example\n');
    let paul = json(await run(['user', 'show', 'paul@ecole.example', '--json']));
    expect([paul.quotaBytes, paul.enabled]).toEqual([500 * 1024 ** 2, false]);
    expect((await store().accounts.getUserByAddress('paul@ecole.example'))?.enabled).toBe(false);

    expectOk(await run(['user', 'enable', 'paul@ecole.example']));
    expectOk(await run(['user', 'quota', 'paul@ecole.example', 'unlimited']));
    paul = json(await run(['user', 'show', 'paul@ecole.example', '--json']));
    expect([paul.quotaBytes, paul.enabled]).toEqual([0, true]);
  });

  it('prompts twice for a password on a terminal, without echoing it', async () => {
    // python3's pty gives the CLI a real terminal as stdin and stdout.
    const script = [
      'import os, pty, sys, time',
      'pid, fd = pty.fork()',
      'if pid == 0:',
      '    os.execv(sys.argv[1], sys.argv[1:])',
      'out = b""',
      'def read_until(marker):',
      '    global out',
      '    while marker not in out:',
      '        out += os.read(fd, 1024)',
      'read_until(b"New password")',
      'os.write(fd, b"typed on a tty\\r")',
      'read_until(b"Repeat")',
      'os.write(fd, b"typed on a tty\\r")',
      'while True:',
      '    try:',
      '        chunk = os.read(fd, 1024)',
      '    except OSError:',
      '        break',
      '    if not chunk:',
      '        break',
      '    out += chunk',
      '_, status = os.waitpid(pid, 0)',
      'sys.stdout.write(out.decode())',
      'sys.exit(os.waitstatus_to_exitcode(status))',
    ].join('\n');
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('FACTEUR_')) env[k] = v;
    env.FACTEUR_DATA_DIR = dir;
    const result = await new Promise<Run>((resolve, reject) => {
      const child = spawn('python3', ['-c', script, process.execPath, path.join(ROOT, 'bin/facteur.js'), 'user', 'passwd', 'lea@college.example'], { cwd: ROOT, env });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/New password for lea@college\.example: /);
    expect(result.stdout).toMatch(/password of lea@college\.example changed/);
    expect(result.stdout).not.toMatch(/typed on a tty/);
    expect(await verifyPassword((await store().accounts.getUserByAddress('lea@college.example'))!.passwordHash, 'typed on a tty')).toBe(true);
  });

  it('manages aliases', async () => {
    const add = await run(['alias', 'add', 'Secretariat@ecole.example', 'jeanne.martin@ecole.example', 'direction@mairie.example']);
    expect(expectOk(add).stdout).toBe('added alias secretariat@ecole.example -> jeanne.martin@ecole.example, direction@mairie.example\n');
    const refused = await Promise.all([
      run(['alias', 'add', 'bureau@ecole.example', 'ghost@ecole.example']),
      run(['alias', 'add', 'bureau@autre.example', 'paul@ecole.example']),
      run(['alias', 'add', 'bureau@@ecole.example', 'paul@ecole.example']),
      run(['alias', 'add', 'paul@ecole.example', 'jeanne.martin@ecole.example']),
      run(['alias', 'remove', 'ghost@ecole.example']),
    ]);
    expectRefused(refused[0], /ghost@ecole\.example does not exist/);
    expectRefused(refused[1], /unknown domain autre\.example/);
    expectRefused(refused[2], /invalid address "bureau@@ecole\.example"/);
    expectRefused(refused[3], /paul@ecole\.example/);
    expectRefused(refused[4], /ghost@ecole\.example/);
    expect(json(await run(['alias', 'list', '--json'])).map((a: any) => [a.address, a.targets])).toEqual([
      ['secretariat@ecole.example', ['jeanne.martin@ecole.example', 'direction@mairie.example']],
    ]);
    expect(expectOk(await run(['alias', 'list'])).stdout).toMatch(/^secretariat@ecole\.example +jeanne\.martin@ecole\.example, direction@mairie\.example$/m);
    expect(json(await run(['user', 'show', 'jeanne.martin@ecole.example', '--json'])).aliases).toEqual(['secretariat@ecole.example']);
    expect(await store().accounts.resolveAddress('secretariat@ecole.example')).toMatchObject({ kind: 'alias' });
    expect(expectOk(await run(['alias', 'remove', 'secretariat@ecole.example'])).stdout).toBe('removed alias secretariat@ecole.example\n');
    expect(expectOk(await run(['alias', 'list'])).stdout).toBe('no aliases\n');
  });

  it('manages groups and their members', async () => {
    const add = await run(['group', 'add', 'profs@ecole.example', '--member', 'jeanne.martin@ecole.example', '--member', 'paul@ecole.example',
      '--name', 'Équipe enseignante', '--unit', 'École Jaurès']);
    expect(expectOk(add).stdout).toBe('created group profs@ecole.example with 2 members\n');
    const refused = await Promise.all([
      run(['group', 'add', 'cm2@ecole.example', '--member', 'ghost@ecole.example']),
      run(['group', 'add', 'cm2@autre.example', '--member', 'paul@ecole.example']),
      run(['group', 'add', 'paul@ecole.example', '--member', 'jeanne.martin@ecole.example']),
      run(['group', 'member', 'add', 'ghost-group@ecole.example', 'paul@ecole.example']),
      run(['group', 'member', 'add', 'profs@ecole.example', 'ghost@ecole.example']),
    ]);
    expectRefused(refused[0], /no user ghost@ecole\.example/);
    expectRefused(refused[1], /unknown domain autre\.example/);
    expectRefused(refused[2], /paul@ecole\.example/);
    expectRefused(refused[3], /no group ghost-group@ecole\.example/);
    expectRefused(refused[4], /no user ghost@ecole\.example/);
    const listed = () => run(['group', 'list', '--json']).then((r) => json(r).map((g: any) => [g.address, g.name, g.unit, g.members]));
    expect(await listed()).toEqual([['profs@ecole.example', 'Équipe enseignante', 'École Jaurès', ['jeanne.martin@ecole.example', 'paul@ecole.example']]]);

    expectOk(await run(['group', 'member', 'remove', 'profs@ecole.example', 'paul@ecole.example']));
    expect((await listed())[0][3]).toEqual(['jeanne.martin@ecole.example']);
    expectOk(await run(['group', 'member', 'add', 'profs@ecole.example', 'lea@college.example']));
    expect((await listed())[0][3]).toEqual(['jeanne.martin@ecole.example', 'lea@college.example']);
    expect(json(await run(['user', 'show', 'lea@college.example', '--json'])).groups).toEqual(['profs@ecole.example']);
    expect(expectOk(await run(['group', 'list'])).stdout).toMatch(/^profs@ecole\.example +Équipe enseignante +École Jaurès +jeanne\.martin@ecole\.example, lea@college\.example$/m);

    expect(expectOk(await run(['group', 'remove', 'profs@ecole.example'])).stdout).toBe('removed group profs@ecole.example\n');
    expect(json(await run(['group', 'list', '--json']))).toEqual([]);
    expect(json(await run(['user', 'show', 'lea@college.example', '--json'])).groups).toEqual([]);
  });

  it('deletes a user with their mail', async () => {
    const paul = (await store().accounts.getUserByAddress('paul@ecole.example'))!;
    const inbox = (await store().mail.findMailbox(paul.id, 'INBOX'))!;
    const raw = Buffer.from('From: a@example.net\r\nTo: paul@ecole.example\r\nSubject: hello\r\n\r\nonly for Paul\r\n');
    const appended = await appendRawMessage(store(), inbox.id, raw);
    const { blobId } = (await store().mail.getMessageById(appended.id))!;
    expect(await store().blobs.has(blobId)).toBe(true);
    expect(json(await run(['user', 'show', 'paul@ecole.example', '--json'])).usedBytes).toBe(raw.length);

    expect(expectOk(await run(['user', 'delete', 'paul@ecole.example'])).stdout).toBe('deleted user paul@ecole.example and their data\n');
    expect(await addresses()).toEqual(['jeanne.martin@ecole.example', 'lea@college.example']);
    expectRefused(await run(['user', 'show', 'paul@ecole.example']), /no user paul@ecole\.example/);
    expect(await store().mail.listMailboxes(paul.id)).toEqual([]);
    expect(await store().mail.getMessageById(appended.id)).toBeNull();
    expect(await store().blobs.has(blobId)).toBe(false);
    expectRefused(await run(['user', 'delete', 'paul@ecole.example']), /no user paul@ecole\.example/);
  });

  it('records every change in the audit log under the unix user', async () => {
    const entries = await store().audit.query({ actor: ACTOR });
    const actions = new Set(entries.map((e) => e.action));
    for (const a of ['domain.add', 'user.create', 'user.passwd', 'user.quota', 'user.disable', 'user.enable', 'alias.add', 'group.create', 'user.delete']) {
      expect(actions).toContain(a);
    }
    expect(entries.every((e) => e.actor === ACTOR)).toBe(true);
  });

  it('removes a domain once it is empty', async () => {
    expectOk(await run(['user', 'delete', 'lea@college.example']));
    expect(expectOk(await run(['domain', 'remove', 'college.example'])).stdout).toBe('removed domain college.example\n');
    expect(json(await run(['domain', 'list', '--json'])).map((d: any) => d.name)).toEqual(['ecole.example']);
  });
});

describe('dkim', { timeout: 120_000 }, () => {
  const { store, run } = useDataDir();
  const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  beforeAll(async () => { expectOk(await run(['domain', 'add', 'ecole.example'])); });

  it('generates an RSA key and prints only its public DNS record', async () => {
    const gen = expectOk(await run(['dkim', 'generate', 'ecole.example']));
    expect(gen.stdout).toContain(`generated rsa key facteur${today} for ecole.example; publish this TXT record:`);
    expect(gen.stdout).toContain(`Name:  facteur${today}._domainkey.ecole.example\nType:  TXT\n`);
    expect(gen.stdout).toMatch(/^Value: v=DKIM1; k=rsa; p=[A-Za-z0-9+/]{300,}={0,2}$/m);
    // Over 255 octets: also shown as the several character-strings a zone file needs.
    expect(gen.stdout).toMatch(/^Zone: +facteur\d{8}\._domainkey\.ecole\.example\. IN TXT \( "v=DKIM1; k=rsa; p=[^"]{237}" "[^"]+" \)$/m);
    expect(gen.stdout).not.toMatch(/PRIVATE/);
    const [key] = await store().accounts.listDkimKeys('ecole.example');
    const published = /p=(\S+)/.exec(gen.stdout)![1];
    expect(createPublicKey(key.privateKeyPem).export({ type: 'spki', format: 'der' }).toString('base64')).toBe(published);
  });

  it('generates an Ed25519 key under a chosen selector, as JSON', async () => {
    const gen = await run(['dkim', 'generate', 'ECOLE.example', '--selector', 'Mail2025', '--algorithm', 'ed25519', '--json']);
    expect(gen.stdout).not.toMatch(/PRIVATE|privateKey/);
    const record = json(gen);
    expect(record).toMatchObject({ domain: 'ecole.example', selector: 'mail2025', algorithm: 'ed25519', name: 'mail2025._domainkey.ecole.example' });
    const p = /^v=DKIM1; k=ed25519; p=(\S+)$/.exec(record.value)![1];
    expect(Buffer.from(p, 'base64')).toHaveLength(32);
    const [key] = await store().accounts.listDkimKeys('ecole.example');
    expect(createPublicKey(key.privateKeyPem).export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64')).toBe(p);
  });

  it('lists keys newest first, and refuses bad input changing nothing', async () => {
    const refused = await Promise.all([
      run(['dkim', 'generate', 'autre.example']),
      run(['dkim', 'generate', 'ecole.example', '--selector', 'bad_selector']),
      run(['dkim', 'generate', 'ecole.example', '--algorithm', 'dsa']),
      run(['dkim', 'generate', 'ecole.example', '--selector', 'mail2025']),
      run(['dkim', 'list', 'autre.example']),
    ]);
    expectRefused(refused[0], /unknown domain autre\.example/);
    expectRefused(refused[1], /invalid selector "bad_selector"/);
    expectRefused(refused[2], /invalid DKIM algorithm "dsa"/);
    expectRefused(refused[3], /already has a DKIM key with selector mail2025/);
    expectRefused(refused[4], /unknown domain autre\.example/);
    const listed = json(await run(['dkim', 'list', 'ecole.example', '--json']));
    expect(listed.map((r: any) => [r.selector, r.algorithm])).toEqual([['mail2025', 'ed25519'], [`facteur${today}`, 'rsa']]);
    const text = expectOk(await run(['dkim', 'list', 'ecole.example'])).stdout;
    expect(text).toMatch(/^mail2025 +ed25519 +created /);
    expect(text).toContain(`Name:  facteur${today}._domainkey.ecole.example`);
    expect(text).not.toMatch(/PRIVATE/);
  });
});

describe('import users', { timeout: 120_000 }, () => {
  const { dir, store, run } = useDataDir();
  const file = path.join(dir, 'staff.csv');
  beforeAll(async () => {
    expectOk(await run(['domain', 'add', 'ecole.example']));
    expectOk(await run(['user', 'add', 'existing@ecole.example']));
  });
  const addresses = async () => (json<{ address: string }[]>(await run(['user', 'list', '--json']))).map((u) => u.address);

  it('imports the good lines and reports each bad one with its line number', async () => {
    writeFileSync(file, [
      'email,name,password,quota,unit,role',
      'anne@ecole.example,Anne Petit,anne-password,1G,École Jaurès,user',
      'bruno@ecole.example,Bruno Roux,,,,',
      'carla@ecole.example,Carla,carla-password,2G',
      'not-an-address,X,xxxxxxxx,,,',
      'dan@autre.example,Dan,dan-password,,,',
      'existing@ecole.example,E,eeeeeeee,,,',
      'ANNE@ecole.example,Anne bis,anne-password,,,',
      'eve@ecole.example,Eve,eve-password,12Q,,',
      '',
      'fred@ecole.example,Fred,fred-password,,,boss',
      'gina@ecole.example,Gina,short,,,',
      '"hugo@ecole.example,Hugo,hugo-password,,,',
      ',Nobody,xxxxxxxx,,,',
      'ines@ecole.example,"Inès Durand, directrice",ines-password,500M,École Jaurès,unit-admin',
      '',
    ].join('\r\n'));
    const result = await run(['import', 'users', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`facteur: 10 of 13 lines of ${file} were not imported\n`);
    expect(result.stdout).toBe([
      `imported 3 users from ${file}`,
      'skipped 10 lines:',
      '  line 4, carla@ecole.example: missing columns unit, role (expected 6: email,name,password,quota,unit,role)',
      '  line 5, not-an-address: invalid address "not-an-address": expected local@domain',
      '  line 6, dan@autre.example: unknown domain autre.example',
      '  line 7, existing@ecole.example: existing@ecole.example already exists',
      '  line 8, anne@ecole.example: duplicate of line 2',
      '  line 9, eve@ecole.example: invalid quota "12Q": use bytes or a number with K, M, G or T (e.g. 2G), or unlimited',
      '  line 11, fred@ecole.example: invalid role "boss": use user, unit-admin or admin',
      '  line 12, gina@ecole.example: password too short: at least 8 characters',
      '  line 13: malformed CSV: a quoted field is not closed',
      '  line 14: missing email',
      '',
    ].join('\n'));
    expect(await addresses()).toEqual(['anne@ecole.example', 'bruno@ecole.example', 'existing@ecole.example', 'ines@ecole.example']);

    const anne = json(await run(['user', 'show', 'anne@ecole.example', '--json']));
    expect(anne).toMatchObject({ name: 'Anne Petit', quotaBytes: 1024 ** 3, unit: 'École Jaurès', role: 'user', passwordSet: true });
    expect(anne.mailboxes.map((m: any) => m.name).sort()).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    const ines = (await store().accounts.getUserByAddress('ines@ecole.example'))!;
    expect([ines.displayName, ines.role, ines.quotaBytes]).toEqual(['Inès Durand, directrice', 'unit-admin', 500 * 1024 ** 2]);
    expect(await verifyPassword(ines.passwordHash, 'ines-password')).toBe(true);
    expect((await store().dav.listCollections('user', ines.id)).map((c) => c.kind).sort()).toEqual(['addressbook', 'calendar']);
    expect((await store().accounts.getUserByAddress('bruno@ecole.example'))?.passwordHash).toBeNull();
    expect((await store().audit.query({ action: 'user.import' }))[0]).toMatchObject({ actor: ACTOR, details: { imported: 3, skipped: 10 } });
    // One audit entry per user created, under the unix user; none for a skipped line.
    const created = await store().audit.query({ action: 'user.create', limit: 100 });
    expect(created.filter((e) => e.actor === ACTOR).map((e) => e.target).sort())
      .toEqual(['anne@ecole.example', 'bruno@ecole.example', 'existing@ecole.example', 'ines@ecole.example']);
    expect(created.find((e) => e.target === 'ines@ecole.example')).toMatchObject({ unit: 'École Jaurès', details: { role: 'unit-admin', quotaBytes: 500 * 1024 ** 2 } });
  });

  it('reads ";"-separated files without a header and reports as JSON', async () => {
    const plain = path.join(dir, 'plain.csv');
    writeFileSync(plain, '\uFEFFjules@ecole.example;Jules Blanc;jules-password;;;\nkim@ecole.example;Kim;kim-password;3G;;\n');
    const report = json(await run(['import', 'users', plain, '--json']));
    expect(report).toEqual({
      file: plain, lines: 2, imported: 2, skipped: 0, errors: [],
      users: [{ line: 1, address: 'jules@ecole.example' }, { line: 2, address: 'kim@ecole.example' }],
    });
    expect((await store().accounts.getUserByAddress('kim@ecole.example'))?.quotaBytes).toBe(3 * 1024 ** 3);

    const again = await run(['import', 'users', plain, '--json']);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`facteur: 2 of 2 lines of ${plain} were not imported\n`);
    expect(JSON.parse(again.stdout)).toMatchObject({
      imported: 0, skipped: 2,
      errors: [
        { line: 1, email: 'jules@ecole.example', reason: 'jules@ecole.example already exists' },
        { line: 2, email: 'kim@ecole.example', reason: 'kim@ecole.example already exists' },
      ],
    });
  });

  it('refuses a file it cannot read or whose header it does not know, importing nothing', async () => {
    const before = await addresses();
    const odd = path.join(dir, 'odd.csv');
    writeFileSync(odd, 'email,name,birthday\nzoe@ecole.example,Zoé,2001-01-01\n');
    const [missing, header] = await Promise.all([
      run(['import', 'users', path.join(dir, 'nope.csv')]),
      run(['import', 'users', odd]),
    ]);
    expectRefused(missing, /cannot read .*nope\.csv: no such file/);
    expectRefused(header, /line 1: unknown column "birthday" in the header/);
    expect(await addresses()).toEqual(before);
  });
});

describe('configuration', { timeout: 120_000 }, () => {
  const dirs = [tempDir(), tempDir()];
  afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

  it('reads --config FILE, lets env override it, and passes the argon2 cost on', async () => {
    const [fromFile, fromEnv] = dirs;
    const config = path.join(fromFile, 'facteur.json');
    writeFileSync(config, JSON.stringify({ data: { dir: fromFile }, auth: { argon2Iterations: 2 } }));
    // An empty FACTEUR_DATA_DIR counts as unset, so the file's data.dir applies.
    expectOk(await facteur('', ['--config', config, 'domain', 'add', 'fichier.example']));
    expect(json(await facteur(fromFile, ['domain', 'list', '--json'])).map((d: any) => d.name)).toEqual(['fichier.example']);
    expectOk(await facteur(fromEnv, ['--config', config, 'domain', 'add', 'env.example']));
    expect(json(await facteur(fromEnv, ['domain', 'list', '--json'])).map((d: any) => d.name)).toEqual(['env.example']);

    expectOk(await facteur('', ['--config', config, 'user', 'add', 'a@fichier.example', '--password', 'a-password'], { env: { FACTEUR_AUTH_ARGON2_MEMORY_KIB: '2048' } }));
    const store = await openSqliteStore({ dataDir: fromFile });
    try {
      expect((await store.accounts.getUserByAddress('a@fichier.example'))?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=2048,t=2,p=1\$/);
    } finally {
      await store.close();
    }
  });

  it('refuses a bad configuration in one line', async () => {
    const config = path.join(dirs[0], 'bad.json');
    writeFileSync(config, JSON.stringify({ storage: { backend: 'oracle' } }));
    const [badFile, missingFile] = await Promise.all([
      facteur(dirs[0], ['--config', config, 'domain', 'list']),
      facteur(dirs[0], ['--config', path.join(dirs[0], 'absent.json'), 'domain', 'list']),
    ]);
    expectRefused(badFile, /^facteur: invalid configuration: storage\.backend: /);
    expectRefused(missingFile, /cannot read config file: no such file/);
  });
});
