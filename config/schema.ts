// The single source of truth for configuration: every option with its default, help text
// and validator. The env name and the command-line flag are derived from the key
// (`storage.mongodbUri` -> FACTEUR_STORAGE_MONGODB_URI, --storage-mongodb-uri), and the
// Config type from the entries, so adding an option is adding one entry here.
import os from 'node:os';
import {
  boolean, hostname, integer, ipAddress, isHostname, maskUriPassword, oneOf, optionalHostPort, optionalPath, optionalSecret,
  optionalText, path, port, size, text, type Option, type ValueOf,
} from './options.js';

const MiB = 1024 * 1024;

function machineHostname(): string {
  const name = os.hostname().toLowerCase();
  return isHostname(name) ? name : 'localhost';
}

export const schema = {
  'data.dir': path('./data', 'Folder for the SQLite database, message blobs and the self-signed certificate; created on first start.'),
  'hostname': hostname(machineHostname, "this machine's host name, or localhost",
    'Public host name of the server: SMTP greeting, self-signed certificate, autoconfig.'),
  // Loopback by default so that a first zero-setup start exposes nothing; set 0.0.0.0 (or ::)
  // to serve the network.
  'listen': ipAddress('127.0.0.1', 'Address every listener binds to. 0.0.0.0 or :: to accept connections from the network.'),

  'http.port': port(8080, 'HTTP port: /healthz, /metrics, DAV, webmail.'),
  'https.port': port(8443, 'HTTPS port: the same routes as HTTP over TLS 1.2+.'),
  'dav.maxResourceBytes': size(MiB, 'Largest calendar object or vCard a DAV client may store (CalDAV/CardDAV max-resource-size); larger PUTs get 413.', { min: 1024, max: 100 * MiB }),
  'dav.maxRequestBytes': size(MiB, 'Largest XML request body (PROPFIND, REPORT, PROPPATCH...) DAV accepts; larger ones get 413.', { min: 1024, max: 100 * MiB }),
  'smtp.port': port(2525, 'SMTP port receiving mail from other servers (MX, normally 25).'),
  'smtp.maxMessageBytes': size(50 * MiB, 'Largest message accepted (SMTP SIZE, RFC 1870), on every path.', { min: 1024, max: 2048 * MiB }),
  'smtp.maxRecipients': integer(1000, 'Most recipients accepted for one message (further RCPT get 452 4.5.3).', { min: 1, max: 100_000 }),
  'smtp.maxClients': integer(1000, 'Most simultaneous SMTP connections per listener.', { min: 1, max: 100_000 }),
  'smtp.maxConnectionsPerIp': integer(50, 'Most simultaneous MX connections from one address; further ones get 421 4.7.0 at once (as Postfix\'s smtpd_client_connection_count_limit). Raise it when a relay or filtering gateway in front of Facteur delivers everything from one address.', { min: 1, max: 100_000 }),
  'smtp.socketTimeoutSeconds': integer(300, 'Idle time after which an SMTP session is closed (RFC 5321 §4.5.3.2 asks at least 5 minutes).', { min: 5, max: 3600 }),
  'submission.sendLimitPerHour': integer(500, 'Messages one user may send per hour (contains a compromised account); 0 for no limit.', { min: 0, max: 1_000_000 }),
  'submission.port': port(2587, 'Mail submission port with STARTTLS (RFC 6409, normally 587).'),
  'submissions.port': port(2465, 'Mail submission port with implicit TLS (RFC 8314, normally 465).'),
  'imap.port': port(2143, 'IMAP port with STARTTLS (normally 143).'),
  'imaps.port': port(2993, 'IMAP port with implicit TLS (normally 993).'),
  'imap.maxConnectionsPerUser': integer(50, 'Most simultaneous IMAP sessions one account may have logged in (a phone, a laptop and a tablet each open several); further logins get NO [LIMIT].', { min: 1, max: 10_000 }),
  'imap.maxConnectionsPerIp': integer(5000, 'Most simultaneous IMAP connections from one address (a whole school may share one behind NAT, with a few connections per teacher); further ones get BYE at once.', { min: 1, max: 1_000_000 }),
  'imap.maxCommandsPerMinute': integer(6000, 'Commands one IMAP connection may send per minute; beyond it (after a burst of a tenth of it) each command waits its turn.', { min: 10, max: 1_000_000 }),
  'imap.idleTimeoutMinutes': integer(30, 'Inactivity after which a logged-in IMAP session is closed (RFC 9051 §5.4: at least 30 minutes).', { min: 30, max: 24 * 60 }),

  // What clients are told (autoconfig, autodiscover, Apple profile, `facteur dns` SRV records)
  // when a firewall maps the standard ports onto the unprivileged ones bound here.
  'advertise.imapPort': integer(0, 'IMAP (STARTTLS) port announced to clients; 0 announces imap.port.', { min: 0, max: 65535 }),
  'advertise.imapsPort': integer(0, 'IMAPS port announced to clients (993 behind a redirect); 0 announces imaps.port.', { min: 0, max: 65535 }),
  'advertise.submissionPort': integer(0, 'Submission (STARTTLS) port announced to clients; 0 announces submission.port.', { min: 0, max: 65535 }),
  'advertise.submissionsPort': integer(0, 'Submission (implicit TLS) port announced to clients; 0 announces submissions.port.', { min: 0, max: 65535 }),
  'advertise.httpsPort': integer(0, 'HTTPS port announced to clients (DAV, webmail); 0 announces https.port.', { min: 0, max: 65535 }),

  'retention.deletionGraceDays': integer(0, 'Days a deleted user stays disabled and restorable (`facteur user restore`) before their data is purged; 0 purges at once.', { min: 0, max: 365 }),
  'retention.trashDays': integer(30, 'Days a message stays in Trash before it is expunged for good; 0 keeps it forever.', { min: 0, max: 36500 }),
  'retention.junkDays': integer(30, 'Days a message stays in Junk before it is expunged for good; 0 keeps it forever.', { min: 0, max: 36500 }),
  'retention.intervalMinutes': integer(60, 'How often the retention pass runs (a message is kept between N days and N days plus this).', { min: 1, max: 7 * 1440 }),

  'tls.cert': optionalPath('PEM certificate chain for every TLS listener. When tls.cert and tls.key are unset, a self-signed certificate for `hostname` is made under <data.dir>/tls/.'),
  'tls.key': optionalPath('PEM private key matching tls.cert.'),
  'tls.watch': boolean(true, 'Reload tls.cert/tls.key when the files change (as SIGHUP does), so that a renewal is served without a restart.'),
  'acme.enabled': boolean(false, 'Get and renew the certificate from an ACME CA (Let\'s Encrypt) with http-01 challenges on the HTTP port, which must be reachable as port 80 of every acme.domains name. Kept in <data.dir>/acme/; replaces tls.cert/tls.key.'),
  'acme.directoryUrl': text('https://acme-v02.api.letsencrypt.org/directory', 'ACME directory of the CA (Let\'s Encrypt staging: https://acme-staging-v02.api.letsencrypt.org/directory).'),
  'acme.email': optionalText('Contact address given to the CA (expiry and incident notices).'),
  'acme.domains': optionalText('Comma-separated names the certificate covers; unset: hostname.'),
  'acme.acceptTerms': boolean(false, 'Agree to the CA\'s terms of service; required with acme.enabled.'),
  'acme.renewDays': integer(30, 'Renew the ACME certificate when fewer days than this are left (checked at start and daily).', { min: 1, max: 89 }),

  'storage.backend': oneOf(['sqlite', 'mongodb'] as const, 'sqlite', 'Storage backend: sqlite (embedded, in data.dir) or mongodb.'),
  'storage.mongodbUri': optionalSecret('MongoDB connection string, required when storage.backend is mongodb.', 'URI', maskUriPassword),
  'storage.blobGcGraceSeconds': integer(900, 'Age under which an unreferenced blob is kept by the garbage collection run at start (it may belong to a write in progress).', { min: 60, max: 30 * 86400 }),

  'dns.zoneFile': optionalPath('Zone file answering DNS queries (TXT, MX, A, AAAA, PTR) for SPF/DKIM/DMARC and MX lookups instead of the network; for tests and air-gapped sites (format: docs/dns-zonefile.md).'),
  'dns.zoneFallback': boolean(false, 'With dns.zoneFile: ask the system resolver for names the zone file does not hold.'),

  'outbound.enabled': boolean(true, 'Run the outbound delivery worker. false holds every outgoing message in the queue (maintenance; tests of what gets queued).'),
  'outbound.relay': optionalHostPort('Smart host (host:port) through which all outgoing mail is sent instead of MX delivery.'),
  'outbound.relayUser': optionalText('User name for the smart host (AUTH), if it asks for one.'),
  'outbound.relayPassword': optionalSecret('Password for the smart host.', 'password', () => '***'),
  'outbound.port': port(25, 'Port of remote MX hosts (25; tests point it at a local sink).'),
  'srs.secret': optionalSecret('Key for SRS (Sender Rewriting Scheme): mail from outside that an alias forwards to another domain leaves with an SRS0=...@srs.domain sender, so that SPF passes at the destination, and bounces to such addresses are checked with it and returned. A long random string; unset: forwarded mail keeps its sender.', 'key', () => '***'),
  'srs.domain': optionalText('Domain of SRS addresses; its SPF record must name this server. Default: the host name.'),
  'outbound.queueLifetimeHours': integer(120, 'How long a message keeps being retried before it bounces (default 5 days).', { min: 1, max: 30 * 24 }),
  'outbound.concurrency': integer(20, 'Most outgoing SMTP deliveries at once.', { min: 1, max: 1000 }),
  'outbound.concurrencyPerDomain': integer(4, 'Most outgoing SMTP deliveries at once to one destination domain.', { min: 1, max: 100 }),

  'log.level': oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info', 'Least severe level written to the JSON log (stderr).'),

  // argon2id m=7168 KiB, t=5, p=1 is one of the equivalent configurations in the OWASP
  // Password Storage Cheat Sheet.
  'auth.argon2MemoryKib': integer(7168, 'argon2id memory cost in KiB for new password hashes.', { min: 1024, max: 4 * 1024 * 1024 }),
  'auth.argon2Iterations': integer(5, 'argon2id time cost (passes) for new password hashes.', { min: 1, max: 64 }),
  'auth.argon2Parallelism': integer(1, 'argon2id parallelism (lanes) for new password hashes.', { min: 1, max: 16 }),

  'auth.lockIpAfter': integer(50, 'Failed logins from one IP within 15 minutes after which it is refused for 15 minutes (raise it for schools behind one NAT address).', { min: 1, max: 100_000 }),
  'auth.lockAccountAfter': integer(20, 'Failed logins on one account within 15 minutes after which the failing IPs are refused for it for 15 minutes.', { min: 1, max: 100_000 }),

  'webmail.sessionIdleMinutes': integer(60, 'A webmail session ends after this many minutes without a request.', { min: 1, max: 7 * 24 * 60 }),
  'webmail.sessionMaxHours': integer(12, 'A webmail session ends this many hours after login, active or not.', { min: 1, max: 30 * 24 }),

  'shutdown.timeoutSeconds': integer(10, 'On SIGTERM/SIGINT, how long in-flight requests and sessions may take to finish before their connections are cut.', { min: 0, max: 600 }),
} satisfies Record<string, Option<any>>;

