import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildDsn } from './dsn.js';

const original = Buffer.from('From: alice@facteur.test\r\nTo: x@remote.example\r\nSubject: Sortie\r\n\r\nSecret body.\r\n');

describe('buildDsn', () => {
  it('builds an RFC 3464 multipart/report with the original headers, not the body', async () => {
    const raw = buildDsn({
      reportingMta: 'mx.facteur.test', originalSender: 'alice@facteur.test', originalRaw: original, envid: 'ENV-1',
      failed: [{ address: 'x@remote.example', status: '5.1.1', diagnostic: '550 5.1.1 no such\r\nuser', remoteMta: 'mx.remote.example' }],
    });
    const text = raw.toString('utf8');
    expect(text).toMatch(/^From: Mail Delivery System <MAILER-DAEMON@mx\.facteur\.test>\r\nTo: <alice@facteur\.test>\r\n/);
    expect(text).toMatch(/Content-Type: multipart\/report; report-type=delivery-status; boundary="/);
    expect(text).toContain('Reporting-MTA: dns; mx.facteur.test\r\nOriginal-Envelope-Id: ENV-1');
    expect(text).toContain('Final-Recipient: rfc822; x@remote.example\r\nAction: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.remote.example\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user');
    expect(text).toContain('Content-Type: text/rfc822-headers\r\n\r\nFrom: alice@facteur.test\r\nTo: x@remote.example\r\nSubject: Sortie\r\n');
    expect(text).not.toContain('Secret body.');
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('Non remis / Undelivered Mail Returned to Sender');
    expect(parsed.text).toContain("Votre message n'a pas pu être remis");
  });

  it('returns the whole message, byte for byte, with RET=FULL; echoes ORCPT as Original-Recipient', async () => {
    const eightBit = Buffer.concat([Buffer.from('From: alice@facteur.test\r\nSubject: =?UTF-8?Q?R=C3=A9union?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nD'), Buffer.from([0xe9]), Buffer.from('j\xe0 vu.\r\n', 'latin1')]);
    const raw = buildDsn({
      reportingMta: 'mx.facteur.test', originalSender: 'alice@facteur.test', originalRaw: eightBit, ret: 'FULL',
      failed: [{ address: 'x@remote.example', status: '5.1.1', diagnostic: '550 no', originalRecipient: 'rfc822;X@Remote.Example' }],
    });
    expect(raw.toString('latin1')).toContain('Original-Recipient: rfc822;X@Remote.Example\r\nFinal-Recipient: rfc822; x@remote.example');
    expect(raw.toString('latin1')).toContain('Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\n');
    expect(raw.includes(eightBit)).toBe(true);
    const parsed = await simpleParser(raw);
    const returned = parsed.attachments.find((a) => a.contentType === 'message/rfc822');
    expect(returned?.content.equals(eightBit)).toBe(true);
  });

  it('says "delayed" for a warning', () => {
    const text = buildDsn({ reportingMta: 'mx', originalSender: 'a@b.c', originalRaw: original, action: 'delayed', failed: [{ address: 'x@y.z', status: '4.4.1', diagnostic: 'no answer' }] }).toString();
    expect(text).toContain('Action: delayed');
    expect(text).toContain('Subject: =?UTF-8?B?');
  });
});
