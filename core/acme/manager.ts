// Optional ACME (RFC 8555) certificates for public deployments, through `acme-client`: an
// http-01 challenge answered on the HTTP listener (RFC 8555 §8.3: the CA fetches
// http://<domain>/.well-known/acme-challenge/<token> on port 80), the account key, certificate
// and key kept in <data.dir>/acme/, and renewal when fewer than `renewDays` are left, checked
// at start and then daily. A new certificate goes to the listeners through the server's
// reloadTls, like a SIGHUP. A failed order only logs: the current certificate keeps serving.
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import * as acme from 'acme-client';
import type { HttpRoute } from '../http/index.js';
import type { Logger } from '../log.js';
import type { Service } from '../service.js';
import { readTlsPair } from '../tls.js';

export const ACME_CHALLENGE_PREFIX = '/.well-known/acme-challenge';
const DAY = 86_400_000;
// RFC 8555 §8.3: the token is base64url; anything else is not one of ours.
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

export interface AcmeOptions {
  directoryUrl: string;
  email: string | null;
  domains: string[];
  dataDir: string;
  renewDays: number;
  log: Logger;
  /** Called once a new certificate is on disk: serve it (the server's reloadTls). */
  onCertificate(files: { cert: string; key: string }): Promise<void>;
  /** How often the expiry is checked; daily by default. */
  checkIntervalMs?: number;
  /** After a failed order, the next try comes this soon (or at the daily check if sooner). */
  retryMs?: number;
  now?: () => number;
}

export class AcmeManager {
  /** token -> key authorization, while an order is in progress. */
  private readonly pending = new Map<string, string>();
  private readonly dir: string;
  private readonly now: () => number;
  private running: Promise<boolean> | null = null;

  constructor(private readonly options: AcmeOptions) {
    this.dir = path.join(options.dataDir, 'acme');
    this.now = options.now ?? Date.now;
  }

  get files(): { cert: string; key: string; account: string } {
    return { cert: path.join(this.dir, 'cert.pem'), key: path.join(this.dir, 'key.pem'), account: path.join(this.dir, 'account.key') };
  }

  /** The stored pair if it can serve now (readable, matching, not expired), else null: the
   *  server starts on its self-signed certificate until the CA has answered. */
  usableFiles(): { cert: string; key: string } | null {
    const { cert, key } = this.files;
    try {
      const pair = readTlsPair(cert, key, this.options.domains[0]);
      return pair.validTo.getTime() > this.now() ? { cert, key } : null;
    } catch {
      return null;
    }
  }

  /** Why a new certificate is needed, or null while the stored one is good. */
  renewalReason(): string | null {
    let x509: X509Certificate;
    try {
      if (!this.usableFiles()) return 'no usable certificate';
      x509 = new X509Certificate(readFileSync(this.files.cert));
    } catch {
      return 'no usable certificate';
    }
    const left = new Date(x509.validTo).getTime() - this.now();
    if (left < this.options.renewDays * DAY) return `${Math.floor(left / DAY)} days left`;
    const missing = this.options.domains.filter((d) => x509.checkHost(d) === undefined);
    if (missing.length > 0) return `does not cover ${missing.join(', ')}`;
    return null;
  }

  /** Answers the CA's http-01 requests (mounted on the HTTP service). */
  route(): HttpRoute {
    return {
      prefix: ACME_CHALLENGE_PREFIX,
      name: 'acme-challenge',
      handle: (req: IncomingMessage, res: ServerResponse) => {
        const token = new URL(req.url ?? '/', 'http://x').pathname.slice(ACME_CHALLENGE_PREFIX.length + 1);
        const answer = TOKEN.test(token) ? this.pending.get(token) : undefined;
        if (answer === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
          res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('no such challenge\n');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : answer);
      },
    };
  }

