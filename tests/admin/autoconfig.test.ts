// Client autoconfiguration against the real server: what Thunderbird, Outlook and Apple devices
// fetch, checked element by element (servers, ports, socket types) for a local domain, and 404
// for a domain the server does not serve.
import http from 'node:http';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../server-harness.js';
import { all, one, parseXml, textOf, type XmlElement } from './xml.js';

let ts: TestServer;
let base: string;
const HOST = 'mail.ecole.example';

beforeAll(async () => {
  ts = await startTestServer({ name: 'autoconfig', hostname: HOST });
  base = `http://127.0.0.1:${ts.port('http')}`;
  await ts.accounts.addDomain('ecole.example');
  await ts.accounts.createUser({ address: 'jeanne@ecole.example', displayName: 'Jeanne Martin', password: TEST_PASSWORD });
  await ts.accounts.createUser({ address: 'off@ecole.example', password: TEST_PASSWORD, enabled: false });
}, 30_000);

afterAll(async () => {
  await ts?.stop();
});

/** fetch() will not send a Host header of our choosing; http.get does. */
function getWithHost(path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: ts.port('http'), path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => { body += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('Thunderbird autoconfig', () => {
  function checkConfig(doc: XmlElement) {
    expect(doc.name).toBe('clientConfig');
    expect(doc.attrs.version).toBe('1.1');
    const provider = one(doc, 'emailProvider');
    expect(provider.attrs.id).toBe('ecole.example');
    expect(textOf(provider, 'domain')).toBe('ecole.example');
    const servers = (tag: string) => all(provider, tag).map((s) => ({
      type: s.attrs.type, hostname: textOf(s, 'hostname'), port: Number(textOf(s, 'port')),
      socketType: textOf(s, 'socketType'), authentication: textOf(s, 'authentication'), username: textOf(s, 'username'),
    }));
    const auth = { hostname: HOST, authentication: 'password-cleartext', username: '%EMAILADDRESS%' };
    expect(servers('incomingServer')).toEqual([
      { type: 'imap', port: ts.port('imaps'), socketType: 'SSL', ...auth },
      { type: 'imap', port: ts.port('imap'), socketType: 'STARTTLS', ...auth },
    ]);
    expect(servers('outgoingServer')).toEqual([
      { type: 'smtp', port: ts.port('submissions'), socketType: 'SSL', ...auth },
      { type: 'smtp', port: ts.port('submission'), socketType: 'STARTTLS', ...auth },
    ]);
    return doc;
  }

  it('answers /.well-known/autoconfig for an address of a local domain, with DAV URLs', async () => {
    const res = await fetch(`${base}/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=Jeanne%40Ecole.example`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/xml/);
    const doc = checkConfig(parseXml(await res.text()));
    const principal = `https://${HOST}:${ts.port('https')}/dav/principals/jeanne@ecole.example/`;
    expect(textOf(one(doc, 'calendar'), 'serverURL')).toBe(principal);
    expect(one(doc, 'calendar').attrs.type).toBe('caldav');
    expect(textOf(one(doc, 'addressBook'), 'serverURL')).toBe(principal);
  });

  it('answers /mail/config-v1.1.xml on autoconfig.<domain> from the Host header alone', async () => {
    const res = await getWithHost('/mail/config-v1.1.xml', 'autoconfig.ecole.example');
    expect(res.status).toBe(200);
    checkConfig(parseXml(res.body));
  });

  it('is 404 for a domain the server does not serve, and for other paths', async () => {
    for (const url of [
      `${base}/mail/config-v1.1.xml?emailaddress=someone@elsewhere.example`,
      `${base}/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=not-an-address`,
      `${base}/.well-known/autoconfig/other.xml?emailaddress=jeanne@ecole.example`,
    ]) {
      expect((await fetch(url)).status, url).toBe(404);
    }
    expect((await getWithHost('/mail/config-v1.1.xml', 'autoconfig.elsewhere.example')).status).toBe(404);
  });
});

describe('MTA-STS policy', () => {
  it('is served on mta-sts.<local domain> only', async () => {
    const res = await getWithHost('/.well-known/mta-sts.txt', 'mta-sts.ecole.example');
    expect(res.status).toBe(200);
    expect(res.body).toBe(`version: STSv1\r\nmode: testing\r\nmx: ${HOST}\r\nmax_age: 604800\r\n`);
    expect((await getWithHost('/.well-known/mta-sts.txt', 'mta-sts.elsewhere.example')).status).toBe(404);
    expect((await getWithHost('/.well-known/mta-sts.txt', 'ecole.example')).status).toBe(404);
  });
});

describe('Outlook autodiscover', () => {
  const request = (address: string) => `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>${address}</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>`;

  it('answers the POX request with IMAP and SMTP over implicit TLS', async () => {
    for (const path of ['/autodiscover/autodiscover.xml', '/Autodiscover/Autodiscover.xml']) {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: request('jeanne@ecole.example') });
      expect(res.status, path).toBe(200);
      const doc = parseXml(await res.text());
      expect(doc.name).toBe('Autodiscover');
      expect(doc.ns).toBe('http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006');
      const response = one(doc, 'Response');
      expect(response.ns).toBe('http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a');
      const account = one(response, 'Account');
      expect(textOf(account, 'AccountType')).toBe('email');
      expect(textOf(account, 'Action')).toBe('settings');
      const protocols = Object.fromEntries(all(account, 'Protocol').map((p) => [textOf(p, 'Type'), p]));
      expect(Object.keys(protocols).sort()).toEqual(['IMAP', 'SMTP']);
      for (const [type, port] of [['IMAP', ts.port('imaps')], ['SMTP', ts.port('submissions')]] as const) {
        const p = protocols[type];
        expect(textOf(p, 'Server')).toBe(HOST);
        expect(Number(textOf(p, 'Port'))).toBe(port);
        expect(textOf(p, 'SSL')).toBe('on');
        expect(textOf(p, 'AuthRequired')).toBe('on');
        expect(textOf(p, 'LoginName')).toBe('jeanne@ecole.example');
      }
    }
  });

  it('refuses a body that is not a request, other domains and GET', async () => {
    const bad = await fetch(`${base}/autodiscover/autodiscover.xml`, { method: 'POST', body: '<not xml' });
    expect(bad.status).toBe(400);
    expect(textOf(one(one(parseXml(await bad.text()), 'Response'), 'Error'), 'ErrorCode')).toBe('600');
    const other = await fetch(`${base}/autodiscover/autodiscover.xml`, { method: 'POST', body: request('x@elsewhere.example') });
    expect(other.status).toBe(404);
    expect((await fetch(`${base}/autodiscover/autodiscover.xml`)).status).toBe(405);
  });

  it('points the JSON v2 endpoint to the POX URL', async () => {
    const res = await fetch(`${base}/autodiscover/autodiscover.json/v1.0/jeanne@ecole.example?Protocol=AutodiscoverV1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ Protocol: 'AutodiscoverV1', Url: `https://${HOST}:${ts.port('https')}/autodiscover/autodiscover.xml` });
    const query = await fetch(`${base}/autodiscover/autodiscover.json?Email=jeanne%40ecole.example&Protocol=autodiscoverv1`);
    expect(query.status).toBe(200);
    expect(((await query.json()) as { Protocol: string }).Protocol).toBe('AutodiscoverV1');
    expect((await fetch(`${base}/autodiscover/autodiscover.json/v1.0/x@elsewhere.example?Protocol=AutodiscoverV1`)).status).toBe(404);
    const ews = await fetch(`${base}/autodiscover/autodiscover.json/v1.0/jeanne@ecole.example?Protocol=Ews`);
    expect(ews.status).toBe(404);
    const nonsense = await fetch(`${base}/autodiscover/autodiscover.json/v1.0/jeanne@ecole.example?Protocol=Nope`);
    expect(nonsense.status).toBe(400);
    expect(((await nonsense.json()) as { ErrorCode: string }).ErrorCode).toBe('InvalidProtocol');
  });
});

describe('Apple configuration profile', () => {
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  function plistValue(el: XmlElement): unknown {
    switch (el.name) {
      case 'dict': {
        const out: Record<string, unknown> = {};
        for (let i = 0; i < el.children.length; i += 2) out[el.children[i].text] = plistValue(el.children[i + 1]);
        return out;
      }
      case 'array': return el.children.map(plistValue);
      case 'integer': return Number(el.text);
      case 'true': return true;
      case 'false': return false;
      default: return el.text;
    }
  }

  it('asks for a login, refuses a wrong password and a disabled account', async () => {
    const none = await fetch(`${base}/mobileconfig`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect((await fetch(`${base}/mobileconfig`, { headers: { authorization: basic('jeanne@ecole.example', 'wrong password') } })).status).toBe(401);
    expect((await fetch(`${base}/mobileconfig`, { headers: { authorization: basic('off@ecole.example', TEST_PASSWORD) } })).status).toBe(403);
  });

  it('gives a logged-in user (over HTTPS) a profile with mail, CalDAV and CardDAV', async () => {
    const { status, headers, body } = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: ts.port('https'), path: '/mobileconfig', rejectUnauthorized: false,
        headers: { authorization: basic('Jeanne@ecole.example', TEST_PASSWORD) } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c) => { text += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      }).on('error', reject);
    });
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('application/x-apple-aspen-config');
    expect(body).not.toContain(TEST_PASSWORD);
    const profile = plistValue(one(parseXml(body), 'dict')) as Record<string, any>;
    expect(profile.PayloadType).toBe('Configuration');
    const byType = Object.fromEntries((profile.PayloadContent as Record<string, any>[]).map((p) => [p.PayloadType, p]));
    expect(Object.keys(byType).sort()).toEqual(['com.apple.caldav.account', 'com.apple.carddav.account', 'com.apple.mail.managed']);
    expect(byType['com.apple.mail.managed']).toMatchObject({
      EmailAddress: 'jeanne@ecole.example', EmailAccountName: 'Jeanne Martin', EmailAccountType: 'EmailTypeIMAP',
      IncomingMailServerHostName: HOST, IncomingMailServerPortNumber: ts.port('imaps'), IncomingMailServerUseSSL: true,
      OutgoingMailServerHostName: HOST, OutgoingMailServerPortNumber: ts.port('submissions'), OutgoingMailServerUseSSL: true,
      IncomingMailServerUsername: 'jeanne@ecole.example',
    });
    expect(byType['com.apple.caldav.account']).toMatchObject({
      CalDAVHostName: HOST, CalDAVPort: ts.port('https'), CalDAVUseSSL: true, CalDAVPrincipalURL: '/dav/principals/jeanne@ecole.example/',
    });
    expect(byType['com.apple.carddav.account']).toMatchObject({ CardDAVHostName: HOST, CardDAVPort: ts.port('https') });
    // Every payload has its own UUID, stable across downloads.
    const uuids = [profile.PayloadUUID, ...Object.values(byType).map((p: any) => p.PayloadUUID)];
    expect(new Set(uuids).size).toBe(4);
    const again = await fetch(`${base}/mobileconfig`, { headers: { authorization: basic('jeanne@ecole.example', TEST_PASSWORD) } });
    expect(await again.text()).toBe(body);
  });
});
