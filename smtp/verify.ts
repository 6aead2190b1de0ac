// Incoming mail authentication: SPF, DKIM, DMARC and ARC through mailauth, with DNS from the
// one injectable resolver. The Authentication-Results field it writes is the record the
// webmail shows; the DMARC outcome decides between delivering, filing in Junk and refusing.
import libmime from 'libmime';
import { arc, dmarc, spf, type ARCData, type ARCResult, type DMARCResult, type SPFResult } from 'mailauth';
import { isIP } from 'node:net';
import type { Resolver } from '../core/index.js';
import { verifyDkim, type DkimOutcome } from './dkim-verify.js';
import { headerEnd } from './message.js';
import type { VerifyMemo } from './verify-memo.js';

export type DmarcAction = 'deliver' | 'junk' | 'reject' | 'tempfail';

export interface InboundVerdict {
  /** Received-SPF and Authentication-Results, CRLF-terminated, to prepend. */
  headers: string;
  action: DmarcAction;
  /** The domain whose policy decided, for the refusal text. */
  dmarcDomain: string | null;
  /** One word per method, for the log line. */
  results: { spf: string; dkim: string; dmarc: string; arc: string };
}

export interface VerifyInput {
  ip: string;
  helo: string | false;
  /** Envelope sender ('' for the null sender). */
  sender: string;
  /** Our host name: the authserv-id of the results. */
  mta: string;
  resolver: Resolver;
  /** For DMARC pct sampling; Math.random by default. */
  random?: () => number;
  /** Reuses SPF and DMARC evaluations while their DNS answers are unchanged (verify-memo.ts). */
  memo?: VerifyMemo;
}

export async function verifyInbound(raw: Buffer, input: VerifyInput): Promise<InboundVerdict> {
  const result = await authenticate(checkedPart(raw), input);
  // One evaluation per author domain; the strictest outcome decides (RFC 7489 §6.6.1).
  let decided: { dmarc: DMARCResult; action: DmarcAction } | null = null;
  for (const dmarc of result.dmarc) {
    const action = dmarcAction({ result: dmarc.status.result, policy: dmarc.policy, pct: dmarc.pct }, input.random ?? Math.random);
    if (!decided || SEVERITY[action] > SEVERITY[decided.action]) decided = { dmarc, action };
  }
  return {
    headers: result.headers,
    action: decided?.action ?? 'deliver',
    dmarcDomain: decided ? decided.dmarc.domain : null,
    results: summarize(result, decided?.dmarc ?? null),
  };
}

const SEVERITY: Record<DmarcAction, number> = { deliver: 0, junk: 1, tempfail: 2, reject: 3 };

interface AuthResults {
  dkim: DkimOutcome;
  spf: SPFResult;
  arc: ARCResult;
  /** One result per author domain (most messages have one). */
  dmarc: DMARCResult[];
  headers: string;
}

/**
 * mailauth's authenticate() (4.x, lib/mailauth.js) for what we ask of it: the same checks in the
 * same order, the same header text; BIMI off (it shows logos, and costs DNS and HTTPS lookups
 * for nothing we display), no ARC sealing, the client's word taken from the session rather
 * than Received fields. Written out so that SPF and DMARC can go through the memo (DKIM and
 * ARC read the message, and run for each one), and DKIM without a stream (dkim-verify.ts).
 * verify.test.ts compares the two.
 */
