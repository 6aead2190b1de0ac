// The request handler both listeners (HTTP and HTTPS) share: finds the route, counts the
// request for /metrics, and turns a handler fault into a 500 logged once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { RouteTable } from './route.js';

// Known methods keep the metric's label set bounded (HTTP plus the WebDAV/CalDAV ones).
const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'PROPFIND', 'PROPPATCH',
  'REPORT', 'MKCOL', 'MKCALENDAR', 'COPY', 'MOVE', 'LOCK', 'UNLOCK']);

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createRequestHandler(routes: RouteTable, deps: { log: Logger; metrics: Metrics }): RequestHandler {
  const requests = deps.metrics.counter({
    name: 'facteur_http_requests_total',
    help: 'HTTP requests answered, by route, method and status code.',
    labelNames: ['route', 'method', 'code'] as const,
  });
  const duration = deps.metrics.histogram({
    name: 'facteur_http_request_duration_seconds',
    help: 'Time from request to the end of the response, by route.',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.025, 0.1, 0.5, 2, 10, 60],
  });

  return (req, res) => {
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      return void res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request target\n');
    }
    const route = routes.match(pathname);
    const name = route ? (route.name ?? route.prefix) : 'none';
    const end = duration.startTimer({ route: name });
    res.once('close', () => {
      end();
      requests.inc({ route: name, method: methods.has(req.method ?? '') ? req.method : 'other', code: String(res.statusCode) });
    });
    if (!route) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');

    const fail = (err: unknown) => {
      deps.log.error({ err, route: name, method: req.method, path: pathname }, 'HTTP handler failed');
      if (res.headersSent) res.destroy();
      else res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
    };
    try {
      const done = route.handle(req, res);
      if (done) done.catch(fail);
    } catch (err) {
      fail(err);
    }
  };
}
