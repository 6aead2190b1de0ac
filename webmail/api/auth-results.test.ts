import { describe, expect, it } from 'vitest';
import { authView, ownAuthResults } from './auth-results.js';

const msg = (head: string) => Buffer.from(`${head}\r\nFrom: a@b.example\r\nSubject: x\r\n\r\nbody\r\nAuthentication-Results: mx.test; dmarc=pass\r\n`);

describe('authentication verdict', () => {
  it('reads only the topmost results in our own name, folded or not', () => {
    const raw = msg('Authentication-Results: mx.test;\r\n dkim=fail (bad sig) header.d=b.example;\r\n spf=pass smtp.mailfrom=b.example;\r\n dmarc=fail (p=none) header.from=b.example\r\nAuthentication-Results: MX.TEST; dmarc=pass');
    expect(ownAuthResults(raw, 'mx.test')).toEqual({ spf: 'pass', dkim: 'fail', dmarc: 'fail' });
    expect(ownAuthResults(msg('Authentication-Results: other.test; dmarc=pass'), 'mx.test')).toBeNull();
    // A field in the body is not a header.
    expect(ownAuthResults(msg('X-Other: 1'), 'mx.test')).toBeNull();
    expect(ownAuthResults(msg('Authentication-Results: (comment) mx.test; dkim=pass; dkim=fail; dmarc=none'), 'mx.test')).toEqual({ spf: 'none', dkim: 'pass', dmarc: 'none' });
  });

  it('warns on DMARC failure and on a local From coming from outside', () => {
    expect(authView({ spf: 'pass', dkim: 'pass', dmarc: 'pass' }, false)).toMatchObject({ verdict: 'pass', warning: null });
    expect(authView({ spf: 'fail', dkim: 'none', dmarc: 'none' }, false)).toMatchObject({ verdict: 'fail', warning: expect.any(String) });
    expect(authView({ spf: 'none', dkim: 'none', dmarc: 'none' }, true)).toMatchObject({ verdict: 'none', warning: expect.stringContaining('outside') });
    expect(authView(null, true)).toEqual({ spf: null, dkim: null, dmarc: null, verdict: 'none', warning: null });
  });
});
