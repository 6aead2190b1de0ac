// The sanitizer against hostile mail: nothing that runs, nothing that fetches (unless allowed),
// and what a reader needs (layout, links, inline images) kept.
import { describe, expect, it } from 'vitest';
import { mailDocumentCsp, sanitizeMailHtml } from './sanitize.js';

const clean = (html: string, allowRemote = false) => sanitizeMailHtml(html, {
  allowRemote,
  cidUrl: (cid) => (cid === 'logo@x' ? '/api/mailboxes/m/messages/1/parts/2?inline=1' : null),
});

const NEVER = /<script|<iframe|<object|<embed|<form|<input|<button|<svg|<math|<base|<meta|<link|\son\w+=|javascript:|vbscript:|data:text|expression\(|@import|-moz-binding|behavior:/i;

describe('sanitizeMailHtml', () => {
  const hostile: [string, string][] = [
    ['script', '<p>a<script>alert(1)</script></p><SCRIPT src="https://x/y.js"></SCRIPT>'],
    ['event handlers', '<img src="x" onerror="alert(1)"><body onload="alert(2)"><div onmouseover="alert(3)">d</div>'],
    ['javascript: links', '<a href="javascript:alert(1)">a</a><a href="JaVaScRiPt&#58;alert(1)">b</a><a href=" javascript:alert(1)">c</a>'],
    ['data:text/html links', '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'],
    ['base and meta refresh', '<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/">'],
    ['frames and objects', '<iframe src="https://evil.example"></iframe><object data="x"></object><embed src="x"><applet code="x"></applet>'],
    ['svg with script', '<svg><script>alert(1)</script><a xlink:href="javascript:alert(2)"><text>t</text></a></svg>'],
    ['forms', '<form action="https://evil.example"><input type="password" name="p"><button formaction="https://evil.example">go</button></form>'],
    ['css expressions and bindings', '<div style="width:expression(alert(1));-moz-binding:url(x.xml#y);behavior:url(x.htc)">x</div><style>@import "https://evil.example/x.css"; a{b:expression(1)}</style>'],
    ['escaped css', '<div style="background:\\75 rl(https://t.example/a.png)">x</div>'],
    ['closing style early', '<style>p{}</style><script>alert(1)</script><style>q{}</style>'],
    ['style closed by an escape', '<style>p{content:"\\3c /style\\3e \\3c script\\3e alert(1)\\3c /script\\3e"}</style>'],
    ['image-set', '<div style="background-image:image-set(\'https://t.example/a.png\' 1x)">x</div>'],
    ['template and noscript', '<template><script>alert(1)</script></template><noscript><img src=x onerror=alert(1)></noscript>'],
  ];
  for (const [name, html] of hostile) {
    it(`removes ${name}`, () => {
      const out = clean(html).html;
      expect(out).not.toMatch(NEVER);
      expect(out).not.toMatch(/evil\.example|t\.example/);
    });
  }

  it('blocks and reports remote images, backgrounds, srcset and CSS urls', () => {
    const html = '<img src="https://track.example/p.gif" width="1"><img src="//track.example/q.gif"><table background="http://track.example/bg.png"><tr><td>x</td></tr></table>'
      + '<img srcset="https://track.example/a.png 1x"><div style="background:url(\'https://track.example/c.png\')">y</div><style>body{background:url(https://track.example/d.png)}</style>';
    const blocked = clean(html);
    expect(blocked.hasRemoteContent).toBe(true);
    expect(blocked.html).not.toContain('track.example');
    const allowed = clean(html, true);
    expect(allowed.html).toContain('src="https://track.example/p.gif"');
    expect(allowed.html).toContain('src="https://track.example/q.gif"');
    expect(allowed.html).toContain('url("https://track.example/d.png")');
    expect(allowed.html).not.toContain('srcset');
  });

  it('reports no remote content when there is none', () => {
    expect(clean('<p style="color:red">Bonjour</p><img src="data:image/png;base64,iVBORw0KGgo=">').hasRemoteContent).toBe(false);
  });

  it('keeps layout, data images and links (opening in a new tab without opener)', () => {
    const out = clean('<table border="1" cellpadding="2"><tr><td colspan="2" style="color:#333;font-weight:bold">Cellule</td></tr></table>'
      + '<a href="https://ecole.example/x?a=1&amp;b=2" target="_self">lien</a><a href="mailto:a@b.example">mail</a><a href="#haut">haut</a>'
      + '<img src="data:image/png;base64,iVBORw0KGgo=" alt="p"><img src="data:image/svg+xml;base64,PHN2Zz4=">').html;
    expect(out).toContain('<td colspan="2" style="color:#333;font-weight:bold">Cellule</td>');
    expect(out).toContain('<a href="https://ecole.example/x?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">lien</a>');
    expect(out).toContain('<a href="mailto:a@b.example" target="_blank" rel="noopener noreferrer">mail</a>');
    expect(out).toContain('<a href="#haut">haut</a>');
    expect(out).toContain('<img src="data:image/png;base64,iVBORw0KGgo=" alt="p" />');
    expect(out).not.toContain('svg+xml');
  });

  it('points cid: images at the attachment and drops unknown ones', () => {
    const out = clean('<img src="cid:logo@x"><img src="CID:%3Clogo@x%3E"><img src="cid:missing@x">').html;
    expect(out.match(/\/api\/mailboxes\/m\/messages\/1\/parts\/2\?inline=1/g)).toHaveLength(2);
    expect(out).not.toContain('cid:');
  });

  it('shows HTML nested too deep as its text, escaped, at once', () => {
    // 300 KB: the sanitizer took 5 s on it, all other requests waiting.
    for (const opener of ['<b><i>', '<p><li>']) {
      const html = `${opener.repeat(50_000)}<script>alert(1)</script>Bonjour <b>&amp;</b> &lt;au revoir&gt;<img src="https://track.example/p.gif">`;
      const started = performance.now();
      const out = clean(html);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(out.html).toBe('<pre style="white-space:pre-wrap">Bonjour &#38; &#60;au revoir&#62;</pre>');
      expect(out.hasRemoteContent).toBe(false);
    }
  });

  it("prefers the message's own text to the flattened HTML", () => {
    const out = sanitizeMailHtml('<div>'.repeat(1000), { allowRemote: false, cidUrl: () => null, text: 'Version <texte>' });
    expect(out.html).toBe('<pre style="white-space:pre-wrap">Version &#60;texte&#62;</pre>');
  });

  it('keeps sloppy but shallow HTML as HTML: unclosed cells, items and paragraphs end by themselves', () => {
    const table = `<table><tr>${'<td>case'.repeat(3000)}</table><ul>${'<li>point'.repeat(3000)}</ul>${'<p>para'.repeat(3000)}`;
    const out = clean(table).html;
    expect(out.match(/<td>case<\/td>/g)).toHaveLength(3000);
    expect(out.match(/<li>point<\/li>/g)).toHaveLength(3000);
    expect(out.match(/<p>para<\/p>/g)).toHaveLength(3000);
    const nested = `${'<div>'.repeat(200)}<b>profond</b>${'</div>'.repeat(200)}`;
    expect(clean(nested).html).toBe(nested);
  });

  it('gives the frame a policy that runs nothing and fetches nothing remote', () => {
    expect(mailDocumentCsp(false)).toBe("default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; font-src data:; script-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'");
    expect(mailDocumentCsp(true)).toMatch(/img-src 'self' data: https: http:/);
    expect(mailDocumentCsp(true)).toContain("script-src 'none'");
  });
});
