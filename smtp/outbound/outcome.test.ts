import { describe, expect, it } from 'vitest';
import { enhancedStatus, resultsFromRoute, resultsFromSend } from './outcome.js';
import { isHopFailure, type SmtpError } from './transport.js';

const hop = { name: 'mx.remote.test', host: '192.0.2.1', port: 25 };

function smtpError(fields: Partial<SmtpError>): SmtpError {
  return Object.assign(new Error(fields.message ?? 'failed'), fields);
}

describe('enhancedStatus', () => {
  it('takes the enhanced code of the reply when its class matches the basic code', () => {
    expect(enhancedStatus('550 5.1.1 <bob@remote.test>: no such user')).toBe('5.1.1');
    expect(enhancedStatus('452-4.2.2 Mailbox full\r\n452 4.2.2 try later')).toBe('4.2.2');
    expect(enhancedStatus('250 2.0.0 Ok: queued')).toBe('2.0.0');
  });

  it('falls back to the class when the reply has none or a contradicting one (RFC 3463)', () => {
    expect(enhancedStatus('550 Requested action not taken')).toBe('5.0.0');
    expect(enhancedStatus('451 5.7.1 odd server')).toBe('4.0.0');
    expect(enhancedStatus('garbage')).toBe('4.0.0');
  });
});

describe('resultsFromSend', () => {
  it('gives each recipient refused at RCPT its own reply and the others the end-of-data reply', () => {
    const results = resultsFromSend(['a@remote.test', 'b@remote.test', 'c@remote.test'], {
      reached: true, hop, error: null,
      info: {
        accepted: ['a@remote.test'], rejected: ['b@remote.test', 'c@remote.test'], response: '250 2.0.0 Ok: queued as X',
        rejectedErrors: [
          smtpError({ recipient: 'b@remote.test', responseCode: 550, response: '550 5.1.1 no such user', command: 'RCPT TO' }),
          smtpError({ recipient: 'c@remote.test', responseCode: 452, response: '452 4.2.2 mailbox full', command: 'RCPT TO' }),
        ],
      },
    });
    expect(results).toEqual([
      { address: 'a@remote.test', outcome: 'delivered', reply: '250 2.0.0 Ok: queued as X', status: '2.0.0', remoteMta: 'mx.remote.test' },
      { address: 'b@remote.test', outcome: 'failed', reply: '550 5.1.1 no such user', status: '5.1.1', remoteMta: 'mx.remote.test' },
      { address: 'c@remote.test', outcome: 'deferred', reply: '452 4.2.2 mailbox full', status: '4.2.2', remoteMta: 'mx.remote.test' },
    ]);
  });

  it('applies a refusal of MAIL FROM or of the message to every recipient', () => {
    const error = smtpError({ code: 'EMESSAGE', command: 'DATA', responseCode: 554, response: '554 5.7.1 Message rejected as spam' });
    const results = resultsFromSend(['a@remote.test', 'b@remote.test'], { reached: true, hop, info: null, error });
    expect(results.map((r) => [r.outcome, r.status])).toEqual([['failed', '5.7.1'], ['failed', '5.7.1']]);
  });

  it('defers everyone when no server could be reached, naming each one tried', () => {
    const results = resultsFromSend(['a@remote.test'], {
      reached: false,
      failures: [
        { hop, error: smtpError({ code: 'ECONNECTION', message: 'connect ECONNREFUSED 192.0.2.1:25' }) },
        { hop: { ...hop, name: 'mx2.remote.test', host: '192.0.2.2' }, error: smtpError({ code: 'ETIMEDOUT', message: 'Connection timeout' }) },
      ],
    });
    expect(results).toEqual([{
      address: 'a@remote.test', outcome: 'deferred', status: '4.4.1', remoteMta: null,
      reply: 'no server took the message: mx.remote.test [192.0.2.1]:25: connect ECONNREFUSED 192.0.2.1:25; mx2.remote.test [192.0.2.2]:25: Connection timeout',
    }]);
  });

  it('keeps replies on one bounded line', () => {
    const long = `550 5.7.1 ${'x'.repeat(2000)}\r\n550 more`;
    const [r] = resultsFromSend(['a@remote.test'], { reached: true, hop, info: null, error: smtpError({ command: 'MAIL FROM', responseCode: 550, response: long }) });
    expect(r.reply).not.toMatch(/[\r\n]/);
    expect(r.reply.length).toBeLessThanOrEqual(500);
  });
});

describe('resultsFromRoute', () => {
  it('fails for good on a permanent DNS answer, defers on a temporary one', () => {
    expect(resultsFromRoute(['a@x.test'], { ok: false, temporary: false, code: 556, status: '5.1.10', text: 'null MX' }))
      .toEqual([{ address: 'a@x.test', outcome: 'failed', reply: '556 5.1.10 null MX', status: '5.1.10', remoteMta: null }]);
    expect(resultsFromRoute(['a@x.test'], { ok: false, temporary: true, code: 451, status: '4.4.3', text: 'DNS failed' })[0].outcome).toBe('deferred');
  });
});

describe('isHopFailure', () => {
  it('moves on to the next host for trouble before the transaction and for 421', () => {
    expect(isHopFailure(smtpError({ code: 'ECONNECTION' }))).toBe(true);
    expect(isHopFailure(smtpError({ code: 'ETIMEDOUT' }))).toBe(true);
    expect(isHopFailure(smtpError({ code: 'EPROTOCOL', command: 'CONN', responseCode: 554, response: '554 go away' }))).toBe(true);
    expect(isHopFailure(smtpError({ code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, response: '535 5.7.8 no' }))).toBe(true);
    expect(isHopFailure(smtpError({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 421, response: '421 closing' }))).toBe(true);
  });

  it('takes a reply in the transaction as the answer, and stops when aborted', () => {
    expect(isHopFailure(smtpError({ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 550, response: '550 no' }))).toBe(false);
    expect(isHopFailure(smtpError({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 451, response: '451 later' }))).toBe(false);
    expect(isHopFailure(smtpError({ code: 'EMESSAGE', command: 'DATA', responseCode: 552, response: '552 too big' }))).toBe(false);
    expect(isHopFailure(smtpError({ code: 'EABORT' }))).toBe(false);
  });
});

describe('a message over the SIZE the server announced', () => {
  it('fails for good without having been sent (RFC 1870)', () => {
    const error = smtpError({ code: 'EMESSAGE', command: 'MAIL FROM', message: 'Message size larger than allowed 1000' });
    const [r] = resultsFromSend(['a@remote.test'], { reached: true, hop, info: null, error });
    expect(r).toEqual({ address: 'a@remote.test', outcome: 'failed', status: '5.3.4', remoteMta: 'mx.remote.test', reply: '552 5.3.4 Message too big for mx.remote.test: Message size larger than allowed 1000' });
  });
});
