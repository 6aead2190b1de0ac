// Import of 10,000 users from CSV through the real CLI (`facteur import users`), password
// hashing included.   node --import tsx bench/import-users.ts [--users 10000] [--prof DIR]
// (--prof: CPU profile of the import process into DIR, for `node --cpu-prof` analysis.)
//
// The reference run in the same invocation is the floor: argon2id alone at the default cost,
// a sample hashed with every core busy and scaled to the user count. What the import takes
// above it is the store, the checks and the CLI. The load average is printed before and after:
// on a shared machine the figures mean little without it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_HASH_PARAMS, hashPassword } from '../core/accounts/password.js';
import { machineLine, rate } from './machine.js';

const users = Number(process.argv[process.argv.indexOf('--users') + 1]) || 10_000;
const profDir = process.argv.includes('--prof') ? path.resolve(process.argv[process.argv.indexOf('--prof') + 1]) : null;
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'bin', 'facteur.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-bench-import-'));
const env = { ...process.env, FACTEUR_DATA_DIR: path.join(dir, 'data') };

function facteur(...args: string[]) {
  return facteurWith([], ...args);
}

function facteurWith(nodeArgs: string[], ...args: string[]) {
  const r = spawnSync(process.execPath, [...nodeArgs, cli, ...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`facteur ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r;
}

const lines = ['email,name,password,quota,unit,role'];
for (let i = 0; i < users; i++) {
  const school = `ecole-${i % 200}`;
  lines.push(`prof${i}@ac-exemple.fr,Professeur ${i},Motdepasse-${i}-x,2G,${school},user`);
}
const csv = path.join(dir, 'users.csv');
writeFileSync(csv, lines.join('\n') + '\n');

facteur('domain', 'add', 'ac-exemple.fr');
const loadBefore = loadLine();
const start = performance.now();
facteurWith(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [], 'import', 'users', csv);
const ms = performance.now() - start;
const loadAfter = loadLine();
const count = JSON.parse(facteur('user', 'list', '--json').stdout).length;
rmSync(dir, { recursive: true, force: true });
const floorMs = await hashingFloor(users);
console.log('import of users from CSV (facteur import users; argon2id hashing included)');
console.log(machineLine());
console.log(`load average before: ${loadBefore}; after: ${loadAfter}`);
console.log(`${users} users in ${(ms / 1000).toFixed(1)} s (${rate(users, ms)}); users listed afterwards: ${count}`);
console.log(`reference: argon2id alone (m=${DEFAULT_HASH_PARAMS.memoryKib} KiB, t=${DEFAULT_HASH_PARAMS.iterations}) for ${users} passwords on every core: ${(floorMs / 1000).toFixed(1)} s`
  + ` (sampled); the import takes ${((ms - floorMs) / 1000).toFixed(1)} s more`);
console.log('target: 10,000 users in under 60 s');
if (profDir) console.log(`CPU profile of the import in ${profDir}`);
if (count !== users) process.exitCode = 1;

function loadLine(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

/** Hashes a sample with as many in flight as libuv has pool threads (4), scaled to `n`. */
async function hashingFloor(n: number): Promise<number> {
  const sample = Math.min(n, 400);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < sample) await hashPassword(`Motdepasse-${next++}-x`);
  }));
  return ((performance.now() - t0) * n) / sample;
}
