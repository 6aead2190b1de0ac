// DKIM signing of outgoing mail with the newest key of the author's domain (RFC 6376;
// ed25519-sha256 per RFC 8463). No key for the domain: the message goes out unsigned.
import { dkimSign, type DKIMSignOptions } from 'mailauth';
import type { Store } from '../../storage/index.js';

export async function signMessage(store: Store, raw: Buffer, domain: string): Promise<Buffer> {
  const [key] = await store.accounts.listDkimKeys(domain);
  if (!key) return raw;
  const { signatures, errors } = await dkimSign(raw, {
    canonicalization: 'relaxed/relaxed',
    signatureData: [{
      signingDomain: domain,
      selector: key.selector,
      privateKey: key.privateKeyPem,
      algorithm: key.algorithm === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256',
    }],
    // mailauth@4's JS reads signatureData[]; its .d.ts describes a flat shape it ignores.
  } as unknown as DKIMSignOptions);
  if (errors?.length || !signatures.trim()) return raw;
  return Buffer.concat([Buffer.from(signatures, 'utf8'), raw]);
}
