// One delivery attempt over SMTP with nodemailer: the hops in order until one of them takes
// part in a transaction (RFC 5321 §5.1: an MX that cannot be reached, or that turns us away
// before MAIL FROM, is skipped for the next one). The raw message goes out byte for byte
// (nodemailer `raw` + an explicit `envelope`), so DKIM signatures still verify on arrival.
import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import type { Hop } from './route.js';

export interface OutgoingMessage {
  from: string;
  to: string[];
  raw: Buffer;
  /** RFC 3461 parameters passed on when the next server supports DSN. */
  envid?: string | null;
  ret?: 'FULL' | 'HDRS' | null;
  /** NOTIFY shared by every recipient of this attempt (nodemailer sends one list for all). */
  notify?: string[] | null;
  /** ORCPT, when the attempt has one recipient (nodemailer sends one for all). */
  orcpt?: string | null;
}

export interface TransportOptions {
  /** Our name in EHLO. */
  hostname: string;
  /** Smart host credentials; never sent to MX hosts. */
  auth: { user: string; pass: string } | null;
  /** Refuse to go on without STARTTLS (set for a remote relay that gets our password). */
  requireTls: boolean;
  connectTimeoutMs: number;
  signal: AbortSignal;
}

/** The fields of nodemailer's errors this module reads. */
export interface SmtpError extends Error {
  code?: string;
  /** The system or OpenSSL code nodemailer's own code replaced (ECONNREFUSED, ERR_SSL_...). */
  originalCode?: string;
  /** The SMTP command the reply answered: CONN (greeting), EHLO, STARTTLS, AUTH ..., MAIL FROM, RCPT TO, DATA. */
  command?: string;
  responseCode?: number;
  response?: string;
  recipient?: string;
  rejectedErrors?: SmtpError[];
}

export interface SentInfo {
  accepted: string[];
  rejected: string[];
  rejectedErrors?: SmtpError[];
  /** The reply to the end of DATA. */
  response: string;
}

export type SendResult =
  /** A server took part in the transaction: its replies decide (info on 250, else error). */
  | { reached: true; hop: Hop; info: SentInfo | null; error: SmtpError | null }
  /** No hop got as far as MAIL FROM. */
  | { reached: false; failures: { hop: Hop; error: SmtpError }[] };

export async function sendVia(hops: Hop[], message: OutgoingMessage, options: TransportOptions): Promise<SendResult> {
  const failures: { hop: Hop; error: SmtpError }[] = [];
  for (const hop of hops) {
    if (options.signal.aborted) break;
    let result = await sendOnce(hop, message, options, false);
    // Opportunistic TLS (RFC 7435): a server whose TLS handshake fails still gets the mail in
    // clear, as it would from any MTA that does not try TLS at all. Not with credentials: a
    // password must not be the price of a failed handshake.
    if (!result.ok && isTlsFailure(result.error) && !options.auth && !options.requireTls && !options.signal.aborted) {
      result = await sendOnce(hop, message, options, true);
    }
    if (result.ok) return { reached: true, hop, info: result.info, error: null };
    if (!isHopFailure(result.error)) return { reached: true, hop, info: null, error: result.error };
    failures.push({ hop, error: result.error });
  }
  return { reached: false, failures };
}

const BEFORE_TRANSACTION = /^(CONN|EHLO|HELO|LHLO|STARTTLS|AUTH\b)/;

/**
 * True when the failure says nothing about the message: no connection, a greeting or EHLO
 * refusal, TLS or AUTH trouble, a dropped connection, or 421 (the server is closing) at any
 * point. The next hop may do better. A reply to MAIL FROM, RCPT TO or DATA is the answer.
 */
export function isHopFailure(err: SmtpError): boolean {
  if (err.code === 'EABORT') return false;
  if (err.responseCode === 421) return true;
  if (err.responseCode) return BEFORE_TRANSACTION.test(err.command ?? 'CONN');
  return err.code !== 'EENVELOPE' && err.code !== 'EMESSAGE';
}

/** nodemailer reports a failed handshake as ETLS, or as a socket error carrying OpenSSL's code. */
function isTlsFailure(err: SmtpError): boolean {
  return err.code === 'ETLS' || /^ERR_(SSL|TLS)_/.test(err.originalCode ?? '');
}

type Once = { ok: true; info: SentInfo } | { ok: false; error: SmtpError };

async function sendOnce(hop: Hop, message: OutgoingMessage, options: TransportOptions, withoutTls: boolean): Promise<Once> {
  const transport = nodemailer.createTransport({
    host: hop.host,
    port: hop.port,
    name: options.hostname,
    // Port 465 speaks TLS from the first byte (RFC 8314); everything else starts in clear.
    secure: hop.port === 465,
    requireTLS: options.requireTls,
    ignoreTLS: withoutTls,
    // STARTTLS refused by the server: go on in clear rather than fail (opportunistic TLS).
    opportunisticTLS: true,
    // MX certificates are often self-signed or name another host, and nothing tells an MTA
    // which name to expect without DANE/MTA-STS: encrypting without verifying still beats
    // clear text (RFC 7435), so the certificate is not checked.
    tls: { rejectUnauthorized: false, ...(isIP(hop.name) ? {} : { servername: hop.name }) },
    auth: options.auth ?? undefined,
    connectionTimeout: options.connectTimeoutMs,
    // RFC 5321 §4.5.3.2: the client waits 5 minutes for the greeting and for replies to
    // MAIL and RCPT, 10 for the end of DATA; socketTimeout is nodemailer's idle limit.
    greetingTimeout: 5 * 60_000,
    socketTimeout: 10 * 60_000,
    logger: false,
  });
  const has8bit = message.raw.some((b) => b > 0x7f);
  const mail = {
    envelope: { from: message.from, to: message.to, size: message.raw.length, use8BitMime: has8bit },
    raw: message.raw,
    signal: options.signal,
    ...(message.envid || message.ret || message.notify || message.orcpt ? {
      dsn: {
        id: message.envid ?? undefined, return: message.ret ?? undefined,
        notify: message.notify ?? undefined, recipient: message.orcpt?.replace(/^rfc822;\s*/i, '') ?? undefined,
      },
    } : {}),
  };
  try {
    const info = (await transport.sendMail(mail as Parameters<typeof transport.sendMail>[0])) as unknown as SentInfo;
    return { ok: true, info };
  } catch (err) {
    return { ok: false, error: err as SmtpError };
  } finally {
    transport.close();
  }
}
