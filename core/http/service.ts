// The HTTP and HTTPS listeners: one route table served on both, TLS 1.2 or later on HTTPS.
// Other services (DAV, webmail) mount their routes before start().
import http from 'node:http';
import https from 'node:https';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { closeServer, listenOn, type Listener, type Service } from '../service.js';
import { createRequestHandler } from './router.js';
import { RouteTable, type HttpRoute } from './route.js';

export interface HttpServiceOptions {
  host: string;
  httpPort: number;
  httpsPort: number;
  tls: { cert: string; key: string };
  log: Logger;
  metrics: Metrics;
}

export interface HttpService extends Service {
  mount(route: HttpRoute): void;
}

export function createHttpService(options: HttpServiceOptions): HttpService {
  const routes = new RouteTable();
  const servers: (http.Server | https.Server)[] = [];
  let secureServer: https.Server | null = null;

  return {
    name: 'http',
    mount: (route) => routes.mount(route),

    async start() {
      const handler = createRequestHandler(routes, options);
      const plain = http.createServer(handler);
      const secure = https.createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, handler);
      secureServer = secure;
      // A failed handshake is the client's problem (scanners, wrong protocol): note it, go on.
      secure.on('tlsClientError', (err) => options.log.debug({ err: err.message }, 'TLS handshake failed'));
      const listeners: Listener[] = [];
      for (const [name, server, port] of [['http', plain, options.httpPort], ['https', secure, options.httpsPort]] as const) {
        listeners.push(await listenOn(server, { name, host: options.host, port }));
        servers.push(server);
      }
      return { listeners };
    },

    reloadTls(tls) {
      secureServer?.setSecureContext({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' });
    },

    async stop(graceMs) {
      // Node closes idle keep-alive connections on close(); requests in flight get graceMs.
      await Promise.all(servers.map((s) => closeServer(s, graceMs, () => s.closeAllConnections())));
      servers.length = 0;
    },
  };
}
