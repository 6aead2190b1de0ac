// DKIM keys per domain: made here, stored through the account store, published by the admin.
// What leaves this service never includes a private key.
import { AlreadyExists, Invalid, NotFound } from '../errors.js';
import { normalizeDomain } from '../accounts/address.js';
import type { Actor } from '../accounts/service.js';
import type { DkimAlgorithm, DkimKey, Store } from '../../storage/index.js';
import { generateDkimKeyPair } from './keys.js';
import { defaultSelector, dkimRecordName, dkimRecordValue, normalizeSelector } from './record.js';

/** A key as an admin sees it: the DNS record to publish, no private key. */
export interface DkimRecord {
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  /** TXT record name: <selector>._domainkey.<domain> */
  name: string;
  /** TXT record text: v=DKIM1; k=...; p=... */
  value: string;
  createdAt: Date;
}

const SYSTEM: Actor = { name: 'system' };
const ALGORITHMS: DkimAlgorithm[] = ['rsa', 'ed25519'];

export class Dkim {
  constructor(private readonly store: Store) {}

  /** Validates the domain (must be one of ours) and the selector before generating anything. */
  async generate(domainName: string, options: { selector?: string; algorithm?: DkimAlgorithm } = {}, actor: Actor = SYSTEM): Promise<DkimRecord> {
    const domain = normalizeDomain(domainName);
    const selector = normalizeSelector(options.selector ?? defaultSelector());
    const algorithm = options.algorithm ?? 'rsa';
    if (!ALGORITHMS.includes(algorithm)) throw new Invalid(`invalid DKIM algorithm "${algorithm}": use rsa or ed25519`, 'algorithm');
    if (dkimRecordName(selector, domain).length > 253) throw new Invalid(`selector "${selector}" is too long for domain ${domain}`, 'selector');
    if (!(await this.store.accounts.getDomain(domain))) throw new NotFound(`unknown domain ${domain}`);
    // Replacing a published key would break the signatures of mail still in transit: a new
    // key takes a new selector.
    if ((await this.store.accounts.listDkimKeys(domain)).some((k) => k.selector === selector)) {
      throw new AlreadyExists(`domain ${domain} already has a DKIM key with selector ${selector}: choose another selector`);
    }
    const pair = await generateDkimKeyPair(algorithm);
    const key = await this.store.accounts.putDkimKey({ domain, selector, ...pair });
    await this.store.audit.append({
      actor: actor.name, ip: actor.ip ?? null, action: 'dkim.generate', target: domain, unit: null, success: true,
      details: { selector, algorithm },
    });
    return toRecord(key);
  }

  /** Newest first. */
  async list(domainName: string): Promise<DkimRecord[]> {
    const domain = normalizeDomain(domainName);
    if (!(await this.store.accounts.getDomain(domain))) throw new NotFound(`unknown domain ${domain}`);
    return (await this.store.accounts.listDkimKeys(domain)).map(toRecord);
  }
}

function toRecord(key: DkimKey): DkimRecord {
  return {
    domain: key.domain,
    selector: key.selector,
    algorithm: key.algorithm,
    name: dkimRecordName(key.selector, key.domain),
    value: dkimRecordValue(key.algorithm, key.publicKey),
    createdAt: key.createdAt,
  };
}
