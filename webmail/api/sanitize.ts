// Mail HTML made safe to show: sanitize-html keeps a list of harmless formatting tags and
// attributes and drops the rest (scripts, event handlers, forms, frames, objects, SVG, <base>,
// <meta> refresh...). Remote resources (images, backgrounds, CSS url()) are removed unless the
// reader allowed them for this message (no tracking pixels), and reported; cid: images point
// at the attachment URL. The body.html answer adds a strict CSP on top: two guards, not one.
// HTML too deep or too large for the sanitizer to get through quickly is shown as its text.
import sanitizeHtml from 'sanitize-html';
import { flatText, htmlTooComplex } from '../../core/mail/html-text.js';

export interface SanitizeOptions {
  /** Keep http(s) images and CSS urls (the reader asked for them). */
  allowRemote: boolean;
  /** The URL that serves the inline part with this Content-ID, or null if there is none. */
  cidUrl(cid: string): string | null;
  /** The message's own text, shown instead of HTML too complex to sanitize (else the HTML's text). */
  text?: string;
}

export interface Sanitized {
  html: string;
  /** The message asks for remote content (blocked unless allowRemote). */
  hasRemoteContent: boolean;
}

const TAGS = [
  'a', 'abbr', 'address', 'article', 'aside', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br', 'caption', 'center', 'cite',
  'code', 'col', 'colgroup', 'dd', 'del', 'details', 'dfn', 'div', 'dl', 'dt', 'em', 'figcaption', 'figure', 'font',
  'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'main', 'mark', 'nav',
  'ol', 'p', 'pre', 'q', 's', 'samp', 'section', 'small', 'span', 'strike', 'strong', 'style', 'sub', 'summary', 'sup',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'time', 'tr', 'tt', 'u', 'ul', 'var', 'wbr',
];
const COMMON = ['style', 'class', 'id', 'title', 'dir', 'lang', 'align', 'valign', 'width', 'height', 'bgcolor', 'color', 'background'];
const ATTRIBUTES: Record<string, string[]> = {
  '*': COMMON,
  a: ['href', 'name', 'target', 'rel'],
  img: ['src', 'alt', 'border', 'hspace', 'vspace'],
  font: ['face', 'size'],
  table: ['border', 'cellpadding', 'cellspacing', 'summary', 'frame', 'rules'],
  td: ['colspan', 'rowspan', 'nowrap', 'headers', 'scope', 'abbr'],
  th: ['colspan', 'rowspan', 'nowrap', 'headers', 'scope', 'abbr'],
  col: ['span'], colgroup: ['span'], ol: ['start', 'type', 'reversed'], ul: ['type'], li: ['value', 'type'],
  blockquote: ['cite'], q: ['cite'], del: ['cite', 'datetime'], ins: ['cite', 'datetime'], time: ['datetime'],
  details: ['open'], hr: ['size', 'noshade'],
};
/** Dropped with everything inside them. */
const DROP_WITH_CONTENT = ['script', 'textarea', 'option', 'xmp', 'title', 'noscript', 'template', 'noembed', 'noframes', 'iframe', 'object', 'svg', 'math', 'select'];
const IMAGE_DATA = /^data:image\/(png|jpe?g|gif|webp|bmp);base64,[a-z0-9+/=\s]*$/i;
const REMOTE = /^(https?:)?\/\//i;

