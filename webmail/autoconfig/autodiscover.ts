// Outlook's autodiscover: the POX protocol ([MS-OXDSCLI]: POST /autodiscover/autodiscover.xml
// with the address, answered in the outlook/responseschema/2006a schema), and the JSON
// "v2" endpoint newer Outlook versions ask first, which only points to the POX URL
// (GET /autodiscover/autodiscover.json/v1.0/<address>?Protocol=AutodiscoverV1).
import { SaxesParser } from 'saxes';
import { httpsBase, type ClientSettings } from '../../core/clients/index.js';
import { el, indent } from './xml.js';

export const RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
export const OUTLOOK_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

/** The EMailAddress of a POX request, or null when the body is not such a request. */
export function parsePoxRequest(body: string): string | null {
  const parser = new SaxesParser({ xmlns: true });
  const path: string[] = [];
  let address: string | null = null;
  let text = '';
  parser.on('opentag', (tag) => {
    path.push(tag.local ?? tag.name);
    text = '';
  });
  parser.on('text', (t) => { text += t; });
  parser.on('closetag', () => {
    // The namespace of the request varies across Outlook versions (outlook/requestschema/2006,
    // mobilesync/...): the element's place in the document is what counts.
    if (path.join('/') === 'Autodiscover/Request/EMailAddress') address = text.trim();
    path.pop();
  });
  try {
    parser.write(body).close();
  } catch {
    return null;
  }
  return address;
}

function protocol(type: 'IMAP' | 'SMTP', hostname: string, port: number, address: string): string[] {
  return [
    '<Protocol>',
    ...indent([
      el('Type', type),
      el('Server', hostname),
      el('Port', port),
      el('DomainRequired', 'off'),
      el('LoginName', address),
      el('SPA', 'off'),
      // Implicit TLS on both ports (RFC 8314): SSL "on" means TLS from the first byte.
      el('SSL', 'on'),
      el('AuthRequired', 'on'),
      ...(type === 'SMTP' ? [el('UsePOPAuth', 'on'), el('SMTPLast', 'off')] : []),
    ]),
    '</Protocol>',
  ];
}

export function poxResponse(settings: ClientSettings, address: string): string {
  const { hostname, ports } = settings;
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<Autodiscover xmlns="${RESPONSE_NS}">`,
    ...indent([
      `<Response xmlns="${OUTLOOK_NS}">`,
      ...indent([
        '<Account>',
        ...indent([
          el('AccountType', 'email'),
          el('Action', 'settings'),
          ...protocol('IMAP', hostname, ports.imaps, address),
          ...protocol('SMTP', hostname, ports.submissions, address),
        ]),
        '</Account>',
      ]),
      '</Response>',
    ]),
    '</Autodiscover>',
  ];
  return `${lines.join('\n')}\n`;
}

/** The error answer of the POX protocol (ErrorCode 600: invalid request). */
export function poxError(message: string): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<Autodiscover xmlns="${RESPONSE_NS}">`,
    '  <Response>',
    `    <Error Time="${new Date().toISOString().slice(11, 19)}" Id="0">`,
    `      ${el('ErrorCode', 600)}`,
    `      ${el('Message', message)}`,
    '      <DebugData />',
    '    </Error>',
    '  </Response>',
    '</Autodiscover>',
    '',
  ].join('\n');
}

/** The JSON v2 answer for AutodiscoverV1: where the POX endpoint is. */
export function jsonV1Pointer(settings: ClientSettings): { Protocol: string; Url: string } {
  return { Protocol: 'AutodiscoverV1', Url: `${httpsBase(settings)}/autodiscover/autodiscover.xml` };
}
