// The server's TLS certificate: the PEM pair named by tls.cert/tls.key, or else a self-signed
// one for the configured host name, made under <data.dir>/tls/ on first start and kept.
// A pair that cannot serve (unreadable, not PEM, key not matching) stops the start with one
// line naming the file; an expired or foreign-named certificate only warns, since mail still
// flows with opportunistic TLS and refusing to start would be worse.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import { generate } from 'selfsigned';
import { StartupError, explainFsError } from './service.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  selfSigned: boolean;
  subject: string;
  altNames: string;
  validTo: Date;
  fingerprint256: string;
  /** Problems that do not stop the server (expired, host name not covered). */
  warnings: string[];
}

export interface TlsOptions {
  certFile: string | null;
  keyFile: string | null;
  dataDir: string;
  hostname: string;
  now?: Date;
}

const DAY = 86_400_000;
// Apple platforms refuse TLS server certificates valid for more than 825 days, even ones the
// user chose to trust; renew a self-signed one when less than a month is left.
const SELF_SIGNED_DAYS = 800;
const RENEW_BEFORE_DAYS = 30;

export async function loadTls(options: TlsOptions): Promise<TlsMaterial> {
  const now = options.now ?? new Date();
  if (options.certFile !== null && options.keyFile !== null) {
    return readTlsPair(options.certFile, options.keyFile, options.hostname, now);
  }
  const dir = path.join(options.dataDir, 'tls');
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  const existing = readOwnPair(certFile, keyFile, options.hostname, now);
  if (existing) return existing;
  await makeSelfSigned(dir, certFile, keyFile, options.hostname, now);
  return { ...readTlsPair(certFile, keyFile, options.hostname, now), selfSigned: true };
}

/** Reads and checks a PEM pair; throws StartupError with one line naming the file at fault. */
export function readTlsPair(certFile: string, keyFile: string, hostname: string, now = new Date()): TlsMaterial {
  const certPem = readPem(certFile, 'certificate');
  const keyPem = readPem(keyFile, 'key');
  let x509: X509Certificate;
  try {
    if (!certPem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no "BEGIN CERTIFICATE" block');
    x509 = new X509Certificate(certPem);
  } catch (err) {
    throw new StartupError(`TLS certificate ${certFile} is not a PEM certificate: ${reason(err)}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why = code === 'ERR_MISSING_PASSPHRASE' ? 'it is encrypted with a passphrase; give an unencrypted key' : reason(err);
    throw new StartupError(`TLS key ${keyFile} is not a usable PEM private key: ${why}`);
  }
  if (!x509.checkPrivateKey(key)) {
    throw new StartupError(`TLS key ${keyFile} does not match the certificate ${certFile}`);
  }
  try {
    createSecureContext({ cert: certPem, key: keyPem });
  } catch (err) {
    throw new StartupError(`TLS certificate ${certFile} cannot be used: ${reason(err)}`);
  }
  const validTo = new Date(x509.validTo);
  const warnings: string[] = [];
  if (validTo.getTime() < now.getTime()) warnings.push(`TLS certificate ${certFile} expired on ${validTo.toISOString()}`);
  if (new Date(x509.validFrom).getTime() > now.getTime()) warnings.push(`TLS certificate ${certFile} is not valid before ${x509.validFrom}`);
  if (x509.checkHost(hostname) === undefined) {
    warnings.push(`TLS certificate ${certFile} does not name the host ${hostname} (it names ${x509.subjectAltName ?? x509.subject})`);
  }
  return {
    cert: certPem, key: keyPem, certFile, keyFile, selfSigned: false,
    subject: x509.subject, altNames: x509.subjectAltName ?? '', validTo, fingerprint256: x509.fingerprint256, warnings,
  };
}

/** Our own self-signed pair, if it is still good for this host name; null means make a new one. */
function readOwnPair(certFile: string, keyFile: string, hostname: string, now: Date): TlsMaterial | null {
  let material: TlsMaterial;
  try {
    material = readTlsPair(certFile, keyFile, hostname, now);
  } catch (err) {
    // Missing or damaged files of ours are replaced; a permission problem is the operator's to fix.
    if (err instanceof StartupError && /permission denied/.test(err.message)) throw err;
    return null;
  }
  const renewAt = material.validTo.getTime() - RENEW_BEFORE_DAYS * DAY;
  if (material.warnings.length > 0 || renewAt < now.getTime()) return null;
  return { ...material, selfSigned: true };
}

async function makeSelfSigned(dir: string, certFile: string, keyFile: string, hostname: string, now: Date): Promise<void> {
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [{ type: 2, value: hostname }];
  if (hostname === 'localhost') altNames.push({ type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' });
  const pems = await generate([{ name: 'commonName', value: hostname }], {
    keyType: 'rsa', // the widest client support (older Outlook and MTAs)
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - DAY), // tolerate clients whose clock is a little behind
    notAfterDate: new Date(now.getTime() + SELF_SIGNED_DAYS * DAY),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeAtomically(keyFile, pems.private, 0o600);
    writeAtomically(certFile, pems.cert, 0o644);
  } catch (err) {
    throw new StartupError(`cannot write the self-signed TLS certificate in ${dir}: ${reason(err)}`);
  }
}

/** Write then rename, so that a crash never leaves half a key for the next start to trip on. */
function writeAtomically(file: string, content: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new StartupError(`cannot read TLS ${what} ${file}: ${reason(err)}`);
  }
}

/** One line: what a file-system error or a crypto/TLS parse error says. */
function reason(err: unknown): string {
  // errno codes (ENOENT, EACCES) have no underscore; OpenSSL's (ERR_OSSL_...) do.
  return /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code ?? '') ? explainFsError(err) : String((err as Error).message ?? err).split('\n')[0];
}
