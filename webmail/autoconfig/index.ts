// Client autoconfiguration over HTTP: Thunderbird's autoconfig file, Outlook's autodiscover
// (POX and the JSON pointer) and an Apple profile for a logged-in user. Mounted by server.ts
// on the shared HTTP service; every answer comes from one ClientSettings value.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../../core/auth/index.js';
import { mtaStsPolicy, type ClientSettings } from '../../core/clients/index.js';
import { BASIC_CHALLENGE, BodyTooLarge, isSecureChannel, parseBasicAuth, readBody, type HttpRoute } from '../../core/http/index.js';
import type { Logger } from '../../core/log.js';
import type { AccountStore } from '../../storage/index.js';
import { jsonV1Pointer, parsePoxRequest, poxError, poxResponse } from './autodiscover.js';
import { localDomainOf, localDomainOfHost, parseAddress } from './lookup.js';
import { mobileconfig } from './mobileconfig.js';
import { thunderbirdConfig } from './thunderbird.js';

export interface AutoconfigDeps {
  accounts: Pick<AccountStore, 'getDomain'>;
  authenticator: Pick<Authenticator, 'authenticate'>;
  /** Read per request: the ports bound are only known once the listeners run. */
  settings: () => ClientSettings;
  log: Logger;
}

export const MOBILECONFIG_PATH = '/mobileconfig';
const POX_MAX_BYTES = 16 * 1024;
const XML = 'application/xml; charset=utf-8';

