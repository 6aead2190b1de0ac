// Password hashing: argon2id (RFC 9106) in PHC string form. The cost is configurable; the
// default (7 MiB, 5 passes) is one of OWASP's equivalent argon2id settings, chosen so that a
// bulk import of 10,000 staff stays within a minute on two cores.
import { hash, verify } from '@node-rs/argon2';
import { randomInt } from 'node:crypto';

export interface HashParams {
  memoryKib: number;
  iterations: number;
  parallelism: number;
}

export const DEFAULT_HASH_PARAMS: HashParams = { memoryKib: 7168, iterations: 5, parallelism: 1 };

const ARGON2ID = 2; // @node-rs/argon2 Algorithm.Argon2id (a const enum, not importable under isolatedModules)

export async function hashPassword(plain: string, params: HashParams = DEFAULT_HASH_PARAMS): Promise<string> {
  return hash(plain, { algorithm: ARGON2ID, memoryCost: params.memoryKib, timeCost: params.iterations, parallelism: params.parallelism });
}

export async function verifyPassword(phc: string | null, plain: string): Promise<boolean> {
  if (!phc) return false;
  try {
    return await verify(phc, plain);
  } catch {
    return false;
  }
}

/** A random password for app passwords and for users created without one: 4 groups of 4
 *  lower-case letters and digits, easy to type on a phone. */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i > 0 && i % 4 === 0) out += '-';
    out += alphabet[randomInt(alphabet.length)];
  }
  return out;
}
