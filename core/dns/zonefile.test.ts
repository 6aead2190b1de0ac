import { describe, expect, it } from 'vitest';
import { Invalid } from '../errors.js';
import { parseZone, ZoneFileError } from './zonefile.js';

const GOOD = `; test zone, every supported form
# hash comments too
example.org.            3600 IN  A     192.0.2.10
Example.ORG             IN 3600  AAAA  2001:DB8:0:0:0:0:0:1   ; class before TTL, upper case
example.org                      MX    10 mx1.example.org.
example.org                      MX    20 mx2.example.org
example.org             1h30m    TXT   "v=spf1 ip4:192.0.2.0/24 -all"
                                 TXT   "second" "record"       ; blank owner: same as above
mx1.example.org                  A     192.0.2.11
www.example.org                  CNAME example.org.
10.2.0.192.in-addr.arpa          PTR   example.org.
example.org                      NS    ns1.example.org.
quote.example.org                TXT   "say \\"hi\\" \\\\ \\065"
mail.example.org                 A     192.0.2.12
mail.example.org                 A     192.0.2.12            ; a repeated line adds nothing
bücher.example.org               A     192.0.2.13

  $TTL 300                     ; a directive may be indented
$ORIGIN example.net.
@                                MX    0 .
_dmarc                           TXT   "v=DMARC1; p=reject"
sel._domainkey   IN  TXT  ( "v=DKIM1; k=rsa; "
                               "p=ABCDEF" )   ; parentheses span lines
host                             A     198.51.100.1
abs.example.com.                 A     198.51.100.2
`;

describe('parseZone: a well-formed file', () => {
  const zone = parseZone(GOOD, 'good.zone');

  it('reads every record type, case-insensitively and with or without the trailing dot', () => {
    expect(zone.owner('example.org')).toEqual({
      A: ['192.0.2.10'],
      AAAA: ['2001:db8::1'],
      MX: [{ priority: 10, exchange: 'mx1.example.org' }, { priority: 20, exchange: 'mx2.example.org' }],
      TXT: [['v=spf1 ip4:192.0.2.0/24 -all'], ['second', 'record']],
      NS: ['ns1.example.org'],
    });
    expect(zone.owner('www.example.org')).toEqual({ CNAME: ['example.org'] });
    expect(zone.owner('10.2.0.192.in-addr.arpa')).toEqual({ PTR: ['example.org'] });
  });

  it('decodes \\" \\\\ and \\DDD escapes in quoted strings', () => {
    expect(zone.owner('quote.example.org')?.TXT).toEqual([['say "hi" \\ A']]);
  });

  it('keeps an RRset a set', () => {
    expect(zone.owner('mail.example.org')?.A).toEqual(['192.0.2.12']);
  });

  it('stores internationalized names as A-labels', () => {
    expect(zone.owner('xn--bcher-kva.example.org')?.A).toEqual(['192.0.2.13']);
  });

  it('applies $ORIGIN to @ and relative names, not to absolute ones', () => {
    expect(zone.owner('example.net')?.MX).toEqual([{ priority: 0, exchange: '' }]);
    expect(zone.owner('_dmarc.example.net')?.TXT).toEqual([['v=DMARC1; p=reject']]);
    expect(zone.owner('host.example.net')?.A).toEqual(['198.51.100.1']);
    expect(zone.owner('abs.example.com')?.A).toEqual(['198.51.100.2']);
  });

  it('joins a parenthesised record over several lines into one multi-string TXT', () => {
    expect(zone.owner('sel._domainkey.example.net')?.TXT).toEqual([['v=DKIM1; k=rsa; ', 'p=ABCDEF']]);
  });

  it('knows empty non-terminals (names with data only below them)', () => {
    expect(zone.isEmptyNonTerminal('_domainkey.example.net')).toBe(true);
    expect(zone.isEmptyNonTerminal('example.org')).toBe(false);
    expect(zone.isEmptyNonTerminal('nothing.example.org')).toBe(false);
  });

  it('accepts CRLF line ends and an empty file', () => {
    expect(parseZone('a.example A 192.0.2.1\r\nb.example TXT "x"\r\n', 'crlf').owner('b.example')?.TXT).toEqual([['x']]);
    expect(parseZone('', 'empty').names()).toEqual([]);
  });

  it('accepts a 255-octet TXT string', () => {
    const z = parseZone(`a.example TXT "${'x'.repeat(255)}"`, 'max');
    expect(z.owner('a.example')?.TXT?.[0][0]).toHaveLength(255);
  });
});

