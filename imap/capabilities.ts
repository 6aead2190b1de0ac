// What the server says it can do (RFC 9051 §6.1.1). Only what is implemented is listed;
// LOGINDISABLED and the AUTH= mechanisms follow the transport (RFC 9051 §6.2.3, RFC 8314).
// LITERAL- (RFC 7888 §4) is not listed: LITERAL+ allows every non-synchronizing literal
// LITERAL- would, and more.

export interface CapabilityContext {
  authenticated: boolean;
  mayStartTls: boolean;
  mayAuthenticate: boolean;
  /** RFC 7889 APPENDLIMIT: the largest message APPEND accepts. */
  appendLimit: number;
}

const ALWAYS = [
  'IMAP4rev1',
  'IMAP4rev2', // RFC 9051, once ENABLE IMAP4rev2 is given
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
  'CREATE-SPECIAL-USE', // RFC 6154 §3
  'LIST-EXTENDED', // RFC 5258
  'LIST-STATUS', // RFC 5819
  'CHILDREN', // RFC 3348
  'STATUS=SIZE', // RFC 8438
  'CONDSTORE', // RFC 7162 §3.1
  'ESEARCH', // RFC 4731
  'SEARCHRES', // RFC 5182
  'QRESYNC', // RFC 7162 §3.2
  'QUOTA', // RFC 9208
  'QUOTA=RES-STORAGE', // RFC 9208 §5.1
  'SORT', // RFC 5256
  'SORT=DISPLAY', // RFC 5957
  'ESORT', // RFC 5267 §3.1
  'THREAD=ORDEREDSUBJECT', // RFC 5256
  'THREAD=REFERENCES', // RFC 5256
  'BINARY', // RFC 3516
  'UTF8=ACCEPT', // RFC 6855
  'OBJECTID', // RFC 8474
  'COMPRESS=DEFLATE', // RFC 4978
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
