import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { outboundOptionsFromConfig } from './index.js';
import { parseHostPort } from './route.js';

describe('outboundOptionsFromConfig', () => {
  it('delivers by MX on port 25 by default', () => {
    const { config } = loadConfig({ env: { FACTEUR_HOSTNAME: 'mail.school.test' } });
    expect(outboundOptionsFromConfig(config)).toEqual({
      hostname: 'mail.school.test', port: 25, relay: null, concurrency: 20, concurrencyPerDomain: 4,
    });
  });

  it('reads the smart host and its credentials', () => {
    const { config } = loadConfig({ env: {
      FACTEUR_OUTBOUND_RELAY: 'smtp.academie.test:587', FACTEUR_OUTBOUND_RELAY_USER: 'lycee', FACTEUR_OUTBOUND_RELAY_PASSWORD: 'pw',
    } });
    expect(outboundOptionsFromConfig(config).relay).toEqual({ host: 'smtp.academie.test', port: 587, user: 'lycee', password: 'pw' });
  });
});

describe('parseHostPort', () => {
  it('reads names, IPv4 and bracketed IPv6', () => {
    expect(parseHostPort('relay.test:25')).toEqual({ host: 'relay.test', port: 25 });
    expect(parseHostPort('192.0.2.7:2525')).toEqual({ host: '192.0.2.7', port: 2525 });
    expect(parseHostPort('[2001:db8::1]:587')).toEqual({ host: '2001:db8::1', port: 587 });
    expect(() => parseHostPort('relay.test')).toThrow(/host:port/);
  });
});
