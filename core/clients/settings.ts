// What a mail, calendar or contacts client needs to find the server: the public host name and
// the ports clients should use. Autoconfig, autodiscover, the Apple profile and the DNS records
// of `facteur dns` all read this one value, so they never disagree.

export interface ClientPorts {
  /** IMAP with STARTTLS. */
  imap: number;
  /** IMAP over implicit TLS. */
  imaps: number;
  /** Submission with STARTTLS (RFC 6409). */
  submission: number;
  /** Submission over implicit TLS (RFC 8314). */
  submissions: number;
  /** HTTPS: DAV, webmail, autoconfig. */
  https: number;
}

export interface ClientSettings {
  hostname: string;
  ports: ClientPorts;
}

export const PORT_NAMES: readonly (keyof ClientPorts)[] = ['imap', 'imaps', 'submission', 'submissions', 'https'];

/** The ports to advertise: an explicit `advertised` port wins (a firewall redirects 993 to the
 *  unprivileged port we bind), else the port bound, else the configured one. 0 means unset. */
export function clientSettings(hostname: string, ports: {
  advertised: Partial<ClientPorts>;
  bound?: Partial<ClientPorts>;
  configured: ClientPorts;
}): ClientSettings {
  const out = {} as ClientPorts;
  for (const name of PORT_NAMES) {
    out[name] = [ports.advertised[name], ports.bound?.[name], ports.configured[name]].find((p) => p !== undefined && p > 0) ?? 0;
  }
  return { hostname, ports: out };
}

/** https://host/ with the port left out when it is the default one. */
export function httpsBase(settings: ClientSettings): string {
  const port = settings.ports.https;
  return `https://${settings.hostname}${port === 443 || port === 0 ? '' : `:${port}`}`;
}

/** A user's DAV principal, where CalDAV/CardDAV clients start discovery (RFC 6764 §6). */
export function davPrincipalPath(address: string): string {
  // '@' may stand in a path segment (RFC 3986 §3.3); '/', '?' and '#' of a local part may not.
  return `/dav/principals/${encodeURIComponent(address).replace(/%40/g, '@')}/`;
}

/** The parts of the configuration the settings come from (config/schema.ts fits it). */
export interface ClientSettingsConfig {
  hostname: string;
  imap: { port: number };
  imaps: { port: number };
  submission: { port: number };
  submissions: { port: number };
  https: { port: number };
  advertise: { imapPort: number; imapsPort: number; submissionPort: number; submissionsPort: number; httpsPort: number };
}

/** Settings from the configuration and, once the server runs, the ports its listeners bound
 *  (named imap, imaps, submission, submissions, https). */
export function clientSettingsFromConfig(config: ClientSettingsConfig, listeners: readonly { name: string; port: number }[] = []): ClientSettings {
  const bound: Partial<ClientPorts> = {};
  for (const l of listeners) if ((PORT_NAMES as readonly string[]).includes(l.name)) bound[l.name as keyof ClientPorts] = l.port;
  const a = config.advertise;
  return clientSettings(config.hostname, {
    advertised: { imap: a.imapPort, imaps: a.imapsPort, submission: a.submissionPort, submissions: a.submissionsPort, https: a.httpsPort },
    bound,
    configured: { imap: config.imap.port, imaps: config.imaps.port, submission: config.submission.port, submissions: config.submissions.port, https: config.https.port },
  });
}