  /** Orders a certificate if one is needed; true when a new one was installed. One order at a
   *  time: a second call joins the running one. */
  checkNow(): Promise<boolean> {
    return (this.running ??= this.check().finally(() => { this.running = null; }));
  }

  private async check(): Promise<boolean> {
    const reason = this.renewalReason();
    if (reason === null) return false;
    const log = this.options.log;
    log.info({ domains: this.options.domains, reason }, 'ACME: ordering a certificate');
    try {
      await this.order();
    } catch (err) {
      log.error({ error: String((err as Error).message ?? err).split('\n')[0], domains: this.options.domains }, 'ACME: no certificate this time; the current one stays');
      return false;
    }
    const x509 = new X509Certificate(readFileSync(this.files.cert));
    log.info({ domains: this.options.domains, validTo: new Date(x509.validTo), sha256: x509.fingerprint256 }, 'ACME: certificate obtained');
    await this.options.onCertificate({ cert: this.files.cert, key: this.files.key });
    return true;
  }

  private async order(): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const { key: accountKey, existed } = await this.accountKey();
    const client = new acme.Client({ directoryUrl: this.options.directoryUrl, accountKey });
    if (existed) {
      // Find the account this key already has (RFC 8555 §7.3.1), so that auto() does not send
      // it an update with nothing new, which CAs may refuse. A key the CA does not know yet
      // (another directory) is registered by auto() as usual.
      await client.createAccount({ onlyReturnExisting: true }).catch(() => undefined);
    }
    const [key, csr] = await acme.crypto.createCsr({ commonName: this.options.domains[0], altNames: this.options.domains });
    const cert = await client.auto({
      csr,
      email: this.options.email ?? undefined,
      termsOfServiceAgreed: true, // config check: acme.enabled needs acme.acceptTerms
      challengePriority: ['http-01'],
      // The CA checks the challenge itself; acme-client's own pre-check would fetch port 80 of
      // the domain from here, which a NAT or a test does not allow.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
        if (challenge.type !== 'http-01') throw new Error(`unexpected ACME challenge ${challenge.type}`);
        this.pending.set(challenge.token, keyAuthorization);
      },
      challengeRemoveFn: async (_authz, challenge) => {
        this.pending.delete(challenge.token);
      },
    });
    // Key first, then certificate: a reader that sees the new certificate finds its key.
    writeAtomically(this.files.key, key.toString(), 0o600);
    writeAtomically(this.files.cert, cert, 0o644);
  }

  private async accountKey(): Promise<{ key: Buffer; existed: boolean }> {
    try {
      return { key: readFileSync(this.files.account), existed: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const key = await acme.crypto.createPrivateKey();
    writeAtomically(this.files.account, key.toString(), 0o600);
    return { key, existed: false };
  }

  /** Checks at start (after the listeners: the CA must reach the HTTP port) and then daily. */
  service(): Service {
    let timer: NodeJS.Timeout | null = null;
    let stopped = false;
    const interval = this.options.checkIntervalMs ?? DAY;
    const schedule = (ms: number) => {
      if (stopped) return;
      timer = setTimeout(() => {
        void this.checkNow().then(() => schedule(this.renewalReason() === null ? interval : Math.min(interval, this.options.retryMs ?? 3600_000)));
      }, ms);
      timer.unref();
    };
    return {
      name: 'acme',
      start: async () => {
        schedule(0);
        return { listeners: [] };
      },
      stop: async (graceMs: number) => {
        stopped = true;
        if (timer) clearTimeout(timer);
        if (this.running) await Promise.race([this.running, new Promise((r) => setTimeout(r, graceMs).unref())]);
      },
    };
  }
}

/** "a.example, b.example" -> names; the host name when unset. */
export function acmeDomains(list: string | null, hostname: string): string[] {
  const names = (list ?? hostname).split(',').map((d) => d.trim().toLowerCase()).filter(Boolean);
  return [...new Set(names)];
}

function writeAtomically(file: string, content: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}
