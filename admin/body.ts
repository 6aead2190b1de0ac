// Reading and checking JSON bodies and query parameters: a wrong type is a 400 naming the field.
import type { IncomingMessage } from 'node:http';
import { Invalid } from '../core/errors.js';
import { readBody } from '../core/http/index.js';
import { HttpError } from './errors.js';

const MAX_BODY = 1024 * 1024;

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req, MAX_BODY);
  if (raw.length === 0) return {};
  if (!/^application\/(.+\+)?json\b/i.test(req.headers['content-type'] ?? 'application/json')) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send JSON (content-type: application/json)');
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'BAD_JSON', 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'BAD_JSON', 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

export function optString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new Invalid(`${field} must be a string`, field);
  return v;
}

export function optNullableString(body: Record<string, unknown>, field: string): string | null | undefined {
  return body[field] === null ? null : optString(body, field);
}

export function optBoolean(body: Record<string, unknown>, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new Invalid(`${field} must be true or false`, field);
  return v;
}

export function optStringList(body: Record<string, unknown>, field: string): string[] | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Invalid(`${field} must be a list of strings`, field);
  return v as string[];
}

export function reqString(body: Record<string, unknown>, field: string): string {
  const v = optString(body, field);
  if (v === undefined) throw new Invalid(`${field} is required`, field);
  return v;
}

/** A positive integer query parameter within bounds, or the default. */
export function queryInt(query: URLSearchParams, name: string, def: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Invalid(`${name} must be an integer from 1 to ${max}`, name);
  return n;
}
