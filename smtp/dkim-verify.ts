// mailauth's dkimVerify() without its stream. dkimVerify writes the message into a Writable
// whose parser looks for the end of the header block one byte at a time, keeping the last four
// bytes in an array it slices at each byte; on the MX thread that walk cost more than the rest
// of the DKIM step (about 25 µs of 35 for a 4 KB message). Here the header block is found with
// one indexOf and the same verifier is driven through the same steps, with the same chunks:
// parsed headers, then the body 64 KB at a time as mailauth's writeToStream cuts it, then the
// final step that checks signatures and writes the results (dkim-finish.ts: the same step, with
// each signer's key parsed once). Only for messages whose every
// line ends in CRLF (the MX listener makes them so, message.ts): mailauth would turn a bare LF
// into CRLF on the way, and such a message goes to dkimVerify itself. verify.test.ts compares
// the two. The internals used are those of mailauth 4.12 (pinned in package.json).
import { dkimVerify, type ARCSigningData, type DKIMVerifyOptions, type DKIMVerifyResult } from 'mailauth';
import { createRequire } from 'node:module';
import { hasBareLf } from '../core/index.js';
import { parseHeaderBlock, type ParsedHeaders } from '../core/mail/dkim-headers.js';
import { finishDkim } from './dkim-finish.js';

interface Verifier {
  headers: unknown;
  headerFrom: string[];
  envelopeFrom: string | false;
  results: DKIMVerifyResult['results'];
  arc: ARCSigningData;
  messageHeaders(headers: unknown): Promise<void>;
  nextChunk(chunk: Buffer): Promise<void>;
  finalChunk(): Promise<void>;
}

const require = createRequire(import.meta.url);
const { DkimVerifier } = require('mailauth/lib/dkim/dkim-verifier.js') as { DkimVerifier: new (options: DKIMVerifyOptions) => Verifier };

/** DKIM signatures checked per message, the topmost (the latest added) first. RFC 6376 §6.1
 *  lets a verifier limit them (OpenDKIM checks 3 by default); each costs a key lookup, a body
 *  hash when its canonicalization or l= differs, and its h= fields: 300 signatures on a large
 *  message would hold the MX thread. Real mail carries one to three. */
export const MAX_DKIM_SIGNATURES = 8;

/** mailauth's writeToStream chunk size. */
const CHUNK = 64 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

export interface DkimOutcome {
  headerFrom: string[];
  envelopeFrom: string | false;
  results: DKIMVerifyResult['results'];
  /** The ARC data read from the header (arc() takes it). */
  arc: ARCSigningData;
}

export async function verifyDkim(message: Buffer, options: DKIMVerifyOptions): Promise<DkimOutcome> {
  // mailauth's parser ends the header block at the first LF LF or LF CR LF: with CRLF lines
  // throughout, the first CRLF CRLF, past a non-empty header.
  const end = message.indexOf(CRLF2);
  if (end <= 0 || hasBareLf(message)) {
    const r = await dkimVerify(message, options);
    return { headerFrom: r.headerFrom, envelopeFrom: r.envelopeFrom, results: r.results, arc: r.arc as ARCSigningData };
  }
  const headerLength = end + 4;
  const v = new DkimVerifier(options);
  const headers = parseHeaderBlock(message.subarray(0, headerLength));
  // The verifier takes the signatures it checks from the list it is given; it signs (h=) the
  // fields of the whole header, the signatures it does not check among them.
  await v.messageHeaders(withSignaturesUpTo(headers, MAX_DKIM_SIGNATURES));
  v.headers = headers;
  // The body as the stream gave it: the rest of the chunk the header ended in, then whole chunks.
  for (let from = headerLength; from < message.length;) {
    const to = Math.min(message.length, (Math.floor(from / CHUNK) + 1) * CHUNK);
    await v.nextChunk(message.subarray(from, to));
    from = to;
  }
  await finishDkim(v);
  return { headerFrom: v.headerFrom, envelopeFrom: v.envelopeFrom, results: v.results, arc: v.arc };
}

/** The header with its DKIM-Signature fields past the first `max` left out. */
function withSignaturesUpTo(headers: ParsedHeaders, max: number): ParsedHeaders {
  let seen = 0;
  const parsed = headers.parsed.filter((h) => h.key !== 'dkim-signature' || ++seen <= max);
  return parsed.length === headers.parsed.length ? headers : { parsed, original: headers.original };
}
