// Import of 10,000 users from CSV through the real CLI (`facteur import users`), password
// hashing included.   node --import tsx bench/import-users.ts [--users 10000]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineLine, rate } from './machine.js';

const users = Number(process.argv[process.argv.indexOf('--users') + 1]) || 10_000;
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'bin', 'facteur.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-bench-import-'));
const env = { ...process.env, FACTEUR_DATA_DIR: path.join(dir, 'data') };

function facteur(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
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
const start = performance.now();
facteur('import', 'users', csv);
const ms = performance.now() - start;
const count = JSON.parse(facteur('user', 'list', '--json').stdout).length;
rmSync(dir, { recursive: true, force: true });
console.log('import of users from CSV (facteur import users; argon2id hashing included)');
console.log(machineLine());
console.log(`${users} users in ${(ms / 1000).toFixed(1)} s (${rate(users, ms)}); users listed afterwards: ${count}`);
console.log('target: 10,000 users in under 60 s');
if (count !== users) process.exitCode = 1;