async function authenticate(message: Buffer, input: VerifyInput): Promise<AuthResults> {
  const resolver = input.resolver;
  const dkimResult = await verifyDkim(message, { resolver, sender: input.sender || undefined });

  let helo = input.helo || input.ip || undefined;
  if (helo && isIP(helo)) helo = `[${helo}]`;
  const spfOptions = { ip: input.ip, helo, sender: input.sender || undefined, mta: input.mta };
  const spfResult = await memoized(input, `spf ${JSON.stringify(spfOptions)}`, (r) => spf({ ...spfOptions, resolver: r }));

  // authenticate() hands over the signing data as ARC data: the chain is read from it.
  const arcResult = await arc(dkimResult.arc as unknown as ARCData, { resolver });

  const headers: string[] = [];
  const rows: string[] = [];
  for (const row of dkimResult.results ?? []) rows.push(libmime.foldLines(row.info, 160));
  rows.push(libmime.foldLines(spfResult.info, 160));
  headers.push(spfResult.header);
  if (arcResult.info) rows.push(libmime.foldLines(arcResult.info, 160));

  const dmarcResults: DMARCResult[] = [];
  // mailauth evaluates a From: with exactly one address and skips any other: a From: listing
  // several authors (one of them a domain with p=reject) would pass unjudged. Each author
  // domain is evaluated as if it stood alone.
  for (const author of authorsByDomain(dkimResult.headerFrom ?? [])) {
    const dmarcInput = {
      headerFrom: [author],
      spfDomains: spfResult.status.result === 'pass' && spfResult.domain ? [spfResult.domain] : [],
      dkimDomains: (dkimResult.results ?? []).filter((r) => r.status.result === 'pass')
        .map((r) => ({ id: r.id, domain: r.signingDomain, aligned: r.status.aligned, underSized: r.status.underSized })),
    };
    // Of the ARC result, DMARC reads its status alone (lib/dmarc/verify.js).
    const arcStatus = arcResult.status?.result;
    const result = await memoized(input, `dmarc ${JSON.stringify([dmarcInput, arcStatus])}`,
      (r) => dmarc({ ...dmarcInput, arcResult: { status: { result: arcStatus } } as ARCResult, resolver: r }));
    if (!result) continue;
    dmarcResults.push(result);
    if (result.info) rows.push(libmime.foldLines(result.info, 160));
  }

  headers.push(`Authentication-Results: ${input.mta};\r\n ${rows.join(';\r\n ')}`);
  return { dkim: dkimResult, spf: spfResult, arc: arcResult, dmarc: dmarcResults, headers: `${headers.join('\r\n')}\r\n` };
}

/** The first address of each distinct domain, in order. */
function authorsByDomain(addresses: string[]): string[] {
  const seen = new Set<string>();
  return addresses.filter((a) => {
    const domain = a.slice(a.lastIndexOf('@') + 1).toLowerCase();
    if (seen.has(domain)) return false;
    seen.add(domain);
    return true;
  });
}

function memoized<T>(input: VerifyInput, key: string, compute: (resolver: Resolver) => Promise<T>): Promise<T> {
  return input.memo ? input.memo.get(key, compute) : compute(input.resolver);
}

/** Header fields whose checks read the body: a DKIM signature and an ARC set (its
 *  ARC-Message-Signature carries a body hash, RFC 8617 §4.1.2). Matched anywhere in the header
 *  block, so that an oddly written field errs on the side of the whole message. */
const BODY_SIGNED = /dkim-signature|arc-(?:seal|message-signature|authentication-results)/i;

/**
 * What mailauth needs to see. Without a signature nothing reads the body (SPF, DMARC and the
 * From: alignment go by the envelope and the header fields), so an unsigned message is checked
 * by its header block alone: mailauth's parser walks every byte it is given, in JavaScript, and
 * on most inbound mail that walk was its largest cost. The results are the same either way.
 */
export function checkedPart(raw: Buffer): Buffer {
  const end = headerEnd(raw);
  if (end >= raw.length - 2) return raw;
  if (BODY_SIGNED.test(raw.toString('latin1', 0, end))) return raw;
  // The header block and its blank line: the body is empty.
  return raw.subarray(0, end + 2);
}

/**
 * What a DMARC evaluation asks of us (RFC 7489 §6.6.4). Failing with p=reject: refuse;
 * p=quarantine: Junk. With pct below 100, the messages outside the sample get the next weaker
 * treatment (reject -> quarantine -> none). A temporary DNS failure defers the message rather
 * than let a forged one through while a domain's records cannot be read.
 */
export function dmarcAction(dmarc: { result: string; policy?: string | null; pct?: number | string | null }, random: () => number): DmarcAction {
  if (dmarc.result === 'temperror') return 'tempfail';
  if (dmarc.result !== 'fail') return 'deliver';
  const policy = String(dmarc.policy ?? 'none').toLowerCase();
  const pct = dmarc.pct === undefined || dmarc.pct === null || dmarc.pct === '' ? 100 : Number(dmarc.pct);
  const sampled = !(Number.isFinite(pct) && pct < 100) || random() * 100 < pct;
  if (policy === 'reject') return sampled ? 'reject' : 'junk';
  if (policy === 'quarantine') return sampled ? 'junk' : 'deliver';
  return 'deliver';
}

function summarize(r: AuthResults, decided: DMARCResult | null): InboundVerdict['results'] {
  const dkim = r.dkim?.results?.map((x) => x.status.result) ?? [];
  return {
    spf: r.spf ? r.spf.status.result : 'none',
    dkim: dkim.includes('pass') ? 'pass' : dkim[0] ?? 'none',
    dmarc: decided ? decided.status.result : 'none',
    arc: r.arc ? String(r.arc.status?.result ?? 'none') : 'none',
  };
}