/** What a CSS text may not keep: imports, old IE script hooks, bindings, script URLs. */
const CSS_IMPORT = /@import[^;]*;?/gi;
const CSS_DANGER = /expression\s*\(|behaviou?r\s*:|-moz-binding|javascript:|vbscript:/gi;
const CSS_URL = /url\s*\(\s*(['"]?)(.*?)\1\s*\)/gi;
/** image-set() fetches from bare strings, without url(). */
const CSS_IMAGE_SET = /(-webkit-)?image-set\s*\([^;{}]*/gi;

/** CSS escapes (CSS Syntax §4.3.7) decoded, so that "\75 rl(" is seen as the "url(" it is. */
function unescapeCss(css: string): string {
  return css.replace(/\\([0-9a-f]{1,6})\s?|\\(.)/gis, (_m, hex: string | undefined, ch: string | undefined) => {
    if (hex) {
      const code = parseInt(hex, 16);
      return code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? '\ufffd' : String.fromCodePoint(code);
    }
    return ch === '\n' ? '' : (ch ?? '');
  });
}

export function sanitizeMailHtml(input: string, options: SanitizeOptions): Sanitized {
  if (htmlTooComplex(input)) return { html: textFragment(options.text?.trim() ? options.text : flatText(input)), hasRemoteContent: false };
  let remote = false;
  /** An image-like URL: data images kept, cid: resolved, remote kept only if allowed. */
  const imageUrl = (raw: string): string | null => {
    const url = raw.trim().replace(/[\u0000-\u001f]/g, '');
    if (IMAGE_DATA.test(url)) return url;
    if (/^cid:/i.test(url)) return options.cidUrl(decodeSafe(url.slice(4)).replace(/^<|>$/g, ''));
    if (REMOTE.test(url)) {
      remote = true;
      return options.allowRemote ? (url.startsWith('//') ? `https:${url}` : url) : null;
    }
    return null;
  };
  const cleanCss = (css: string): string => unescapeCss(css.replace(/\/\*[\s\S]*?\*\//g, ''))
    .replace(CSS_IMPORT, (rule) => {
      if (/https?:|\/\//i.test(rule)) remote = true;
      return '';
    })
    .replace(CSS_DANGER, '')
    .replace(CSS_IMAGE_SET, () => {
      remote = true;
      return 'none';
    })
    .replace(CSS_URL, (_m, _q, target: string) => {
      const url = imageUrl(target);
      return url ? `url("${url.replace(/["\\\n\r<>]/g, '')}")` : 'none';
    });

  let html = sanitizeHtml(input, {
    allowedTags: TAGS,
    allowedAttributes: ATTRIBUTES,
    nonTextTags: DROP_WITH_CONTENT,
    disallowedTagsMode: 'discard',
    // <style> is kept for layout; its text is cleaned below, and the CSP forbids any fetch.
    allowVulnerableTags: true,
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['data', 'cid', 'http', 'https'] },
    allowProtocolRelative: true,
    parseStyleAttributes: false,
    allowedSchemesAppliedToAttributes: ['href', 'cite'],
    transformTags: {
      a: (tagName, attribs) => {
        const out: Record<string, string> = { ...attribs };
        delete out.target;
        delete out.rel;
        if (out.href !== undefined && !/^#/.test(out.href)) {
          out.target = '_blank';
          out.rel = 'noopener noreferrer';
        }
        return { tagName, attribs: out };
      },
      '*': (tagName, attribs) => {
        const out: Record<string, string> = {};
        for (const [name, value] of Object.entries(attribs)) {
          if (name === 'srcset') {
            if (/(^|,)\s*(https?:)?\/\//i.test(value)) remote = true;
            continue;
          }
          if (name === 'src' || name === 'background') {
            const url = imageUrl(value);
            if (url) out[name] = url;
            continue;
          }
          if (name === 'style') {
            out.style = cleanCss(value);
            continue;
          }
          out[name] = value;
        }
        return { tagName, attribs: out };
      },
    },
  });
  // Raw text of the <style> elements sanitize-html kept (it cannot contain "</style").
  html = html.replace(/(<style[^>]*>)([\s\S]*?)(<\/style>)/gi, (_m, open: string, css: string, close: string) =>
    // Decoded escapes must not close the element: "<" is escaped again.
    `${open}${cleanCss(css).replace(/</g, '\\3c ')}${close}`);
  return { html, hasRemoteContent: remote };
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function textFragment(text: string): string {
  return `<pre style="white-space:pre-wrap">${escapeHtml(text)}</pre>`;
}

/** The answer for the sandboxed iframe: a whole document, its own CSP in the headers. */
export function mailDocument(fragment: string): string {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">`
    + '<style>body{margin:8px;font-family:system-ui,sans-serif;overflow-wrap:anywhere}img{max-width:100%;height:auto}</style>'
    + `</head><body>${fragment}</body></html>`;
}

export function mailDocumentCsp(allowRemote: boolean): string {
  const remote = allowRemote ? ' https: http:' : '';
  return [
    "default-src 'none'",
    `img-src 'self' data:${remote}`,
    `style-src 'unsafe-inline'${remote}`,
    `font-src data:${remote}`,
    "script-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
}
