// A webmail API client for the tests: fetch over 127.0.0.1 with a cookie jar of one cookie and
// the CSRF header, as the browser app sends them.
import http from 'node:http';

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export class WebClient {
  cookie = '';
  csrf = '';
  setCookie: string[] = [];

  constructor(readonly base: string) {}

  async login(address: string, password: string): Promise<Reply> {
    const r = await this.request('POST', '/api/session', { address, password });
    if (r.status === 200) this.csrf = r.body.csrf;
    return r;
  }

  /** `csrf: false` leaves the header out; a string sends that value instead. */
  async request(method: string, path: string, body?: unknown, options: { csrf?: boolean | string; raw?: string; contentType?: string } = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    const csrf = options.csrf ?? true;
    if (csrf !== false && method !== 'GET') headers['x-csrf-token'] = typeof csrf === 'string' ? csrf : this.csrf;
    let payload: string | undefined;
    if (options.raw !== undefined) payload = options.raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const res = await fetch(`${this.base}${path}`, { method, headers, body: payload, redirect: 'manual' });
    this.setCookie = res.headers.getSetCookie();
    for (const c of this.setCookie) {
      const [pair] = c.split(';');
      if (pair.startsWith('facteur_session=')) this.cookie = pair.endsWith('=') ? '' : pair;
    }
    const text = await res.text();
    let parsed: unknown = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  get(path: string) { return this.request('GET', path); }
  post(path: string, body: unknown = {}) { return this.request('POST', path, body); }

  /** Opens /api/events; `events` fills as they come. */
  openEvents(): Promise<EventStream> {
    return new Promise((resolve, reject) => {
      const req = http.get(`${this.base}/api/events`, { headers: { cookie: this.cookie, accept: 'text/event-stream' } }, (res) => {
        const stream: EventStream = { status: res.statusCode ?? 0, events: [], close: () => req.destroy(), ended: new Promise((r) => res.once('close', r)), raw: '' };
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          stream.raw += chunk;
          buffer += chunk;
          let cut;
          while ((cut = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event) stream.events.push({ event, data: data ? JSON.parse(data) : null });
          }
        });
        resolve(stream);
      });
      req.on('error', reject);
    });
  }
}

export interface EventStream {
  status: number;
  events: { event: string; data: any }[];
  raw: string;
  close(): void;
  ended: Promise<unknown>;
}

/** Polls `check` until it returns a truthy value (or throws after `ms`). */
export async function eventually<T>(check: () => T | Promise<T>, ms = 5000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
