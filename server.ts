// The wiring: config -> data dir and TLS -> store -> services and their listeners, and the
// way back down on shutdown. Each protocol is a Service (core/service.ts); HTTP handlers
// (DAV, webmail) mount on the shared HTTP service by path prefix. To add one: build it here
// with its slice of config and push it on `services`, or `http.mount()` its routes.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from './config/index.js';
import { Accounts, Authenticator, Delivery, loadOrCreateKey, Srs, startAnalysisPool, systemResolver, zoneFileResolver, type Resolver } from './core/index.js';
import { createHttpService, healthRoute, metricsRoute } from './core/http/index.js';
import { AccountDeletion, AdminTokens, QueueAdmin } from './core/operations/index.js';
import { clientSettingsFromConfig } from './core/clients/index.js';
import { Dkim } from './core/dkim/index.js';
import { createMaintenanceService, RetentionRunner, retentionPolicies } from './core/retention/index.js';
import type { Logger } from './core/log.js';
import { createMetrics } from './core/metrics.js';
import { StartupError, explainFsError, formatAddress, type Listener, type Service } from './core/service.js';
import { loadTls } from './core/tls.js';
import { AcmeManager, acmeDomains, watchFiles } from './core/acme/index.js';
import { createAdminRoute } from './admin/index.js';
import { createDavRoutes } from './dav/index.js';
import { createImapService } from './imap/index.js';
import { createOutboundService, createSmtpService, outboundOptionsFromConfig } from './smtp/index.js';
import { createAutoconfigRoutes } from './webmail/autoconfig/index.js';
import { createWebmailRoutes } from './webmail/index.js';
import type { Store } from './storage/index.js';
import { openStore } from './storage/open.js';

export interface RunningServer {
  readonly listeners: Listener[];
  readonly store: Store;
  /** Stops accepting, lets work in flight finish (shutdown.timeoutSeconds), closes the store. */
  stop(): Promise<void>;
  /** Reads the certificate again (SIGHUP, after a renewal) and serves it to new handshakes on
   *  every listener. A pair that cannot serve is refused with the reason; the old one stays. */
  reloadTls(): Promise<{ ok: true; fingerprint256: string; validTo: Date } | { ok: false; error: string }>;
}

export interface ServerIo {
  log: Logger;
  /** Where the plain `listening <name> <address>:<port>` and `ready` lines go (stdout). */
  print(line: string): void;
}

