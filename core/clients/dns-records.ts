// Every DNS record a mail domain served here needs, as data and as zone-file text: mail routing
// (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT) and client discovery (autoconfig and autodiscover
// host names, SRV records of RFC 6186 for mail and RFC 6764 for CalDAV/CardDAV).
import { createHash } from 'node:crypto';
import { txtStrings } from '../dkim/record.js';
import type { ClientSettings } from './settings.js';

export interface DnsRecord {
  /** Fully qualified, without the final dot. */
  name: string;
  type: 'MX' | 'TXT' | 'CNAME' | 'SRV';
  /** Record data as written in a zone file, TXT text unquoted. */
  value: string;
  comment?: string;
}

/** The MTA-STS policy (RFC 8461 §3.2), served at https://mta-sts.<domain>/.well-known/mta-sts.txt.
 *  "testing" first: receivers report failures (TLS-RPT) without refusing mail; switch to
 *  "enforce" once the reports are clean. */
export function mtaStsPolicy(settings: ClientSettings, mode: 'testing' | 'enforce' = 'testing'): string {
  return `version: STSv1\r\nmode: ${mode}\r\nmx: ${settings.hostname}\r\nmax_age: 604800\r\n`;
}

/** RFC 8461 §3.1: the id must change whenever the policy does; a hash of it does exactly that. */
export function mtaStsId(policy: string): string {
  return createHash('sha256').update(policy).digest('hex').slice(0, 32);
}

export function domainRecords(domain: string, settings: ClientSettings, dkim: { name: string; value: string; selector: string }[]): DnsRecord[] {
  const host = settings.hostname;
  const { ports } = settings;
  const srv = (service: string, priority: number, port: number, comment: string): DnsRecord =>
    ({ name: `_${service}._tcp.${domain}`, type: 'SRV', value: `${priority} 1 ${port} ${host}.`, comment });
  // RFC 2782: target "." says the service is decidedly not offered, so clients stop looking.
  const none = (service: string, comment: string): DnsRecord => ({ name: `_${service}._tcp.${domain}`, type: 'SRV', value: '0 0 0 .', comment });
  const policy = mtaStsPolicy(settings);
  return [
    { name: domain, type: 'MX', value: `10 ${host}.`, comment: `mail for ${domain} goes to ${host} (which needs A/AAAA records)` },
    { name: domain, type: 'TXT', value: 'v=spf1 mx -all', comment: 'SPF: only the MX host sends for the domain' },
    ...(dkim.length > 0
      ? dkim.map((k) => ({ name: k.name, type: 'TXT' as const, value: k.value, comment: `DKIM key ${k.selector}` }))
      : []),
    { name: `_dmarc.${domain}`, type: 'TXT', value: `v=DMARC1; p=none; rua=mailto:postmaster@${domain}`,
      comment: 'DMARC: start with p=none, read the reports, then quarantine and reject' },
    { name: `_mta-sts.${domain}`, type: 'TXT', value: `v=STSv1; id=${mtaStsId(policy)}`, comment: 'MTA-STS (RFC 8461); the id changes with the policy' },
    { name: `mta-sts.${domain}`, type: 'CNAME', value: `${host}.`, comment: 'serves the MTA-STS policy over HTTPS (its certificate must name this host)' },
    { name: `_smtp._tls.${domain}`, type: 'TXT', value: `v=TLSRPTv1; rua=mailto:postmaster@${domain}`, comment: 'TLS reports (RFC 8460)' },
    { name: `autoconfig.${domain}`, type: 'CNAME', value: `${host}.`, comment: 'Thunderbird autoconfiguration' },
    { name: `autodiscover.${domain}`, type: 'CNAME', value: `${host}.`, comment: 'Outlook autodiscover' },
    srv('autodiscover', 0, ports.https, 'Outlook autodiscover'),
    // RFC 8314 §5.1: implicit TLS preferred (lower priority number) over STARTTLS.
    srv('submissions', 0, ports.submissions, 'mail submission, implicit TLS (RFC 8314)'),
    srv('submission', 10, ports.submission, 'mail submission, STARTTLS (RFC 6186)'),
    srv('imaps', 0, ports.imaps, 'IMAP, implicit TLS'),
    srv('imap', 10, ports.imap, 'IMAP, STARTTLS'),
    none('pop3', 'no POP3 (RFC 6186 §3.4)'),
    none('pop3s', 'no POP3'),
    srv('caldavs', 0, ports.https, 'CalDAV over HTTPS (RFC 6764)'),
    { name: `_caldavs._tcp.${domain}`, type: 'TXT', value: 'path=/dav/', comment: 'where CalDAV discovery starts (RFC 6764 §4)' },
    srv('carddavs', 0, ports.https, 'CardDAV over HTTPS (RFC 6764)'),
    { name: `_carddavs._tcp.${domain}`, type: 'TXT', value: 'path=/dav/', comment: 'where CardDAV discovery starts' },
    none('caldav', 'no CalDAV without TLS'),
    none('carddav', 'no CardDAV without TLS'),
  ];
}

/** Zone-file lines, names fully qualified; long TXT values split into 255-octet strings. */
export function formatZone(records: DnsRecord[]): string {
  const width = Math.max(...records.map((r) => r.name.length + 1));
  return records.map((r) => {
    const data = r.type === 'TXT' ? txtData(r.value) : r.value;
    const line = `${`${r.name}.`.padEnd(width)}  3600 IN ${r.type.padEnd(5)} ${data}`;
    return r.comment ? `${line}  ; ${r.comment}` : line;
  }).join('\n');
}

function txtData(value: string): string {
  const parts = txtStrings(value).map((s) => `"${s.replace(/(["\\])/g, '\\$1')}"`);
  return parts.length === 1 ? parts[0] : `( ${parts.join(' ')} )`;
}
