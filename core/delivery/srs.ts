// Sender Rewriting Scheme, for mail an alias forwards to another domain. Forwarded as is, a
// message from alice@sender.example leaves our servers with her envelope sender, and the next
// server's SPF check of sender.example fails (we are not in its SPF record). So the envelope
// sender of a forwarded copy is rewritten into an address of ours that encodes hers:
//   SRS0=HHHHHH=TT=sender.example=alice@<srs domain>
// (the form of Shevek's SRS paper and libsrs2, which Postfix's postsrsd also uses). A bounce
// sent back to it arrives on our MX, is checked (HHHHHH, a keyed hash, and TT, the day it was
// made) and goes on to alice. Without the hash anyone could relay through us by writing such an
// address; without the day, a leaked address would work forever.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { base32Encode } from '../auth/totp.js';

/** libsrs2's alphabet for TT: base 32 of the day number, 2 characters (1024 days). */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const DAY_MS = 86_400_000;
const TT_SPAN = 1024;
/** Characters of the hash: 30 bits in a case-insensitive alphabet, since a relay may change
 *  the case of a local part (libsrs2 uses 4 base64 characters and compares them ignoring case). */
const HASH_CHARS = 6;
/** libsrs2's default: a bounce can come days after the message. */
export const SRS_MAX_AGE_DAYS = 21;

export interface SrsOptions {
  /** The HMAC key (config srs.secret). */
  secret: string;
  /** The domain of the rewritten addresses: ours, with an SPF record naming our outgoing IPs. */
  domain: string;
  maxAgeDays?: number;
  now?: () => number;
}

export class Srs {
  readonly domain: string;
  private readonly maxAgeDays: number;
  private readonly now: () => number;

  constructor(private readonly options: SrsOptions) {
    this.domain = options.domain.toLowerCase();
    this.maxAgeDays = options.maxAgeDays ?? SRS_MAX_AGE_DAYS;
    this.now = options.now ?? Date.now;
  }

  /** The envelope sender for a forwarded copy of mail from `sender` ('' stays '': bounces
   *  are never rewritten, they have nowhere to go back to). */
  forward(sender: string): string {
    const at = sender.lastIndexOf('@');
    if (!sender || at <= 0) return sender;
    const domain = sender.slice(at + 1).toLowerCase();
    // Already one of our own addresses (a local user's mail): SPF passes as it is.
    if (domain === this.domain) return sender;
    const local = sender.slice(0, at);
    const tt = dayStamp(Math.floor(this.now() / DAY_MS));
    return `SRS0=${this.hash(tt, domain, local)}=${tt}=${domain}=${local}@${this.domain}`;
  }

  /** Is this an address of our SRS domain in SRS0 form (valid or not)? */
  owns(address: string): boolean {
    const at = address.lastIndexOf('@');
    return at > 0 && address.slice(at + 1).toLowerCase() === this.domain && /^srs0[=+-]/i.test(address);
  }

  /** The original sender encoded in `address`, or null if it is not ours, was tampered with
   *  or is too old. */
  reverse(address: string): string | null {
    if (!this.owns(address)) return null;
    // SRS0=HHHHHH=TT=domain=local: the local part may itself hold "=".
    const m = /^srs0[=+-]([a-z2-7]+)=([a-z2-7]{2})=([^=]+)=(.+)$/i.exec(address.slice(0, address.lastIndexOf('@')));
    if (!m) return null;
    const [, hash, tt, domain, local] = m;
    if (!this.fresh(tt)) return null;
    const expected = Buffer.from(this.hash(tt.toUpperCase(), domain.toLowerCase(), local));
    const given = Buffer.from(hash.toUpperCase());
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return `${local}@${domain}`;
  }

  private hash(tt: string, domain: string, local: string): string {
    // Case folded before hashing: a relay that changes the case breaks nothing.
    const mac = createHmac('sha256', this.options.secret).update(`${tt}=${domain}=${local}`.toLowerCase()).digest();
    return base32Encode(mac.subarray(0, 4)).slice(0, HASH_CHARS);
  }

  /** Made within maxAgeDays (TT wraps every 1024 days). */
  private fresh(tt: string): boolean {
    const upper = tt.toUpperCase();
    const made = BASE32.indexOf(upper[0]) * 32 + BASE32.indexOf(upper[1]);
    if (made < 0) return false;
    const today = Math.floor(this.now() / DAY_MS) % TT_SPAN;
    const age = (today - made + TT_SPAN) % TT_SPAN;
    return age <= this.maxAgeDays;
  }
}

function dayStamp(day: number): string {
  const d = day % TT_SPAN;
  return BASE32[d >> 5] + BASE32[d & 31];
}