export type OptionKey = keyof typeof schema;

/** The configuration as flat dotted keys, as the loader builds it. */
export type FlatConfig = { [K in OptionKey]: ValueOf<(typeof schema)[K]> };

type Head<K extends string> = K extends `${infer H}.${string}` ? H : K;
type Unflatten<T> = {
  readonly [K in keyof T & string as Head<K>]: K extends `${infer H}.${string}`
    ? Unflatten<{ [P in keyof T & string as P extends `${H}.${infer R}` ? R : never]: T[P] }>
    : T[K];
};

/** The typed, deeply frozen configuration handed down by server.ts: config.http.port... */
export type Config = Unflatten<FlatConfig>;

/** A rule spanning several options; returns the problem, or null when the values agree. */
export interface CrossCheck {
  keys: OptionKey[];
  check(config: FlatConfig): string | null;
}

// Listener ports only: outbound.port is the port of remote servers, not one we bind.
const portKeys = (Object.keys(schema) as OptionKey[]).filter((k) => k.endsWith('.port') && !k.startsWith('outbound.'));

export const crossChecks: CrossCheck[] = [
  {
    keys: ['tls.cert', 'tls.key'],
    check: (c) => ((c['tls.cert'] === null) === (c['tls.key'] === null) ? null
      : 'set both tls.cert and tls.key, or neither (then a self-signed certificate is used)'),
  },
  {
    keys: ['acme.enabled', 'acme.acceptTerms', 'tls.cert'],
    check: (c) => (!c['acme.enabled'] ? null
      : !c['acme.acceptTerms'] ? 'acme.enabled needs acme.acceptTerms=true (the CA\'s terms of service)'
        : c['tls.cert'] !== null ? 'acme.enabled and tls.cert both name the certificate: choose one' : null),
  },
  {
    keys: ['storage.backend', 'storage.mongodbUri'],
    check: (c) => (c['storage.backend'] === 'mongodb' && c['storage.mongodbUri'] === null
      ? 'storage.mongodbUri is required when storage.backend is mongodb' : null),
  },
  {
    keys: portKeys,
    check(c) {
      const seen = new Map<number, string>();
      for (const key of portKeys) {
        const value = c[key] as number;
        const other = seen.get(value);
        if (value !== 0 && other) return `${other} and ${key} are both ${value}; every listener needs its own port`;
        seen.set(value, key);
      }
      return null;
    },
  },
];
