import type { IncomingMessage } from 'node:http';
import { describe, expect, test } from 'vitest';
import { parseBasic, secureChannel } from './auth.js';

const req = (remoteAddress: string, encrypted?: boolean) => ({ socket: { remoteAddress, encrypted } }) as unknown as IncomingMessage;

describe('secureChannel', () => {
  test('TLS from anywhere, plain only from loopback', () => {
    expect(secureChannel(req('203.0.113.5', true))).toBe(true);
    expect(secureChannel(req('127.0.0.1'))).toBe(true);
    expect(secureChannel(req('::ffff:127.0.0.1'))).toBe(true);
    expect(secureChannel(req('::1'))).toBe(true);
    expect(secureChannel(req('203.0.113.5'))).toBe(false);
    expect(secureChannel(req('10.0.0.1', false))).toBe(false);
  });
});

describe('parseBasic', () => {
  test('user name up to the first colon, UTF-8 password', () => {
    const header = `Basic ${Buffer.from('jeanne@ecole.fr:pa:ss é').toString('base64')}`;
    expect(parseBasic(header)).toEqual({ username: 'jeanne@ecole.fr', password: 'pa:ss é' });
    expect(parseBasic('Bearer abc')).toBeNull();
    expect(parseBasic(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeNull();
    expect(parseBasic(undefined)).toBeNull();
  });
});
