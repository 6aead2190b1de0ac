// Thunderbird's autoconfiguration file (clientConfig version 1.1). The format is described on
// the Mozilla wiki ("Thunderbird:Autoconfiguration:ConfigFileFormat"): one emailProvider with
// incoming and outgoing servers in order of preference, then optional addressBook and calendar
// entries (read by Thunderbird 102 and later). Implicit TLS is listed first (RFC 8314 §3.3
// recommends it over STARTTLS); the STARTTLS ports follow as fall-backs.
import { davPrincipalPath, httpsBase, type ClientSettings } from '../../core/clients/index.js';
import { el, indent } from './xml.js';

function server(tag: 'incomingServer' | 'outgoingServer', type: string, hostname: string, port: number, socketType: 'SSL' | 'STARTTLS'): string[] {
  return [
    `<${tag} type="${type}">`,
    ...indent([
      el('hostname', hostname),
      el('port', port),
      el('socketType', socketType),
      el('authentication', 'password-cleartext'),
      // Thunderbird substitutes the address the user typed.
      el('username', '%EMAILADDRESS%'),
    ]),
    `</${tag}>`,
  ];
}

function dav(tag: 'addressBook' | 'calendar', type: string, url: string): string[] {
  return [
    `<${tag} type="${type}">`,
    ...indent([el('username', '%EMAILADDRESS%'), el('authentication', 'http-basic'), el('serverURL', url)]),
    `</${tag}>`,
  ];
}

export function thunderbirdConfig(settings: ClientSettings, domain: string, address: string | null): string {
  const { hostname, ports } = settings;
  // The principal of the address asked about when there is one; otherwise /dav/, from which
  // discovery (current-user-principal) finds it after login.
  const davUrl = `${httpsBase(settings)}${address ? davPrincipalPath(address) : '/dav/'}`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<clientConfig version="1.1">',
    ...indent([
      `<emailProvider id="${domain}">`,
      ...indent([
        el('domain', domain),
        el('displayName', `${domain} (Facteur)`),
        el('displayShortName', domain),
        ...server('incomingServer', 'imap', hostname, ports.imaps, 'SSL'),
        ...server('incomingServer', 'imap', hostname, ports.imap, 'STARTTLS'),
        ...server('outgoingServer', 'smtp', hostname, ports.submissions, 'SSL'),
        ...server('outgoingServer', 'smtp', hostname, ports.submission, 'STARTTLS'),
      ]),
      '</emailProvider>',
      ...dav('addressBook', 'carddav', davUrl),
      ...dav('calendar', 'caldav', davUrl),
    ]),
    '</clientConfig>',
  ];
  return `${lines.join('\n')}\n`;
}
