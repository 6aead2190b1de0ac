// How handlers share the HTTP listener: each registers a path prefix. DAV mounts '/dav',
// webmail '/' and so on; the health and metrics routes are mounted by the HTTP service itself.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HttpRoute {
  /** The path the route owns, with everything below it: '/dav' takes '/dav' and '/dav/x' but
   *  not '/davx'; '/' takes whatever no other route does. The longest matching prefix wins. */
  prefix: string;
  /** Label for metrics and logs (bounded, unlike paths); defaults to the prefix. */
  name?: string;
  /** Must answer (or destroy) the response. A throw or rejection becomes a 500, logged once. */
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

export class RouteTable {
  private readonly routes: HttpRoute[] = [];

  mount(route: HttpRoute): void {
    const prefix = normalize(route.prefix);
    if (this.routes.some((r) => normalize(r.prefix) === prefix)) {
      throw new Error(`HTTP route ${prefix} is mounted twice`);
    }
    this.routes.push(route);
    this.routes.sort((a, b) => normalize(b.prefix).length - normalize(a.prefix).length);
  }

  /** The route owning `pathname` (already decoded from the request target), or null. */
  match(pathname: string): HttpRoute | null {
    for (const route of this.routes) {
      const prefix = normalize(route.prefix);
      if (prefix === '/' || pathname === prefix || pathname.startsWith(`${prefix}/`)) return route;
    }
    return null;
  }
}

/** '/dav/' and 'dav' mean '/dav'. */
function normalize(prefix: string): string {
  return `/${prefix.replace(/^\/+|\/+$/g, '')}`;
}
