// Runs the real `facteur` CLI (node bin/facteur.js) as a child process on a given data dir,
// with only the FACTEUR_* variables a test chooses.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Run { code: number | null; stdout: string; stderr: string }

export function facteur(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/facteur.js', ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp',
        FACTEUR_DATA_DIR: dataDir, FACTEUR_LOG_LEVEL: 'silent',
        FACTEUR_AUTH_ARGON2_MEMORY_KIB: '1024', FACTEUR_AUTH_ARGON2_ITERATIONS: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c) => { stderr += c; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
