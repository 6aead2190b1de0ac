// The text of a mail's HTML, and the bounds past which its HTML is not parsed as such: what
// a reader sees of a normal message stays as it was, hostile nesting costs next to nothing.
import { convert } from 'html-to-text';
import { describe, expect, it } from 'vitest';
import { MAX_HTML_DEPTH, MAX_HTML_ELEMENTS, flatText, htmlToPlainText, htmlTooComplex } from './html-text.js';

describe('htmlTooComplex', () => {
  it('counts nesting as the HTML parser builds it', () => {
    expect(htmlTooComplex('<div>'.repeat(MAX_HTML_DEPTH))).toBe(false);
    expect(htmlTooComplex('<div>'.repeat(MAX_HTML_DEPTH + 1))).toBe(true);
    // Elements that end the open one of their kind, void elements, closed elements: flat.
    expect(htmlTooComplex(`<table><tr>${'<td>x'.repeat(5000)}</table>${'<p>x'.repeat(5000)}${'<li>x'.repeat(5000)}${'<br><img src=x>'.repeat(5000)}`)).toBe(false);
    expect(htmlTooComplex('<b><i>x</i></b>'.repeat(20_000))).toBe(false);
    // ...but a <p> does not end an <li>, nor an <li> a <p>.
    expect(htmlTooComplex('<p><li>'.repeat(MAX_HTML_DEPTH))).toBe(true);
  });

  it('bounds the number of elements', () => {
    expect(htmlTooComplex('<i>x</i>'.repeat(MAX_HTML_ELEMENTS))).toBe(false);
    expect(htmlTooComplex('<i>x</i>'.repeat(MAX_HTML_ELEMENTS + 1))).toBe(true);
  });
});

describe('flatText', () => {
  it('keeps what a reader sees, a line per block, without scripts and styles', () => {
    const html = '<html><head><title>Lettre</title><style>p{color:red}</style></head><body>'
      + '<h1>Réunion  de\n rentrée</h1><p>Bonjour&nbsp;à tous &amp; <b>bienvenue</b><br>au collège</p>'
      + '<script>alert("x")</script><ul><li>un</li><li>deux &lt;3&gt;</li></ul><table><tr><th>Classe</th><td>6e B</td></tr></table>'
      + '<div>fin</div></body></html>';
    expect(flatText(html)).toBe('Réunion de rentrée\nBonjour\u00a0à tous & bienvenue\nau collège\n\nun\ndeux <3>\n\nClasse\t6e B\nfin');
  });

  it('reads unclosed and endless nesting', () => {
    const started = performance.now();
    expect(flatText(`${'<b><i>'.repeat(100_000)}fond`)).toBe('fond');
    expect(flatText(`${'<p><li>'.repeat(100_000)}fond`)).toBe('fond');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(flatText('<script>a<b>c')).toBe('');
  });
});

describe('htmlToPlainText', () => {
  it('converts normal HTML as mailparser did (html-to-text)', () => {
    const html = '<p>Bonjour,</p><ul><li>conseil de classe</li><li>sortie</li></ul><p><a href="https://ecole.example/">le site</a></p>';
    expect(htmlToPlainText(html)).toBe(convert(html));
  });

  it('gives the flat text of HTML too deep for html-to-text, at once', () => {
    // 350 KB that html-to-text (through mailparser) took 3.7 s on.
    const started = performance.now();
    expect(htmlToPlainText(`${'<p><li>'.repeat(50_000)}Bonjour`)).toBe('Bonjour');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
