// The smtp-server options every listener shares, from plain values: the MX listener builds its
// server in a worker thread (mx-worker.ts) from the same settings the others use here.
import type { SMTPServerOptions } from 'smtp-server';

export interface ListenerSettings {
  /** Our public name. */
  hostname: string;
  tls: { cert: string; key: string };
  maxMessageBytes: number;
  maxRecipients: number;
  /** Per listener. */
  maxClients: number;
  socketTimeoutMs: number;
}

export function commonServerOptions(s: ListenerSettings): SMTPServerOptions {
  return {
    name: s.hostname,
    banner: 'Facteur',
    // Our certificate: smtp-server's built-in one has expired (and its key is public).
    cert: s.tls.cert,
    key: s.tls.key,
    minVersion: 'TLSv1.2',
    size: s.maxMessageBytes,
    maxRecipients: s.maxRecipients,
    maxClients: s.maxClients,
    socketTimeout: s.socketTimeoutMs,
    hideENHANCEDSTATUSCODES: false,
    hideDSN: false,
    // Logging is ours (handlers.ts, per session); smtp-server's would log every command.
    logger: false,
  };
}
