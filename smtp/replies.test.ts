import { describe, expect, it } from 'vitest';
import { AlreadyExists, OverQuota, Refusals, Unavailable } from '../core/index.js';
import { OWN_STATUS, Replies, SmtpError, decisionError, errorReply } from './replies.js';

describe('replies', () => {
  it('turns a pipeline refusal into the smtp-server error shape', () => {
    const err = decisionError(Refusals.relayDenied());
    expect(err).toBeInstanceOf(SmtpError);
    expect(err.responseCode).toBe(550);
    expect(err.message).toBe('5.7.1 Relaying denied: this server only accepts mail for its own domains');
    expect(OWN_STATUS.test(err.message)).toBe(true);
    expect(() => decisionError({ ok: true })).toThrow(TypeError);
  });

  it('maps typed core errors, and anything else to a logged temporary failure', () => {
    expect(errorReply(new OverQuota('full', 10, 10))).toMatchObject({ error: { responseCode: 552, status: '5.2.2' }, unexpected: false });
    expect(errorReply(new Unavailable('disk'))).toMatchObject({ error: { responseCode: 451, status: '4.3.0' }, unexpected: false });
    expect(errorReply(new AlreadyExists('x'))).toMatchObject({ error: { responseCode: 451 }, unexpected: true });
    expect(errorReply(new TypeError('bug'))).toMatchObject({ error: { responseCode: 451, message: '4.3.0 Temporary local error, try again later' }, unexpected: true });
  });

  it('keeps replies on one line and says when to retry', () => {
    expect(Replies.authThrottled(1500).message).toBe('4.7.0 Too many failed logins: try again in 2 seconds');
    expect(decisionError(Refusals.unknownUser('a\r\nb@c.d')).message).not.toMatch(/[\r\n]/);
  });
});
