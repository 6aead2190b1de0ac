// An Apple configuration profile (.mobileconfig) with a mail account (com.apple.mail.managed),
// a CalDAV and a CardDAV account, per Apple's "Configuration Profile Reference". No password
// is put in it: the device asks once on install, so the file is harmless if it leaks.
// Payload UUIDs are derived from the user and the host (name-based, RFC 9562 §5.5): downloading
// the profile again replaces the installed one instead of adding a second account.
import { createHash } from 'node:crypto';
import { davPrincipalPath, type ClientSettings } from '../../core/clients/index.js';
import type { User } from '../../storage/index.js';
import { escapeXml, indent } from './xml.js';

type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

function plist(value: PlistValue): string[] {
  if (typeof value === 'string') return [`<string>${escapeXml(value)}</string>`];
  if (typeof value === 'number') return [`<integer>${value}</integer>`];
  if (typeof value === 'boolean') return [value ? '<true/>' : '<false/>'];
  if (Array.isArray(value)) return ['<array>', ...indent(value.flatMap(plist)), '</array>'];
  return ['<dict>', ...indent(Object.entries(value).flatMap(([k, v]) => [`<key>${escapeXml(k)}</key>`, ...plist(v)])), '</dict>'];
}

// The URL namespace of RFC 9562 §6.6.
const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/** Version 5 (SHA-1, name-based) UUID of `name` in the URL namespace. */
export function nameUuid(name: string): string {
  const hash = createHash('sha1').update(URL_NAMESPACE).update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toUpperCase();
}

/** Reverse-DNS identifier prefix from the host name ("mail.ecole.fr" -> "fr.ecole.mail"). */
function reverseHost(hostname: string): string {
  return hostname.split('.').reverse().join('.');
}

export function mobileconfig(settings: ClientSettings, user: User): string {
  const { hostname, ports } = settings;
  const base = `${reverseHost(hostname)}.facteur.${user.address.replace(/[^a-z0-9]/g, '-')}`;
  const payload = (kind: string, type: string, body: Record<string, PlistValue>): Record<string, PlistValue> => ({
    ...body,
    PayloadType: type,
    PayloadVersion: 1,
    PayloadIdentifier: `${base}.${kind}`,
    PayloadUUID: nameUuid(`https://${hostname}/mobileconfig/${user.id}/${kind}`),
    PayloadDisplayName: `${user.address} (${kind})`,
  });
  const principal = davPrincipalPath(user.address);
  const profile: Record<string, PlistValue> = {
    PayloadContent: [
      payload('mail', 'com.apple.mail.managed', {
        EmailAccountDescription: user.address,
        EmailAccountName: user.displayName,
        EmailAccountType: 'EmailTypeIMAP',
        EmailAddress: user.address,
        IncomingMailServerAuthentication: 'EmailAuthPassword',
        IncomingMailServerHostName: hostname,
        IncomingMailServerPortNumber: ports.imaps,
        IncomingMailServerUseSSL: true,
        IncomingMailServerUsername: user.address,
        OutgoingMailServerAuthentication: 'EmailAuthPassword',
        OutgoingMailServerHostName: hostname,
        OutgoingMailServerPortNumber: ports.submissions,
        OutgoingMailServerUseSSL: true,
        OutgoingMailServerUsername: user.address,
        OutgoingPasswordSameAsIncomingPassword: true,
      }),
      payload('caldav', 'com.apple.caldav.account', {
        CalDAVAccountDescription: `${user.address} (agenda)`,
        CalDAVHostName: hostname,
        CalDAVPort: ports.https,
        CalDAVPrincipalURL: principal,
        CalDAVUseSSL: true,
        CalDAVUsername: user.address,
      }),
      payload('carddav', 'com.apple.carddav.account', {
        CardDAVAccountDescription: `${user.address} (contacts)`,
        CardDAVHostName: hostname,
        CardDAVPort: ports.https,
        CardDAVPrincipalURL: principal,
        CardDAVUseSSL: true,
        CardDAVUsername: user.address,
      }),
    ],
    PayloadDisplayName: `${user.address} — mail, agenda, contacts`,
    PayloadDescription: `Mail, calendar and contacts of ${user.address} on ${hostname}`,
    PayloadIdentifier: base,
    PayloadOrganization: hostname,
    PayloadRemovalDisallowed: false,
    PayloadType: 'Configuration',
    PayloadUUID: nameUuid(`https://${hostname}/mobileconfig/${user.id}`),
    PayloadVersion: 1,
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    ...plist(profile),
    '</plist>',
    '',
  ].join('\n');
}
