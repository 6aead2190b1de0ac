// Bounds on the work a mail's HTML can cause. sanitize-html and html-to-text both parse with
// htmlparser2, which keeps its open elements in an array it shifts at the front: every tag
// costs as much as the nesting depth, so the cost is quadratic in the depth (300 KB of "<b><i>"
// held the whole process 5 s; mailparser's own depth guard misses "<p><li>", whose elements it
// takes for implicitly closed). HTML past these bounds is broken or hostile: it is shown as text.
import { convert } from 'html-to-text';
import { Parser } from 'htmlparser2';

/** Browsers themselves flatten anything nested deeper than 512 levels. */
export const MAX_HTML_DEPTH = 500;
/** sanitize-html and html-to-text each spend a few microseconds per element: 50,000 (far more
 *  than a long newsletter or thread has) stay under a second, where the 6 million of a 50 MB
 *  message of bare tags took about a minute. */
export const MAX_HTML_ELEMENTS = 50_000;

/**
 * Whether `html` nests deeper or holds more elements than the bounds. htmlparser2 itself does
 * the counting, so implied ends (a <p> closing the open <p>...) count as the sanitizer will see
 * them; it is stopped as soon as a bound is passed, which keeps its cost linear.
 */
export function htmlTooComplex(html: string): boolean {
  let depth = 0;
  let elements = 0;
  let over = false;
  const parser: Parser = new Parser({
    onopentagname() {
      depth++;
      elements++;
      if (depth > MAX_HTML_DEPTH || elements > MAX_HTML_ELEMENTS) {
        over = true;
        parser.pause();
      }
    },
    onclosetag() {
      depth--;
    },
  });
  parser.write(html);
  if (!over) parser.end();
  return over;
}

/** Elements whose content is raw text to the tokenizer: they cannot nest, and their content
 *  (script, style sheet, page title) is no part of what the reader sees. */
const RAW_TEXT = new Set(['script', 'style', 'title', 'textarea', 'xmp']);
const CELLS = new Set(['td', 'th']);
const BREAKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'details', 'div', 'dl', 'dt', 'figcaption', 'figure', 'footer',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'tr', 'ul',
]);

/** A parser that holds no element open (but the raw-text ones, which cannot nest): linear
 *  however deep the markup, with htmlparser2's own tokenizing and entity decoding. */
class FlatParser extends Parser {
  protected override isVoidElement(name: string): boolean {
    return !RAW_TEXT.has(name);
  }
}

/** The text of any HTML, in time linear in its size: a line break at each block, a tab before
 *  each table cell, nothing from scripts and style sheets, and whitespace collapsed. */
export function flatText(html: string): string {
  const out: string[] = [];
  let raw = 0;
  new FlatParser({
    onopentagname(name) {
      if (RAW_TEXT.has(name)) raw++;
      else if (BREAKS.has(name)) out.push('\n');
      else if (CELLS.has(name)) out.push('\t');
    },
    onclosetag(name) {
      if (RAW_TEXT.has(name)) raw--;
    },
    ontext(text) {
      if (raw === 0) out.push(text.replace(/[ \t\r\n\f]+/g, ' '));
    },
  }).end(html);
  return out.join('').split('\n').map((line) => line.trim()).join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** The text of a message that has only HTML, as mailparser gives it (html-to-text), unless
 *  the HTML is too complex for that: then its flat text. */
export function htmlToPlainText(html: string): string {
  if (htmlTooComplex(html)) return flatText(html);
  try {
    return convert(html);
  } catch {
    return flatText(html);
  }
}
