// GET /healthz and GET /metrics, served on every HTTP listener.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';
import type { HttpRoute } from './route.js';

/** A check that the store answers; resolves when healthy. */
export type HealthProbe = () => Promise<unknown>;

/** 200 {"status":"ok"} while `probe` resolves within `timeoutMs`, 503 otherwise. The
 *  reason goes to the log, not to the (possibly public) response. */
export function healthRoute(probe: HealthProbe, log: Logger, timeoutMs = 2000): HttpRoute {
  return {
    prefix: '/healthz',
    name: 'healthz',
    async handle(req, res) {
      if (!exactly(req, res, '/healthz')) return;
      let healthy = true;
      try {
        await withTimeout(probe(), timeoutMs);
      } catch (err) {
        healthy = false;
        log.warn({ err }, 'health check failed');
      }
      json(res, healthy ? 200 : 503, { status: healthy ? 'ok' : 'unavailable' }, req.method === 'HEAD');
    },
  };
}

export function metricsRoute(registry: Registry): HttpRoute {
  return {
    prefix: '/metrics',
    name: 'metrics',
    async handle(req, res) {
      if (!exactly(req, res, '/metrics')) return;
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
  };
}

/** Answers 404 below the path and 405 for methods other than GET and HEAD; true to go on. */
function exactly(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return false;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    return false;
  }
  return true;
}

function json(res: ServerResponse, status: number, body: unknown, headOnly: boolean): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(headOnly ? undefined : text);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
