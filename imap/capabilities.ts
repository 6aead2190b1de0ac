// What the server says it can do (RFC 9051 §6.1.1). Only what is implemented is listed;
// LOGINDISABLED and the AUTH= mechanisms follow the transport (RFC 9051 §6.2.3, RFC 8314).

export interface CapabilityContext {
  authenticated: boolean;
  mayStartTls: boolean;
  mayAuthenticate: boolean;
  /** RFC 7889 APPENDLIMIT: the largest message APPEND accepts. */
  appendLimit: number;
}

const ALWAYS = [
  'IMAP4rev1',
  'LITERAL+', // RFC 7888
  'SASL-IR', // RFC 4959
  'ID', // RFC 2971
  'ENABLE', // RFC 5161
  'IDLE', // RFC 2177
  'NAMESPACE', // RFC 2342
  'UNSELECT', // RFC 3691
  'UIDPLUS', // RFC 4315
  'MOVE', // RFC 6851
  'SPECIAL-USE', // RFC 6154
  'CHILDREN', // RFC 3348
  'STATUS=SIZE', // RFC 8438
  'CONDSTORE', // RFC 7162 §3.1
];

export function capabilities(ctx: CapabilityContext): string[] {
  const out = [...ALWAYS, `APPENDLIMIT=${ctx.appendLimit}`];
  if (!ctx.authenticated) {
    if (ctx.mayStartTls) out.push('STARTTLS');
    if (ctx.mayAuthenticate) out.push('AUTH=PLAIN');
    else out.push('LOGINDISABLED');
  }
  return out;
}
