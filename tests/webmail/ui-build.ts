// Builds the browser app for the UI tests when dist/ is missing or older than its sources, so
// that `npx vitest run tests/webmail` works without remembering `npm run build:ui`.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const UI = fileURLToPath(new URL('../../webmail/ui/', import.meta.url));

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

export function ensureUiBuilt(): void {
  let built = 0;
  try { built = statSync(path.join(UI, 'dist', 'index.html')).mtimeMs; } catch { /* not built */ }
  const sources = Math.max(newest(path.join(UI, 'src')), statSync(path.join(UI, 'index.html')).mtimeMs, statSync(path.join(UI, 'vite.config.ts')).mtimeMs);
  if (built > sources) return;
  // vite's exports map hides bin/: find it beside the package.json.
  const vite = path.join(path.dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', '--config', path.join(UI, 'vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit' });
}
