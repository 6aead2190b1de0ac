import type { IncomingMessage } from 'node:http';
import { describe, expect, test } from 'vitest';
import { isSecureChannel, parseBasicAuth } from './basic-auth.js';

const req = (remoteAddress: string | undefined, encrypted?: boolean) => ({ socket: { remoteAddress, encrypted } }) as unknown as IncomingMessage;
const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('isSecureChannel', () => {
  test('TLS from anywhere', () => {
    expect(isSecureChannel(req('203.0.113.5', true))).toBe(true);
    expect(isSecureChannel(req('2001:db8::1', true))).toBe(true);
  });
  test('plain HTTP only from loopback, however spelt', () => {
    expect(isSecureChannel(req('127.0.0.1'))).toBe(true);
    expect(isSecureChannel(req('127.8.9.10'))).toBe(true);
    expect(isSecureChannel(req('::ffff:127.0.0.1'))).toBe(true);
    expect(isSecureChannel(req('::1'))).toBe(true);
    expect(isSecureChannel(req('203.0.113.5'))).toBe(false);
    expect(isSecureChannel(req('10.0.0.1', false))).toBe(false);
    expect(isSecureChannel(req('::ffff:10.0.0.1'))).toBe(false);
    expect(isSecureChannel(req(undefined))).toBe(false);
  });
});

describe('parseBasicAuth', () => {
  test('user-id up to the first colon, the rest is the UTF-8 password', () => {
    expect(parseBasicAuth(basic('jeanne@ecole.fr:pa:ss é'))).toEqual({ username: 'jeanne@ecole.fr', password: 'pa:ss é' });
    expect(parseBasicAuth(basic('jeanne@ecole.fr:'))).toEqual({ username: 'jeanne@ecole.fr', password: '' });
  });
  test('the scheme name is case-insensitive (RFC 7617 §2)', () => {
    expect(parseBasicAuth(`bAsIc   ${Buffer.from('a:b').toString('base64')} `)).toEqual({ username: 'a', password: 'b' });
  });
  test('anything else is no credentials', () => {
    expect(parseBasicAuth(undefined)).toBeNull();
    expect(parseBasicAuth('')).toBeNull();
    expect(parseBasicAuth('Bearer abc')).toBeNull();
    expect(parseBasicAuth('Basic')).toBeNull();
    expect(parseBasicAuth('Basic not base64!')).toBeNull();
    expect(parseBasicAuth(basic('nocolon'))).toBeNull();
  });
});
