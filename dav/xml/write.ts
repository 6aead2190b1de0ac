// Building XML replies: a tiny node tree serialized with every namespace declared once on
// the root element.
import { PREFIXES } from './names.js';
import type { XmlElement } from './parse.js';

export interface XNode {
  ns: string;
  name: string;
  attrs?: Record<string, string>;
  children?: XChild[];
}
/** A string is character data; a RawXml is a fragment kept verbatim (dead properties). */
export type XChild = XNode | string | RawXml;
export class RawXml { constructor(readonly xml: string) {} }

export function el(ns: string, name: string, ...kids: (XChild | XChild[] | null | undefined)[]): XNode {
  const out: XChild[] = [];
  for (const k of kids) {
    if (k === null || k === undefined) continue;
    if (Array.isArray(k)) out.push(...k);
    else out.push(k);
  }
  return { ns, name, children: out };
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'))
    // Characters XML 1.0 cannot carry at all (§2.2) are dropped rather than breaking the reply.
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
}

export function serialize(root: XNode): string {
  const prefixes = new Map<string, string>();
  let n = 0;
  const prefixOf = (ns: string): string => {
    let p = prefixes.get(ns);
    if (p === undefined) {
      p = PREFIXES[ns] ?? `x${n++}`;
      prefixes.set(ns, p);
    }
    return p;
  };
  const write = (node: XNode, isRoot: boolean): string => {
    const tag = node.ns ? `${prefixOf(node.ns)}:${node.name}` : node.name;
    let attrs = '';
    for (const [k, v] of Object.entries(node.attrs ?? {})) attrs += ` ${k}="${escapeXml(v)}"`;
    const inner = (node.children ?? []).map((c) => (typeof c === 'string' ? escapeXml(c) : c instanceof RawXml ? c.xml : write(c, false))).join('');
    if (isRoot) {
      for (const [ns, p] of prefixes) attrs += ` xmlns:${p}="${escapeXml(ns)}"`;
    }
    return inner === '' ? `<${tag}${attrs}/>` : `<${tag}${attrs}>${inner}</${tag}>`;
  };
  // Children first, so every prefix is known when the root's declarations are written.
  const body = write(root, true);
  return `<?xml version="1.0" encoding="utf-8"?>\n${body}`;
}

/** A parsed element back to a self-contained fragment (each element declares its namespace):
 *  how dead property values are stored and replayed. */
export function fragment(node: XmlElement): string {
  const attrs = Object.entries(node.attrs).filter(([k]) => !k.startsWith('{')).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  const xmlns = node.ns ? ` xmlns="${escapeXml(node.ns)}"` : ' xmlns=""';
  // Mixed content is not kept: dead properties are either text or elements.
  const inner = node.children.length ? node.children.map(fragment).join('') : escapeXml(node.text);
  return inner === '' ? `<${node.name}${xmlns}${attrs}/>` : `<${node.name}${xmlns}${attrs}>${inner}</${node.name}>`;
}