describe('parseZone: every malformed line is reported with file and line', () => {
  const cases: [string, string, number, RegExp][] = [
    ['unknown type', 'a.example A 192.0.2.1\na.example SRV 0 0 25 mx.example', 2, /unsupported record type 'SRV'/],
    ['missing type', 'a.example 300 IN', 1, /missing record type/],
    ['other class', 'a.example CH A 192.0.2.1', 1, /class CH is not supported/],
    ['bad IPv4', '\n\na.example A 192.0.2.300', 3, /invalid IPv4 address '192\.0\.2\.300'/],
    ['IPv6 in A', 'a.example A 2001:db8::1', 1, /invalid IPv4/],
    ['bad IPv6', 'a.example AAAA 2001:db8::g', 1, /invalid IPv6 address/],
    ['A without address', 'a.example A', 1, /A needs one IPv4 address/],
    ['extra token', 'a.example A 192.0.2.1 192.0.2.2', 1, /unexpected '192\.0\.2\.2'/],
    ['MX without host', 'a.example MX 10', 1, /MX needs a priority and a host/],
    ['MX bad priority', 'a.example MX ten mx.example', 1, /invalid MX priority 'ten'/],
    ['MX priority too big', 'a.example MX 65536 mx.example', 1, /invalid MX priority/],
    ['null MX beside another MX', 'a.example MX 0 .\na.example MX 10 mx.example', 2, /null MX.*line 1/],
    ['root as a CNAME target', 'a.example CNAME .', 1, /root name '\.' is not allowed/],
    ['unquoted TXT', 'a.example TXT v=spf1 -all', 1, /TXT data must be double-quoted/],
    ['empty TXT', 'a.example TXT', 1, /TXT needs at least one/],
    ['TXT string over 255 octets', `a.example TXT "${'x'.repeat(256)}"`, 1, /at most 255 octets.*256.*split it/],
    ['unterminated quote', 'a.example TXT "v=spf1 -all\nb.example A 192.0.2.1', 1, /unterminated quoted string/],
    ['bad escape', 'a.example TXT "\\25"', 1, /three digits/],
    ['escape over 255', 'a.example TXT "\\256"', 1, /not an octet/],
    ['unclosed parenthesis', 'x.example A 192.0.2.1\na.example TXT ( "a"\n "b"', 2, /'\(' is never closed/],
    ['stray parenthesis', 'a.example TXT "a" )', 1, /'\)' without a matching '\('/],
    ['empty label', 'a..example A 192.0.2.1', 1, /empty label/],
    ['bad character', 'a!b.example A 192.0.2.1', 1, /character '!' is not allowed/],
    ['wildcard', '*.example A 192.0.2.1', 1, /wildcards are not supported/],
    ['label too long', `${'a'.repeat(64)}.example A 192.0.2.1`, 1, /longer than 63/],
    ['quoted type', 'a.example "A" 192.0.2.1', 1, /expected a record type/],
    ['CNAME beside data', 'a.example A 192.0.2.1\na.example CNAME b.example', 2, /CNAME and other data \(A on line 1\)/],
    ['data beside CNAME', 'a.example CNAME b.example\n\na.example TXT "x"', 3, /has a CNAME \(line 1\) and other data/],
    ['two CNAMEs', 'a.example CNAME b.example\na.example CNAME c.example', 2, /already has a CNAME \(line 1\)/],
    ['CNAME loop', 'a.example CNAME b.example\nb.example CNAME a.example', 1, /CNAME loop: a\.example -> b\.example -> a\.example/],
    ['blank owner first', '  A 192.0.2.1', 1, /no previous owner/],
    ['@ without $ORIGIN', '@ A 192.0.2.1', 1, /'@' needs a \$ORIGIN/],
    ['$ORIGIN without name', '$ORIGIN', 1, /\$ORIGIN takes exactly one/],
    ['bad $TTL', '$TTL soon', 1, /\$TTL takes one TTL/],
    ['TTL too large', 'a.example 2147483648 A 192.0.2.1', 1, /larger than 2147483647/],
    ['$INCLUDE', '$INCLUDE other.zone', 1, /\$INCLUDE is not supported/],
    ['unknown directive', '$FOO bar', 1, /unknown directive \$FOO/],
  ];

  for (const [what, text, line, message] of cases) {
    it(what, () => {
      let caught: unknown;
      try {
        parseZone(text, '/etc/facteur/dns.zone');
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ZoneFileError);
      expect(caught).toBeInstanceOf(Invalid);
      const err = caught as ZoneFileError;
      expect(err.line).toBe(line);
      expect(err.file).toBe('/etc/facteur/dns.zone');
      expect(err.message).toMatch(new RegExp(`^/etc/facteur/dns\\.zone:${line}: `));
      expect(err.reason).toMatch(message);
    });
  }
});
