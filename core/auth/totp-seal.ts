// TOTP secrets encrypted at rest (AES-256-GCM) with a key kept beside the database, not in it:
// a copy of the database alone (a dump, a misplaced backup of facteur.db) does not give anyone
// the codes of every teacher. The user id is bound in as associated data, so a sealed secret
// copied onto another user's row does not open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PREFIX = 'v1.';

export class SecretSealer {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the TOTP secret key must be 32 bytes');
  }

  seal(plain: string, userId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(userId));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64url')}.${ct.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }

  /** A value stored before sealing existed (plain base32) is returned as is. */
  unseal(stored: string, userId: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const [iv, ct, tag] = stored.slice(PREFIX.length).split('.').map((p) => Buffer.from(p, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(userId));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
  }
}

/** The 32-byte key in `file`, made (owner-only) on first use. */
export function loadOrCreateKey(file: string): Buffer {
  try {
    const key = readFileSync(file);
    if (key.length === 32) return key;
    throw new Error(`${file} does not hold a 32-byte key`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, key, { mode: 0o600 });
  renameSync(tmp, file);
  return key;
}
