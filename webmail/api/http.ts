// Request and response plumbing for the API: JSON bodies with a size limit, cookies, query
// parameters read with checks.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ClientGone, Errors, jsonHeaders } from './errors.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...jsonHeaders(), ...headers }).end(status === 204 ? undefined : JSON.stringify(body));
}

/** Reads a JSON body. 415 unless application/json, 413 past `limit` (the connection is then
 *  closed rather than read to the end), 400 if it does not parse or is not an object,
 *  ClientGone if the client drops the request before its end. */
export async function readJson(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw Errors.unsupportedMediaType();
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    res.setHeader('connection', 'close');
    throw Errors.tooLarge(limit);
  }
  // A request dropped before the handler asked for its body emits nothing more.
  if (req.destroyed) throw new ClientGone();
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        res.setHeader('connection', 'close');
        reject(Errors.tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', resolve);
    // The request stream fails only when its connection does (reset, closed mid-body).
    req.once('error', (err) => reject(new ClientGone(err)));
    req.once('close', () => reject(new ClientGone()));
  });
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw Errors.badRequest('The body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw Errors.badRequest('The body must be a JSON object');
  return value as Record<string, unknown>;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

export function isHttps(req: IncomingMessage): boolean {
  return (req.socket as TLSSocket).encrypted === true;
}

// ------------------------------------------------------------ field readers (400 on bad input)

export function str(body: Record<string, unknown>, field: string, options: { optional?: boolean; max?: number } = {}): string {
  const v = body[field];
  if (v === undefined || v === null) {
    if (options.optional) return '';
    throw Errors.invalid(`"${field}" is required`, field);
  }
  if (typeof v !== 'string') throw Errors.invalid(`"${field}" must be a string`, field);
  if (options.max !== undefined && v.length > options.max) throw Errors.invalid(`"${field}" is too long (at most ${options.max} characters)`, field);
  return v;
}

export function strList(body: Record<string, unknown>, field: string, max = 1000): string[] {
  const v = body[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw Errors.invalid(`"${field}" must be an array of strings`, field);
  if (v.length > max) throw Errors.invalid(`"${field}" has too many entries (at most ${max})`, field);
  return v as string[];
}

export function uidList(body: Record<string, unknown>, field = 'uids', max = 5000): number[] {
  const v = body[field];
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => !Number.isSafeInteger(x) || (x as number) < 1)) {
    throw Errors.invalid(`"${field}" must be a non-empty array of message uids`, field);
  }
  if (v.length > max) throw Errors.invalid(`"${field}" has too many entries (at most ${max})`, field);
  return [...new Set(v as number[])].sort((a, b) => a - b);
}

export function bool(body: Record<string, unknown>, field: string): boolean {
  const v = body[field];
  if (typeof v !== 'boolean') throw Errors.invalid(`"${field}" must be true or false`, field);
  return v;
}

export function queryInt(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw Errors.invalid(`"${name}" must be a whole number`, name);
  return Math.min(max, Math.max(min, Number(raw)));
}

export function queryEnum<T extends string>(url: URL, name: string, values: readonly T[], fallback: T): T {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) throw Errors.invalid(`"${name}" must be one of ${values.join(', ')}`, name);
  return raw as T;
}