export function createAutoconfigRoutes(deps: AutoconfigDeps): HttpRoute[] {
  const thunderbird: HttpRoute['handle'] = async (req, res) => {
    if (!getOnly(req, res)) return;
    const url = requestUrl(req);
    const address = parseAddress(url.searchParams.get('emailaddress'));
    const domain = address ? await localDomainOf(deps.accounts, address) : await localDomainOfHost(deps.accounts, req);
    if (!domain) return notFound(res);
    send(res, 200, XML, thunderbirdConfig(deps.settings(), domain, address), req.method === 'HEAD');
  };

  const autodiscover: HttpRoute['handle'] = async (req, res) => {
    const url = requestUrl(req);
    const path = url.pathname.toLowerCase();
    if (path === '/autodiscover/autodiscover.xml') return pox(req, res);
    if (path === '/autodiscover/autodiscover.json' || path.startsWith('/autodiscover/autodiscover.json/')) return jsonV2(req, res, url);
    notFound(res);
  };

  const pox = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('use POST\n');
    let body: Buffer;
    try {
      body = await readBody(req, POX_MAX_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLarge) return send(res, 413, 'text/plain', 'request too large\n');
      throw err;
    }
    const address = parseAddress(parsePoxRequest(body.toString('utf8')));
    if (!address) return send(res, 400, XML, poxError('Invalid Request'));
    const domain = await localDomainOf(deps.accounts, address);
    if (!domain) return notFound(res);
    send(res, 200, XML, poxResponse(deps.settings(), address));
  };

  const jsonV2 = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (!getOnly(req, res)) return;
    // /autodiscover/autodiscover.json/v1.0/<address>?Protocol=... or ?Email=<address>&Protocol=...
    const tail = url.pathname.split('/').slice(4);
    const raw = tail.length > 0 ? tail.join('/') : url.searchParams.get('Email');
    const address = parseAddress(safeDecode(raw));
    const wanted = (url.searchParams.get('Protocol') ?? '').toLowerCase();
    if (!address) return sendJson(res, 400, { ErrorCode: 'InvalidUser', ErrorMessage: 'a valid email address is required' });
    if (!(await localDomainOf(deps.accounts, address))) return notFound(res);
    if (wanted === 'autodiscoverv1') return sendJson(res, 200, jsonV1Pointer(deps.settings()));
    // Exchange's own protocols (EWS, ActiveSync, REST) are not served: IMAP/SMTP come from POX.
    if (['ews', 'activesync', 'rest'].includes(wanted)) return sendJson(res, 404, { ErrorCode: 'ProtocolNotSupported', ErrorMessage: `protocol ${wanted} is not offered; use AutodiscoverV1` });
    sendJson(res, 400, { ErrorCode: 'InvalidProtocol', ErrorMessage: `The given protocol value '${url.searchParams.get('Protocol') ?? ''}' is invalid. Supported values are 'AutodiscoverV1'` });
  };

  const profile: HttpRoute['handle'] = async (req, res) => {
    if (!getOnly(req, res)) return;
    if (requestUrl(req).pathname !== MOBILECONFIG_PATH) return notFound(res);
    // The password travels in the request: only over TLS, or on this machine.
    if (!isSecureChannel(req)) {
      return send(res, 403, 'text/plain', 'use HTTPS to download a configuration profile\n');
    }
    const credentials = parseBasicAuth(req.headers.authorization);
    if (!credentials) return challenge(res);
    const result = await deps.authenticator.authenticate({
      ...credentials, protocol: 'webmail', ip: req.socket.remoteAddress ?? '', client: req.headers['user-agent'] ?? null,
    });
    if (!result.ok) {
      if (result.reason === 'throttled') {
        res.writeHead(429, { 'retry-after': String(Math.ceil(result.retryAfterMs / 1000)), 'content-type': 'text/plain' });
        return void res.end('too many failed logins; try again later\n');
      }
      if (result.reason === 'disabled') return send(res, 403, 'text/plain', 'this account is disabled\n');
      return challenge(res);
    }
    const user = result.user;
    res.writeHead(200, {
      'content-type': 'application/x-apple-aspen-config',
      'content-disposition': `attachment; filename="${user.address.replace(/[^a-z0-9@._-]/g, '_')}.mobileconfig"`,
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : mobileconfig(deps.settings(), user));
    deps.log.info({ user: user.address }, 'configuration profile downloaded');
  };

  return [
    { prefix: '/.well-known/autoconfig', name: 'autoconfig', handle: (req, res) => {
      if (requestUrl(req).pathname !== '/.well-known/autoconfig/mail/config-v1.1.xml') return notFound(res);
      return thunderbird(req, res);
    } },
    { prefix: '/mail/config-v1.1.xml', name: 'autoconfig', handle: thunderbird },
    // Outlook spells the path either way.
    { prefix: '/autodiscover', name: 'autodiscover', handle: autodiscover },
    { prefix: '/Autodiscover', name: 'autodiscover', handle: autodiscover },
    { prefix: MOBILECONFIG_PATH, name: 'mobileconfig', handle: profile },
    // RFC 8461 §3.3: the policy of <domain> is fetched from https://mta-sts.<domain>/...
    { prefix: '/.well-known/mta-sts.txt', name: 'mta-sts', handle: async (req, res) => {
      if (!getOnly(req, res)) return;
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!host.startsWith('mta-sts.') || !(await localDomainOfHost(deps.accounts, req, 'mta-sts.'))) return notFound(res);
      send(res, 200, 'text/plain; charset=utf-8', mtaStsPolicy(deps.settings()), req.method === 'HEAD');
    } },
  ];
}

function requestUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? '/', 'http://localhost');
}

function getOnly(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
  return false;
}

function send(res: ServerResponse, status: number, type: string, body: string, headOnly = false): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-cache' });
  res.end(headOnly ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
}

function notFound(res: ServerResponse): void {
  send(res, 404, 'text/plain', 'not found\n');
}

function challenge(res: ServerResponse): void {
  res.writeHead(401, { 'www-authenticate': BASIC_CHALLENGE, 'content-type': 'text/plain' });
  res.end('log in with your address and password\n');
}

function safeDecode(text: string | null): string | null {
  try {
    return text === null ? null : decodeURIComponent(text);
  } catch {
    return null;
  }
}
