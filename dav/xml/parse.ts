// Request bodies (PROPFIND, PROPPATCH, REPORT, MKCOL, MKCALENDAR) into a small namespace-
// resolved tree. saxes is a strict, namespace-aware, non-validating parser; on top of it
// we refuse any document type declaration, so that no entity is ever declared or expanded
// (no XXE, no "billion laughs"): DAV bodies never need one. Nor do they need deep nesting,
// which is refused too (MAX_XML_DEPTH).
import { SaxesParser } from 'saxes';
import { clark } from './names.js';

/**
 * Deepest element nesting accepted. The deepest CalDAV body is about 8 levels
 * (calendar-query > filter > comp-filter VCALENDAR > VEVENT > VALARM > prop-filter >
 * param-filter > text-match), a PROPPATCH puts a dead property's value at level 5. Past
 * the limit: saxes looks every namespace prefix up through all the open elements
 * (quadratic: 40,000 levels held the event loop ~20 s), and the tree's readers
 * (filters.ts, write.ts fragment) recurse once per level, up to a RangeError.
 */
export const MAX_XML_DEPTH = 64;

export interface XmlElement {
  ns: string;
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

export class XmlRefused extends Error {}

export function parseXml(body: string): XmlElement {
  // Checked on the raw text first: nothing past this point reads a DTD.
  if (/<!DOCTYPE/i.test(body) || /<!ENTITY/i.test(body)) throw new XmlRefused('XML document type declarations and entities are not accepted');
  const parser = new SaxesParser({ xmlns: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let failure: Error | null = null;
  parser.on('error', (err) => { failure ??= err; });
  parser.on('doctype', () => { failure ??= new XmlRefused('XML document type declarations are not accepted'); });
  // Before saxes resolves the new element's namespace; thrown, so that write() stops here
  // and nothing further is read.
  parser.on('opentagstart', () => {
    if (stack.length >= MAX_XML_DEPTH) throw new XmlRefused(`XML nested deeper than ${MAX_XML_DEPTH} levels is not accepted`);
  });
  parser.on('opentag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) {
      if (typeof a === 'string') continue;
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      attrs[a.uri ? clark(a.uri, a.local) : a.local] = a.value;
    }
    const el: XmlElement = { ns: tag.uri ?? '', name: tag.local ?? tag.name, attrs, children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  const onText = (t: string) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => { stack.pop(); });
  try {
    parser.write(body).close();
  } catch (err) {
    failure ??= err as Error;
  }
  if (failure) throw failure instanceof XmlRefused ? failure : new SyntaxError(`malformed XML: ${firstLine(failure.message)}`);
  if (!root) throw new SyntaxError('malformed XML: no root element');
  return root;
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 200);
}

/** Child elements named so. */
export function children(el: XmlElement, ns: string, name: string): XmlElement[] {
  return el.children.filter((c) => c.ns === ns && c.name === name);
}

export function child(el: XmlElement, ns: string, name: string): XmlElement | null {
  return el.children.find((c) => c.ns === ns && c.name === name) ?? null;
}

export function is(el: XmlElement, ns: string, name: string): boolean {
  return el.ns === ns && el.name === name;
}
