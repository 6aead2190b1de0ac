import { describe, expect, it } from 'vitest';
import { clientSettingsFromConfig, davPrincipalPath, httpsBase } from './settings.js';

const config = {
  hostname: 'mail.ecole.example',
  imap: { port: 2143 }, imaps: { port: 2993 }, submission: { port: 2587 }, submissions: { port: 2465 }, https: { port: 0 },
  advertise: { imapPort: 0, imapsPort: 993, submissionPort: 0, submissionsPort: 465, httpsPort: 0 },
};

describe('client settings', () => {
  it('announces the advertised port, else the bound one, else the configured one', () => {
    const s = clientSettingsFromConfig(config, [{ name: 'https', port: 40443 }, { name: 'imaps', port: 40993 }, { name: 'smtp', port: 25 }]);
    expect(s.ports).toEqual({ imap: 2143, imaps: 993, submission: 2587, submissions: 465, https: 40443 });
    expect(httpsBase(s)).toBe('https://mail.ecole.example:40443');
    expect(httpsBase({ ...s, ports: { ...s.ports, https: 443 } })).toBe('https://mail.ecole.example');
  });

  it('builds principal paths that keep "@" and escape what would end a segment', () => {
    expect(davPrincipalPath('jeanne@ecole.example')).toBe('/dav/principals/jeanne@ecole.example/');
    expect(davPrincipalPath('a/b?c#d@ecole.example')).toBe('/dav/principals/a%2Fb%3Fc%23d@ecole.example/');
  });
});
