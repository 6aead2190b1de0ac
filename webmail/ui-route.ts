// Serves the built browser app (webmail/ui/dist) at '/': hashed assets cached for a year,
// index.html revalidated every time, index.html again for unknown paths (the app routes itself),
// and the same security headers on every answer, errors included.
import { createHash } from 'node:crypto';
import { readFileSync, statSync, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { HttpRoute } from '../core/http/index.js';

export const DEFAULT_DIST_DIR = fileURLToPath(new URL('./ui/dist/', import.meta.url));

// The app needs nothing from elsewhere. Mail HTML is framed from our own origin (body.html, with
// its own stricter policy); the frame itself may not be framed (clickjacking).
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "frame-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt', '.webmanifest']);

interface CachedFile { mtimeMs: number; size: number; body: Buffer; gzip: Buffer | null; etag: string }

export function createUiRoute(options: { distDir?: string } = {}): HttpRoute {
  const distDir = path.resolve(options.distDir ?? DEFAULT_DIST_DIR);
  // The dist folder is small (a few files): keeping them in memory, with their gzip, is cheaper
  // than compressing on each request. An entry is dropped when the file changes (rebuild).
  const cache = new Map<string, CachedFile>();

  function load(file: string, stats: Stats): CachedFile {
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === stats.mtimeMs && hit.size === stats.size) return hit;
    const body = readFileSync(file);
    const ext = path.extname(file);
    const gzip = COMPRESSIBLE.has(ext) && body.length > 512 ? gzipSync(body) : null;
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    const entry = { mtimeMs: stats.mtimeMs, size: stats.size, body, gzip, etag };
    cache.set(file, entry);
    return entry;
  }

  return {
    prefix: '/',
    name: 'webmail-ui',
    handle(req, res) {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return plain(res, 405, 'method not allowed');
      }
      let pathname: string;
      try {
        pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      } catch {
        return plain(res, 400, 'bad request target');
      }
      // The API route owns /api when mounted; never answer an API call with the app's page.
      if (pathname === '/api' || pathname.startsWith('/api/')) {
        res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        return void res.end(JSON.stringify({ error: 'no such API endpoint', code: 'not_found' }));
      }

      const index = path.join(distDir, 'index.html');
      const indexStats = statFile(index);
      if (!indexStats) return plain(res, 503, 'webmail UI not built: run npm run build:ui');

      const target = resolveInside(distDir, pathname);
      if (target === null) return plain(res, 400, 'bad path');
      const stats = target === distDir ? null : statFile(target);
      if (stats) return send(req, res, target, load(target, stats), cacheControlFor(distDir, target));
      // A missing file with an extension is a missing asset (stale tab after a rebuild): a 404,
      // not the app's page parsed as a script.
      if (path.extname(pathname) !== '') return plain(res, 404, 'not found');
      return send(req, res, index, load(index, indexStats), 'no-cache');
    },
  };
}

/** The file `pathname` names inside `root`, or null if it would leave root (.., NUL, backslash). */
function resolveInside(root: string, pathname: string): string | null {
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const segments = pathname.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..' || s.startsWith('.'))) return null; // no dotfiles either
  const full = path.resolve(root, ...segments);
  if (full !== root && !full.startsWith(root + path.sep)) return null;
  return full;
}

function statFile(file: string): Stats | null {
  try {
    const s = statSync(file);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

/** Vite names built assets by content hash under assets/: they never change, so cache them. */
function cacheControlFor(distDir: string, file: string): string {
  if (file.startsWith(path.join(distDir, 'assets') + path.sep)) return 'public, max-age=31536000, immutable';
  return 'no-cache';
}

function send(req: IncomingMessage, res: ServerResponse, file: string, entry: CachedFile, cacheControl: string): void {
  const ext = path.extname(file);
  res.setHeader('content-type', TYPES[ext] ?? 'application/octet-stream');
  res.setHeader('cache-control', cacheControl);
  res.setHeader('etag', entry.etag);
  if (entry.gzip) res.setHeader('vary', 'accept-encoding');
  const inm = req.headers['if-none-match'];
  if (inm && inm.split(',').some((t) => t.trim() === entry.etag)) {
    res.writeHead(304);
    return void res.end();
  }
  const gzip = entry.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? entry.gzip! : entry.body;
  if (gzip) res.setHeader('content-encoding', 'gzip');
  res.setHeader('content-length', body.length);
  res.writeHead(200);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${text}\n`);
}
