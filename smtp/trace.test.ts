import { describe, expect, it } from 'vitest';
import { countReceived, receivedHeader, rfc5322Date, stripOwnAuthResults } from './trace.js';

const date = new Date('2025-06-02T10:00:00Z');

describe('receivedHeader', () => {
  it('writes the RFC 5321 §4.4 stamp with TLS details and the one recipient', () => {
    expect(receivedHeader({
      by: 'mx.facteur.test', helo: 'mail.ext.example', ip: '192.0.2.7', ptr: 'mail.ext.example', protocol: 'ESMTPS', id: 'abc-1',
      tls: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' }, recipients: ['alice@facteur.test'], date,
    })).toBe('Received: from mail.ext.example (mail.ext.example [192.0.2.7])\r\n'
      + '\tby mx.facteur.test (Facteur) with ESMTPS id abc-1\r\n'
      + '\t(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384)\r\n'
      + '\tfor <alice@facteur.test>; Mon, 02 Jun 2025 10:00:00 +0000\r\n');
  });

  it('names no recipient when there are several, and can leave the client out', () => {
    expect(receivedHeader({ by: 'mx', helo: false, ip: null, ptr: null, protocol: 'ESMTPSA', id: 'x', tls: null, recipients: ['a@b.c', 'd@b.c'], date }))
      .toBe('Received: from unknown\r\n\tby mx (Facteur) with ESMTPSA id x; Mon, 02 Jun 2025 10:00:00 +0000\r\n');
  });

  it('keeps a hostile HELO from reshaping the field', () => {
    const h = receivedHeader({ by: 'mx', helo: 'evil); by forged.example (x', ip: '192.0.2.1', ptr: null, protocol: 'SMTP', id: 'x', tls: null, recipients: [], date });
    expect(h.split('\r\n')[0]).toBe('Received: from evil___by_forged.example__x (unknown [192.0.2.1])');
  });
});

describe('countReceived / stripOwnAuthResults', () => {
  it('counts Received fields in the header only', () => {
    expect(countReceived(Buffer.from('Received: a\r\nreceived: b\r\n  folded\r\nX: y\r\n\r\nReceived: body'))).toBe(2);
  });

  it('removes results claiming our authserv-id (any case, comments skipped), keeps the others', () => {
    const raw = Buffer.from([
      'Authentication-Results: MX.Facteur.Test; dkim=pass',
      '  header.d=bank.example',
      'Authentication-Results: (comment) mx.facteur.test;',
      ' spf=pass',
      'Authentication-Results: mx.other.example; spf=pass',
      'Subject: x',
      '',
      'Authentication-Results: mx.facteur.test; in the body',
      '',
    ].join('\r\n'));
    expect(stripOwnAuthResults(raw, 'mx.facteur.test').toString()).toBe([
      'Authentication-Results: mx.other.example; spf=pass',
      'Subject: x',
      '',
      'Authentication-Results: mx.facteur.test; in the body',
      '',
    ].join('\r\n'));
    const none = Buffer.from('Subject: x\r\n\r\n');
    expect(stripOwnAuthResults(none, 'mx.facteur.test')).toBe(none);
  });
});

describe('rfc5322Date', () => {
  it('uses a numeric zone', () => {
    expect(rfc5322Date(date)).toBe('Mon, 02 Jun 2025 10:00:00 +0000');
  });

  it('follows the clock from one second to the next, within a second too', () => {
    expect(rfc5322Date(new Date('2025-06-02T10:00:00.900Z'))).toBe('Mon, 02 Jun 2025 10:00:00 +0000');
    expect(rfc5322Date(new Date('2025-06-02T10:00:01.000Z'))).toBe('Mon, 02 Jun 2025 10:00:01 +0000');
    expect(rfc5322Date(new Date('2025-06-02T09:59:59.999Z'))).toBe('Mon, 02 Jun 2025 09:59:59 +0000');
  });
});
