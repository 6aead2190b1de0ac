// The last step of mailauth's DKIM verifier (DkimVerifier.finalChunk, mailauth 4.12, pinned),
// written out so that a signer's public key is parsed once per DNS record rather than twice per
// signature: mailauth turns the TXT record into a key object, exports it to PEM, and
// crypto.verify parses that PEM again — ~450 µs a signature on the MX thread, more than the
// rest of a 4 KB message's checks together. The DNS lookup still happens for every signature
// (through the MX thread's cache), the record is checked by mailauth's own getPublicKey the
// first time it is seen, and every verdict, comment and field is built as mailauth builds it:
// dkim-finish.test.ts compares the results with dkimVerify's on signed, broken and unsigned
// messages.
import { createHash, createPublicKey, randomUUID, verify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { BoundedMap } from '../core/index.js';
import { verifyingHeaderLines, type HeaderLine } from '../core/mail/dkim-headers.js';

const require = createRequire(import.meta.url);
const tools = require('mailauth/lib/tools.js') as {
  getSigningHeaderLines(parsed: unknown, fieldNames: unknown, verify: boolean): { keys: string; headers: { line: Buffer }[] };
  getPublicKey(type: string, name: string, minBitLength: number | undefined, resolver: unknown): Promise<{ publicKey: string | Buffer; rr: string; modulusLength: number }>;
  formatAuthHeaderRow(method: string, status: unknown): string;
  getAlignment(fromDomain: string, domainList: string[]): { domain?: string } | false;
};
const { generateCanonicalizedHeader } = require('mailauth/lib/dkim/header/index.js') as {
  generateCanonicalizedHeader(type: string, lines: unknown, options: Record<string, unknown>): { canonicalizedHeader: Buffer };
};

/** A key lookup that found no usable key: the verdict is neutral, with this comment. */
const KEY_FAULTS: Record<string, string> = {
  ENOTFOUND: 'no key',
  ENODATA: 'no key',
  EINVALIDVER: 'unknown key version',
  EINVALIDTYPE: 'unknown key type',
  EINVALIDVAL: 'invalid public key',
};

type Resolver = (name: string, rrtype: string) => Promise<unknown>;

interface PublicKey { publicKey: string | Buffer; rr: string; modulusLength: number; keyObject: KeyObject }

/** Keys of this many records stay parsed (each sender domain has one or two selectors). */
const MAX_KEYS = 1000;
const keys = new BoundedMap<string, PublicKey>(MAX_KEYS);

/** mailauth's getPublicKey, with the parsed key kept for the same record. */
async function publicKeyFor(type: string, name: string, minBitLength: number | undefined, resolver: Resolver | undefined): Promise<PublicKey> {
  if (!resolver) {
    const res = await tools.getPublicKey(type, name, minBitLength, resolver);
    return { ...res, keyObject: createPublicKey(res.publicKey) };
  }
  const list = await resolver(name, 'TXT');
  const rr = list && ([] as unknown[]).concat((list as unknown[])[0] || []).join('').replace(/\s+/g, '');
  const cacheKey = `${type}\n${minBitLength ?? ''}\n${rr}`;
  const cached = rr ? keys.get(cacheKey) : undefined;
  if (cached) return cached;
  // Every check on the record (version, key type, base64, length) is mailauth's, on this answer.
  const res = await tools.getPublicKey(type, name, minBitLength, async () => list);
  const key = { ...res, keyObject: createPublicKey(res.publicKey) };
  if (rr) keys.set(cacheKey, key);
  return key;
}

/** DkimVerifier.finalChunk(), for verifier `v` (see the file's head). */
export async function finishDkim(v: any): Promise<void> {
  try {
    if (!v.headers || !v.bodyHashes.size) return;

    for (const bodyHash of v.bodyHashes.values()) {
      bodyHash.hash = bodyHash.digest('base64');
      bodyHash.mimeStructureStart = bodyHash.getMimeStructureStart();
    }

    for (const signatureHeader of v.signatureHeaders) {
      if (signatureHeader.skip) continue;

      const fieldNames: unknown = signatureHeader.parsed?.h?.value;
      // Without an h= tag mailauth falls back on its default list: its own function then.
      const signingHeaderLines = typeof fieldNames === 'string'
        ? verifyingHeaderLines(v.headers.parsed as HeaderLine[], fieldNames)
        : tools.getSigningHeaderLines(v.headers.parsed, fieldNames, true);
      const { canonicalizedHeader } = generateCanonicalizedHeader(signatureHeader.type, signingHeaderLines, {
        signatureHeaderLine: signatureHeader.original,
        canonicalization: signatureHeader.canonicalization,
        instance: ['ARC', 'AS'].includes(signatureHeader.type) ? signatureHeader.parsed?.i?.value : false,
      });
      const signingHeaders = {
        keys: signingHeaderLines.keys,
        headers: signingHeaderLines.headers.map((l) => l.line.toString()),
        canonicalizedHeader: canonicalizedHeader.toString('base64'),
      };

      let publicKey: string | Buffer | undefined;
      let rr: string | undefined;
      let modulusLength: number | undefined;
      const status: Record<string, any> = {
        result: 'neutral',
        comment: false,
        header: {
          i: signatureHeader.signingDomain ? `@${signatureHeader.signingDomain}` : false,
          s: signatureHeader.selector,
          a: signatureHeader.parsed?.a?.value,
          b: signatureHeader.parsed?.b?.value ? `${signatureHeader.parsed?.b?.value.substr(0, 8)}` : false,
        },
      };

      if (signatureHeader.type === 'DKIM' && v.headerFrom?.length) {
        status.aligned = v.headerFrom?.length
          ? (tools.getAlignment(v.headerFrom[0].split('@').pop(), [signatureHeader.signingDomain]) || undefined)?.domain || false
          : false;
      }

      const hashed = v.bodyHashes.get(signatureHeader.bodyHashKey);
      const bodyHash = hashed?.hash;
      const mimeStructureStart = hashed?.mimeStructureStart;

      if (signatureHeader.parsed?.bh?.value !== bodyHash) {
        status.result = 'neutral';
        status.comment = 'body hash did not verify';
      } else {
        try {
          const res = await publicKeyFor(signatureHeader.type, `${signatureHeader.selector}._domainkey.${signatureHeader.signingDomain}`, v.minBitLength, v.resolver);
          publicKey = res?.publicKey;
          rr = res?.rr;
          modulusLength = res?.modulusLength;
          try {
            status.result = verify(
              signatureHeader.signAlgo === 'rsa' ? signatureHeader.algorithm : null,
              signatureHeader.signAlgo === 'rsa' ? canonicalizedHeader : createHash('sha256').update(canonicalizedHeader).digest(),
              res.keyObject,
              Buffer.from(signatureHeader.parsed?.b?.value, 'base64'),
            ) ? 'pass' : 'fail';
            if (status.result === 'fail') status.comment = 'bad signature';
            if (status.result === 'pass') {
              if (signatureHeader.expiration && signatureHeader.timestamp && signatureHeader.expiration < signatureHeader.timestamp) {
                status.result = 'neutral';
                status.comment = 'invalid expiration';
              }
              if (signatureHeader.expiration && signatureHeader.expiration < v.curTime) {
                status.result = 'neutral';
                status.comment = 'expired';
              }
            }
          } catch (err) {
            status.result = 'neutral';
            status.comment = (err as Error).message;
          }
        } catch (err) {
          const e = err as { rr?: string; code?: string; message: string };
          if (e.rr) rr = e.rr;
          if (e.code && Object.hasOwn(KEY_FAULTS, e.code)) {
            status.result = 'neutral';
            status.comment = KEY_FAULTS[e.code];
          } else if (e.code === 'ESHORTKEY') {
            status.result = 'policy';
            if (!status.policy) status.policy = {};
            status.policy['dkim-rules'] = 'weak-key';
          } else {
            status.result = 'temperror';
            status.comment = `DNS failure: ${e.code || e.message}`;
          }
        }
      }

      signatureHeader.bodyHashedBytes = hashed?.bodyHashedBytes;
      signatureHeader.canonicalizedLength = hashed?.canonicalizedLength;
      signatureHeader.sourceBodyLength = hashed?.byteLength;

      const result: Record<string, any> = {
        id: signatureHeader.parsed?.b?.value
          ? createHash('sha256').update(Buffer.from(signatureHeader.parsed?.b?.value, 'base64')).digest('hex')
          : randomUUID(),
        signingDomain: signatureHeader.signingDomain,
        selector: signatureHeader.selector,
        signature: signatureHeader.parsed?.b?.value,
        algo: signatureHeader.parsed?.a?.value,
        format: signatureHeader.parsed?.c?.value,
        bodyHash,
        bodyHashExpecting: signatureHeader.parsed?.bh?.value,
        signingHeaders,
        status,
      };
      if (typeof signatureHeader.sourceBodyLength === 'number') result.sourceBodyLength = signatureHeader.sourceBodyLength;
      if (typeof signatureHeader.bodyHashedBytes === 'number') result.canonBodyLength = signatureHeader.bodyHashedBytes;
      if (typeof signatureHeader.canonicalizedLength === 'number') result.canonBodyLengthTotal = signatureHeader.canonicalizedLength;
      if (typeof signatureHeader.maxBodyLength === 'number') {
        result.canonBodyLengthLimited = true;
        result.canonBodyLengthLimit = signatureHeader.maxBodyLength;
        if (result.canonBodyLengthTotal > result.canonBodyLength) status.underSized = result.canonBodyLengthTotal - result.canonBodyLength;
      } else {
        result.canonBodyLengthLimited = false;
      }
      if (typeof mimeStructureStart === 'number') result.mimeStructureStart = mimeStructureStart;
      if (publicKey) result.publicKey = publicKey.toString();
      if (modulusLength) result.modulusLength = modulusLength;
      if (rr) result.rr = rr;
      if (typeof result.status.comment === 'boolean') delete result.status.comment;

      if (signatureHeader.type === 'ARC') {
        if (v.arc.lastEntry) v.arc.lastEntry.messageSignature = result;
      } else {
        v.results.push(result);
      }
    }
  } finally {
    if (!v.results.length) v.results.push({ status: { result: 'none', comment: 'message not signed' } });
    v.results.forEach((result: any) => {
      result.info = tools.formatAuthHeaderRow('dkim', result.status);
    });
  }

  if (v.seal && v.bodyHashes.has(v.sealBodyHashKey) && typeof v.bodyHashes.get(v.sealBodyHashKey)?.hash === 'string') {
    v.seal.bodyHash = v.bodyHashes.get(v.sealBodyHashKey).hash;
  }
}