export async function startServer(config: Config, { log, print }: ServerIo): Promise<RunningServer> {
  const dataDir = prepareDataDir(path.resolve(config.data.dir));
  // ACME (issue 7): until the CA has issued one, the self-signed certificate serves.
  const acme = config.acme.enabled ? new AcmeManager({
    directoryUrl: config.acme.directoryUrl, email: config.acme.email, domains: acmeDomains(config.acme.domains, config.hostname),
    dataDir, renewDays: config.acme.renewDays, log: log.child({ svc: 'acme' }),
    onCertificate: async (files) => {
      tlsOptions.certFile = files.cert;
      tlsOptions.keyFile = files.key;
      await reloadTls();
    },
  }) : null;
  const acmeFiles = acme?.usableFiles() ?? null;
  const tlsOptions = { certFile: config.tls.cert ?? acmeFiles?.cert ?? null, keyFile: config.tls.key ?? acmeFiles?.key ?? null, dataDir, hostname: config.hostname };
  const tls = await loadTls(tlsOptions);
  for (const warning of tls.warnings) log.warn(warning);
  log.info({ certFile: tls.certFile, selfSigned: tls.selfSigned, altNames: tls.altNames, validTo: tls.validTo, sha256: tls.fingerprint256 }, 'TLS certificate');

  const resolver = openResolver(config); // before the store: a bad zone file leaves nothing open
  const store = await openStoreExplained(config, dataDir);
  const removed = await store.collectGarbage({ graceMs: config.storage.blobGcGraceSeconds * 1000 });
  log.info({ backend: store.backend, dataDir, unreferencedBlobsRemoved: removed }, 'store open');

  // MIME analysis of appended and delivered mail on worker threads, off the main thread that
  // serves every session (core/mail/analyze-pool.ts); closed after the services stop.
  const analysis = startAnalysisPool({ size: Math.max(1, os.availableParallelism() - 1), log: log.child({ svc: 'analysis' }) });
  const metrics = createMetrics();
  const httpLog = log.child({ svc: 'http' });
  const http = createHttpService({
    host: config.listen, httpPort: config.http.port, httpsPort: config.https.port, tls, log: httpLog, metrics,
  });
  http.mount(healthRoute(() => store.changes.latest(), httpLog));
  http.mount(metricsRoute(metrics.registry));
  if (acme) http.mount(acme.route());
  const services: Service[] = [http];

  // Shared by every protocol: one brute-force guard (in the Authenticator), one delivery pipeline.
  const authHash = { memoryKib: config.auth.argon2MemoryKib, iterations: config.auth.argon2Iterations, parallelism: config.auth.argon2Parallelism };
  const authenticator = new Authenticator(store, {
    guard: { lockIpAfter: config.auth.lockIpAfter, lockAccountAfter: config.auth.lockAccountAfter },
    hash: authHash,
  });
  const delivery = new Delivery(store, {
    hostname: config.hostname,
    maxMessageBytes: config.smtp.maxMessageBytes,
    maxRecipients: config.smtp.maxRecipients,
    queueLifetimeMs: config.outbound.queueLifetimeHours * 3600_000,
    sendLimitPerHour: config.submission.sendLimitPerHour,
    log: log.child({ svc: 'delivery' }),
    srs: config.srs.secret ? new Srs({ secret: config.srs.secret, domain: config.srs.domain ?? config.hostname }) : null,
  });
  // CalDAV/CardDAV under /dav and the /.well-known redirects (issue 5).
  for (const route of createDavRoutes({
    store, authenticator, delivery, log: log.child({ svc: 'dav' }),
    maxResourceBytes: config.dav.maxResourceBytes, maxRequestBytes: config.dav.maxRequestBytes,
  })) http.mount(route);
  // Client autoconfiguration and the admin API (issue 7). Ports are read per request: with
  // port 0 the bound ones are known only once the listeners run.
  const settings = () => clientSettingsFromConfig(config, listeners);
  for (const route of createAutoconfigRoutes({ accounts: store.accounts, authenticator, settings, log: httpLog })) http.mount(route);
  // Provisioning for the admin API and the webmail's own settings: one service, one temp folder.
  const accounts = new Accounts(store, { hash: authHash });
  const tmpDir = privateTmpDir(dataDir);
  const deletion = new AccountDeletion(store, accounts, config.retention.deletionGraceDays * 86_400_000);
  http.mount(createAdminRoute({
    store, log: httpLog, accounts, deletion, tmpDir,
    dkim: new Dkim(store), tokens: new AdminTokens(store), queueAdmin: new QueueAdmin(store),
  }));
  // The webmail: JSON API at /api, browser app at / (issue 6). Event streams end on shutdown.
  const webmailShutdown = new AbortController();
  for (const route of createWebmailRoutes({
    store, authenticator, delivery, log: log.child({ svc: 'webmail' }), hostname: config.hostname,
    accounts,
    hash: authHash, maxMessageBytes: config.smtp.maxMessageBytes, tmpDir,
    totpKey: loadOrCreateKey(path.join(dataDir, 'keys', 'totp.key')),
    sessionIdleMinutes: config.webmail.sessionIdleMinutes, sessionMaxHours: config.webmail.sessionMaxHours,
    shutdown: webmailShutdown.signal,
  })) http.mount(route);
  services.push(createSmtpService({
    host: config.listen, hostname: config.hostname, tls,
    ports: { smtp: config.smtp.port, submission: config.submission.port, submissions: config.submissions.port },
    maxMessageBytes: config.smtp.maxMessageBytes, maxRecipients: config.smtp.maxRecipients,
    maxClients: config.smtp.maxClients, socketTimeoutMs: config.smtp.socketTimeoutSeconds * 1000,
    maxConnectionsPerIp: config.smtp.maxConnectionsPerIp,
    store, delivery, authenticator, resolver, log: log.child({ svc: 'smtp' }),
  }));
  if (config.outbound.enabled) services.push(createOutboundService({ store, resolver, delivery, log }, outboundOptionsFromConfig(config)));
  // Trash and Junk emptied after their retention period; deleted users purged after their grace
  // period (issue 7).
  const retention = new RetentionRunner(store, retentionPolicies({ trash: config.retention.trashDays, junk: config.retention.junkDays }), log.child({ svc: 'retention' }));
  services.push(createMaintenanceService([
    { name: 'retention', run: async () => ((await retention.runOnce()).expunged > 0 ? 'messages expunged' : null) },
    { name: 'deletions', run: async () => (await deletion.purgeDue()).length || null },
  ], { intervalMs: config.retention.intervalMinutes * 60_000, log: log.child({ svc: 'maintenance' }) }));
  services.push(createImapService({
    host: config.listen, tls, ports: { imap: config.imap.port, imaps: config.imaps.port },
    maxMessageBytes: config.smtp.maxMessageBytes, store, authenticator, log: log.child({ svc: 'imap' }),
    maxConnectionsPerUser: config.imap.maxConnectionsPerUser, maxConnectionsPerIp: config.imap.maxConnectionsPerIp,
    maxCommandsPerMinute: config.imap.maxCommandsPerMinute, idleTimeoutMs: config.imap.idleTimeoutMinutes * 60_000,
  }));

  const graceMs = config.shutdown.timeoutSeconds * 1000;
  const started: Service[] = [];
  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= (async () => {
    log.info('stopping');
    webmailShutdown.abort();
    await Promise.all(started.map((s) => s.stop(graceMs).catch((err) => log.error({ err, svc: s.name }, 'stop failed'))));
    await analysis.close();
    await store.close();
    log.info('stopped');
  })());

  const listeners: Listener[] = [];
  try {
    for (const service of services) {
      started.push(service); // before start(): a half-started service must be stopped too
      for (const l of (await service.start()).listeners) {
        listeners.push(l);
        print(`listening ${l.name} ${formatAddress(l.address, l.port)}`);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  log.info({ listeners, hostname: config.hostname }, 'ready');
  print('ready');
  const reloadTls: RunningServer['reloadTls'] = async () => {
    let next;
    try {
      next = await loadTls(tlsOptions);
      // loadTls has checked the pair (PEM, key matching, usable by OpenSSL) before any listener
      // gets it: a bad renewal leaves every listener on the old certificate.
      await Promise.all(started.map((s) => s.reloadTls?.(next!)));
    } catch (err) {
      const error = String((err as Error).message ?? err).split('\n')[0];
      log.error({ error }, 'TLS certificate not reloaded; the previous one is still served');
      return { ok: false, error };
    }
    for (const warning of next.warnings) log.warn(warning);
    log.info({ certFile: next.certFile, validTo: next.validTo, sha256: next.fingerprint256 }, 'TLS certificate reloaded');
    return { ok: true, fingerprint256: next.fingerprint256, validTo: next.validTo };
  };
  // After reloadTls exists: both call it. Stopped with the other services.
  if (acme) {
    const service = acme.service();
    started.push(service);
    await service.start();
  }
  if (config.tls.watch && config.tls.cert !== null && config.tls.key !== null) {
    const unwatch = watchFiles([config.tls.cert, config.tls.key], () => {
      log.info('TLS certificate files changed: reloading');
      void reloadTls();
    }, { onError: (err) => log.warn({ error: err.message }, 'cannot watch the TLS certificate files; reload with SIGHUP') });
    started.push({ name: 'tls-watch', start: async () => ({ listeners: [] }), stop: async () => unwatch() });
  }
  return { listeners, store, stop, reloadTls };
}

/** Resolves once a SIGTERM or SIGINT has stopped the server; a second signal exits at once. */
export function stopOnSignal(server: RunningServer, log: Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal }, 'signal received');
      server.stop().then(resolve, reject);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/** Creates the data folder on first start (owner only: it holds everyone's mail); fails with
 *  one line if it cannot be used. */
function prepareDataDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new StartupError(`cannot use data directory ${dir}: ${explainFsError(err)}`, { cause: err });
  }
  return dir;
}

/** The zone file when one is configured (a malformed one stops the start, naming the line),
 *  else the system's DNS. */
function openResolver(config: Config): Resolver {
  if (config.dns.zoneFile === null) return systemResolver();
  try {
    return zoneFileResolver(config.dns.zoneFile, { fallback: config.dns.zoneFallback ? systemResolver() : undefined });
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ? explainFsError(err) : String((err as Error).message).split('\n')[0];
    throw new StartupError(`cannot use the DNS zone file ${config.dns.zoneFile}: ${why}`, { cause: err });
  }
}

/** <data dir>/tmp, owner only: temporary files there hold users' mail (exports). */
function privateTmpDir(dataDir: string): string {
  const dir = path.join(dataDir, 'tmp');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

async function openStoreExplained(config: Config, dataDir: string): Promise<Store> {
  try {
    return await openStore({ backend: config.storage.backend, dataDir, mongodbUri: config.storage.mongodbUri ?? undefined });
  } catch (err) {
    const why = String((err as Error).message ?? err).split('\n')[0];
    throw new StartupError(`cannot open the ${config.storage.backend} store${config.storage.backend === 'sqlite' ? ` in ${dataDir}` : ''}: ${why}`, { cause: err });
  }
}
