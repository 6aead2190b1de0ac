import { describe, expect, test } from 'vitest';
import { MAX_XML_DEPTH, parseXml, XmlRefused } from './parse.js';
import { el, fragment, serialize } from './write.js';

describe('parseXml', () => {
  test('resolves namespaces whatever the prefixes', () => {
    const a = parseXml('<x:propfind xmlns:x="DAV:"><x:prop><y:getctag xmlns:y="http://calendarserver.org/ns/"/></x:prop></x:propfind>');
    const b = parseXml('<propfind xmlns="DAV:"><prop><getctag xmlns="http://calendarserver.org/ns/"/></prop></propfind>');
    for (const root of [a, b]) {
      expect(root).toMatchObject({ ns: 'DAV:', name: 'propfind' });
      expect(root.children[0].children[0]).toMatchObject({ ns: 'http://calendarserver.org/ns/', name: 'getctag' });
    }
  });

  test('keeps text with the five predefined entities and character references', () => {
    const root = parseXml('<a xmlns="urn:x">&lt;b&gt; &amp; &#233;&#x20AC;<![CDATA[<raw>]]></a>');
    expect(root.text).toBe('<b> & é€<raw>');
  });

  test('refuses a DOCTYPE, with or without entities, and undeclared entities', () => {
    expect(() => parseXml('<!DOCTYPE a><a/>')).toThrow(XmlRefused);
    expect(() => parseXml('<?xml version="1.0"?>\n<!doctype a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>')).toThrow(XmlRefused);
    expect(() => parseXml('<a>&e;</a>')).toThrow(SyntaxError);
  });

  test('refuses malformed documents and unbound prefixes', () => {
    for (const bad of ['<a>', '<a></b>', '<x:a/>', '', 'text', '<a/><b/>']) expect(() => parseXml(bad), bad).toThrow();
  });

  test('takes the deepest bodies clients send and refuses one level more', () => {
    // calendar-query > filter > VCALENDAR > VEVENT > VALARM > prop-filter > param-filter > text-match.
    const query = parseXml(`<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
      <C:comp-filter name="VALARM"><C:prop-filter name="ACTION"><C:param-filter name="X"><C:text-match>a</C:text-match></C:param-filter></C:prop-filter></C:comp-filter>
      </C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`);
    expect(query.children[0].children[0].children[0].children[0].children[0].children[0].children[0].text).toBe('a');
    const nested = (levels: number) => '<a xmlns="urn:x">' + '<a>'.repeat(levels - 1) + '</a>'.repeat(levels);
    expect(() => parseXml(nested(MAX_XML_DEPTH))).not.toThrow();
    expect(() => parseXml(nested(MAX_XML_DEPTH + 1))).toThrow(XmlRefused);
  });

  test('stops reading at the first element past the depth limit', () => {
    // Never closed: a parser that read to the end would report the unclosed tags instead
    // (and pay for every level: saxes resolves namespaces by walking the open tags).
    expect(() => parseXml('<a>'.repeat(20_000))).toThrow(XmlRefused);
  });
});

describe('serialize', () => {
  test('declares each namespace once on the root and escapes text', () => {
    const xml = serialize(el('DAV:', 'multistatus', el('DAV:', 'href', '/a&b<c>'), el('urn:other', 'x', el('urn:other', 'y'))));
    expect(xml).toContain('<D:multistatus xmlns:D="DAV:" xmlns:x0="urn:other">');
    expect(xml).toContain('<D:href>/a&amp;b&lt;c&gt;</D:href>');
    expect(xml).toContain('<x0:x><x0:y/></x0:x>');
  });

  test('a parsed fragment round-trips with its namespace', () => {
    const root = parseXml('<p xmlns:z="urn:z"><z:order a="1">3 &amp; 4</z:order></p>');
    expect(fragment(root.children[0])).toBe('<order xmlns="urn:z" a="1">3 &amp; 4</order>');
  });
});
