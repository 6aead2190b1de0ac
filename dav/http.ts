// Reading XML bodies with a limit, and writing the replies every method shares. Bodies are
// read by core's readBody; its BodyTooLarge becomes 413 in errors.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../core/http/index.js';
import { DavError } from './errors.js';
import { DAV } from './xml/names.js';
import { parseXml, type XmlElement } from './xml/parse.js';
import { el, serialize, type XNode } from './xml/write.js';

/** The XML body, or null when there is none. BodyTooLarge past `limit` bytes. */
export async function readXml(req: IncomingMessage, limit: number): Promise<XmlElement | null> {
  const body = (await readBody(req, limit)).toString('utf8');
  if (body.trim() === '') return null;
  return parseXml(body);
}

export function sendXml(res: ServerResponse, status: number, root: XNode, headers: Record<string, string> = {}): void {
  const text = serialize(root);
  res.writeHead(status, { 'content-type': 'application/xml; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = `${text}\n`;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

export function sendError(res: ServerResponse, error: DavError, head = false): void {
  if (res.headersSent) return void res.destroy();
  if (error.condition && !head) return sendXml(res, error.status, el(DAV, 'error', error.condition), error.headers);
  if (head) {
    res.writeHead(error.status, error.headers).end();
    return;
  }
  sendText(res, error.status, error.message, error.headers);
}

export function empty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': '0', ...headers });
  res.end();
}
