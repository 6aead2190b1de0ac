// What the store caches about a message: envelope fields as a message list shows them, the
// decoded text that search finds, attachments, and the ids for threading.
import addressparser from 'nodemailer/lib/addressparser';
import { describe, expect, it } from 'vitest';
import { analyzeNow, preview, simpleAddresses } from './analyze.js';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'));

describe('analyzeMessage: header fields', () => {
  it('decodes encoded words, raw UTF-8 and Latin-1 header bytes, and address groups', () => {
    const raw = Buffer.concat([
      crlf([
        'From: =?UTF-8?B?Wm/DqQ==?= <Zoe@X.example>',
        'To: "Group": a@b.example, =?utf-8?q?J=C3=BCrgen?= <j@b.example>;, plain@b.example',
        'To: second@b.example',
        'Cc: undisclosed-recipients:;',
        'Subject: =?utf-8?Q?R=C3=A9union?= =?utf-8?Q?_de_rentr=C3=A9e?= et suite',
        'Reply-To: "Élodie Durand" <elodie@école.example>',
        'X-Latin: ',
      ]),
      Buffer.from('caf\xe9\r\nSender: Bob <bob@xn--cole-9oa.example>\r\n\r\nbody\r\n', 'latin1'),
    ]);
    const { summary, search } = analyzeNow(raw);
    expect(summary.subject).toBe('Réunion de rentrée et suite');
    expect(summary.from).toEqual([{ name: 'Zoé', address: 'zoe@x.example' }]);
    expect(summary.to).toEqual([
      { name: '', address: 'a@b.example' },
      { name: 'Jürgen', address: 'j@b.example' },
      { name: '', address: 'plain@b.example' },
      { name: '', address: 'second@b.example' },
    ]);
    expect(summary.cc).toEqual([]);
    expect(summary.replyTo).toEqual([{ name: 'Élodie Durand', address: 'elodie@école.example' }]);
    expect(summary.sender).toEqual([{ name: 'Bob', address: 'bob@école.example' }]);
    expect(search.from).toBe('Zoé <zoe@x.example>');
    expect(search.to).toContain('Jürgen <j@b.example>');

    const latin = analyzeNow(Buffer.concat([Buffer.from('Subject: caf\xe9 cr\xe8me\r\n\r\nx', 'latin1')]));
    expect(latin.summary.subject).toBe('café crème');
  });

  it('reads the ids for threading, and the date when it can be read', () => {
    const { summary, threading } = analyzeNow(crlf([
      'Message-ID: noangle@x.example',
      'In-Reply-To: <r3@x.example>',
      'References: <r1@x.example> <r2@x.example>',
      '  <r3@x.example>',
      'References: <r4@x.example>',
      'Date: Mon, 02 Jun 2025 12:00:00 +0200',
      '',
      'body',
    ]));
    expect(summary.messageId).toBe('noangle@x.example');
    expect(summary.inReplyTo).toBe('r3@x.example');
    expect(summary.references).toEqual(['r1@x.example', 'r2@x.example', 'r3@x.example', 'r4@x.example']);
    expect(threading).toEqual({ messageId: 'noangle@x.example', references: ['r3@x.example', 'r1@x.example', 'r2@x.example', 'r4@x.example'] });
    expect(summary.date).toBe('2025-06-02T10:00:00.000Z');
    expect(analyzeNow(crlf(['Date: next tuesday', '', 'x'])).summary.date).toBeNull();
  });
});

describe('analyzeMessage: text', () => {
  it('decodes quoted-printable and base64 in the declared charset', () => {
    const qp = analyzeNow(crlf([
      'Content-Type: text/plain; charset=windows-1252',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Caf=E9 =93cit=E9=94 et une coupure dou=',
      'ce, =ZZ reste, =3D.  ',
    ]));
    expect(qp.search.body).toBe('Café “cité” et une coupure douce, =ZZ reste, =.');
    const b64 = analyzeNow(crlf([
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('Élèves de 6e : sortie au musée.\r\nÀ bientôt').toString('base64'),
    ]));
    expect(b64.search.body).toBe('Élèves de 6e : sortie au musée.\nÀ bientôt');
    expect(b64.summary.preview).toBe('Élèves de 6e : sortie au musée. À bientôt');
    const jp = analyzeNow(Buffer.concat([crlf(['Subject: =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=', 'Content-Type: text/plain; charset=ISO-2022-JP', '', '']), Buffer.from('1b2442467c4b5c386c1b2842', 'hex')]));
    expect(jp.summary.subject).toBe('日本語');
    expect(jp.search.body).toBe('日本語');
  });

  it('joins format=flowed lines (RFC 3676), with and without delsp', () => {
    const delsp = analyzeNow(crlf([
      'Content-Type: text/plain; format=flowed; delsp=yes',
      '',
      'Une longue ligne que  ',
      'le client a coupée.',
      '-- ',
      'Signature',
    ]));
    expect(delsp.search.body).toBe('Une longue ligne que le client a coupée.\n-- \nSignature');
    const plain = analyzeNow(crlf(['Content-Type: text/plain; format=flowed', '', 'Une ligne ', ' coupée.']));
    expect(plain.search.body).toBe('Une ligne coupée.');
  });

  it('takes the plain part of an alternative, and turns HTML into text where there is no plain text', () => {
    const alternative = analyzeNow(crlf([
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      '--alt',
      'Content-Type: text/plain',
      '',
      'Version texte',
      '--alt',
      'Content-Type: text/html',
      '',
      '<p>Version <b>HTML</b></p>',
      '--alt--',
    ]));
    expect(alternative.search.body).toBe('Version texte');
    const html = analyzeNow(crlf([
      'Content-Type: text/html; charset=utf-8',
      '',
      '<html><body><h2>Sortie</h2><p>Rendez-vous&nbsp;à 8&nbsp;h.</p><ul><li>pique-nique</li></ul></body></html>',
    ]));
    expect(html.search.body).toBe('SORTIE\n\nRendez-vous\u00a0à 8\u00a0h.\n\n * pique-nique');
    // HTML beside a PDF and no plain text: still searchable.
    const mixed = analyzeNow(crlf([
      'Content-Type: multipart/mixed; boundary=zz',
      '',
      '--zz',
      'Content-Type: text/html',
      '',
      '<p>Bonjour <i>à tous</i></p>',
      '--zz',
      'Content-Type: application/pdf; name="a.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      'JVBERi0xLjQK',
      '--zz--',
    ]));
    expect(mixed.search.body).toBe('Bonjour à tous');
  });

  it('turns HTML nested too deep for html-to-text into its flat text, at once', () => {
    const start = performance.now();
    const deep = analyzeNow(crlf(['Content-Type: text/html', '', `${'<b><i>'.repeat(50_000)}piège caché${'</i></b>'.repeat(10)}`]));
    // html-to-text took seconds here, on the MX thread.
    expect(performance.now() - start).toBeLessThan(1000);
    expect(deep.search.body).toBe('piège caché');
  });

  it('introduces an inline message/rfc822 with its header fields; an attached one is an attachment', () => {
    const part = (disposition: string) => crlf([
      'Content-Type: multipart/mixed; boundary=zz',
      '',
      '--zz',
      'Content-Type: text/plain',
      '',
      'Voir ci-dessous',
      '--zz',
      'Content-Type: message/rfc822',
      ...(disposition ? [`Content-Disposition: ${disposition}`] : []),
      '',
      'From: Inner <inner@x.example>',
      'Subject: =?utf-8?q?Inn=C3=A9r?=',
      '',
      'Corps du message joint',
      '--zz--',
    ]);
    const inline = analyzeNow(part('inline'));
    expect(inline.search.body).toBe('Voir ci-dessous\n\nFrom: "Inner" <inner@x.example>\nSubject: Innér\n\nCorps du message joint');
    expect(inline.summary.attachments).toEqual([]);
    const attached = analyzeNow(part(''));
    expect(attached.search.body).toBe('Voir ci-dessous');
    expect(attached.summary.attachments).toEqual([{ filename: null, contentType: 'message/rfc822', size: 88 }]);
  });
});

describe('analyzeMessage: attachments and structure', () => {
  it('lists attachments with their decoded names, types and sizes', () => {
    const { summary, search } = analyzeNow(crlf([
      'Content-Type: multipart/mixed; boundary="==x=="',
      '',
      'preamble',
      '--==x==',
      'Content-Type: text/plain',
      '',
      'corps',
      '--==x==',
      'Content-Type: text/plain; name=notes.txt',
      'Content-Disposition: attachment; filename=notes.txt',
      '',
      'notes',
      '--==x==',
      'Content-Type: text/csv',
      '',
      'a,b',
      '--==x==',
      'Content-Type: application/octet-stream',
      "Content-Disposition: attachment; filename*=utf-8''%C3%A9l%C3%A8ves.xlsx",
      'Content-Transfer-Encoding: base64',
      '',
      'AAECAwQFBgcICQ==',
      '--==x==',
      'Content-Type: application/zip; name="=?iso-8859-1?q?r=E9sultats.zip?="',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'PK=03=04',
      '--==x==--',
      'epilogue',
    ]));
    expect(search.body).toBe('corps');
    expect(summary.attachments).toEqual([
      { filename: 'notes.txt', contentType: 'text/plain', size: 5 },
      { filename: null, contentType: 'text/csv', size: 3 },
      { filename: 'élèves.xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', size: 10 },
      { filename: 'résultats.zip', contentType: 'application/zip', size: 4 },
    ]);
  });

  it('reads a multipart that is never closed, and survives what is not MIME at all', () => {
    const open = analyzeNow(crlf([
      'Content-Type: multipart/mixed; boundary=b1',
      '',
      '--b1',
      '',
      'premier',
      '--b1',
      'Content-Type: text/plain',
      '',
      'second, jamais fermé',
      '',
    ]));
    expect(open.search.body).toBe('premier\nsecond, jamais fermé\n');
    expect(analyzeNow(Buffer.from([0, 0xff, 0x13, 0x0a, 0x0d, 0x3a, 0x0a, 0x0a, 0x41])).search.body).toBe('A');
    const nested = 'Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n'.repeat(200);
    expect(analyzeNow(Buffer.from(nested)).summary.attachments).toEqual([]);
  });
});

describe('analyzeMessage: plain address lists without the general parser', () => {
  it('reads the common forms, and leaves everything else to addressparser', () => {
    expect(simpleAddresses('"Prof 11" <prof11@ecole.test>, user@ecole.test,Ann Lee<ann@x.example>')).toEqual([
      { address: 'prof11@ecole.test', name: 'Prof 11' },
      { address: 'user@ecole.test', name: '' },
      { address: 'ann@x.example', name: 'Ann Lee' },
    ]);
    for (const v of ['a@b, ', '"A, B" <a@b>', 'G: a@b;', '=?utf-8?q?J=C3=BCrgen?= <j@b>', 'a (comment) <a@b>', '"a\\"b" <a@b>', 'a@b@c']) {
      expect(simpleAddresses(v)).toBeNull();
    }
  });

  it('gives what addressparser gives wherever it answers (generated values near its edges)', () => {
    // A fixed-seed generator: the same values on every run.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const alphabet = ['a', 'B', '0', '.', '-', '_', '+', '%', '@', ' ', '"', '<', '>', ',', "'", '\t', '\u00a0', '\r\n', ';', ':', '(', ')', '\\', '\ufeff'];
    const seeds = ['"Prof 11" <prof11@ecole.test>', 'user@ecole.test', 'A B <a@b.c>', 'a@b, c@d', '  a@b.c  ,  "Q R" <x@y.z> , S T <s@t>'];
    let answered = 0;
    for (let n = 0; n < 40_000; n++) {
      let v = seeds[n % seeds.length];
      for (let k = 1 + Math.floor(random() * 4); k > 0; k--) {
        const at = Math.floor(random() * (v.length + 1));
        const c = alphabet[Math.floor(random() * alphabet.length)];
        const r = random();
        v = r < 0.4 ? v.slice(0, at) + c + v.slice(at) : r < 0.7 ? v.slice(0, at) + v.slice(at + 1) : v.slice(0, at) + c + v.slice(at + 1);
      }
      const fast = simpleAddresses(v);
      if (!fast) continue;
      answered++;
      const reference = addressparser(v).map((a) => ({ address: (a as addressparser.Address).address, name: a.name }));
      expect({ v, got: fast }).toEqual({ v, got: reference });
    }
    expect(answered).toBeGreaterThan(5000);
  });
});

describe('analyzeMessage: preview', () => {
  it('is the text with white space runs as one space, trimmed, cut at 200 characters', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    // \u0085 and \u200b are not white space for JavaScript; the others are.
    const alphabet = ['a', 'b', ' ', '\n', '\r\n', '\t', '\u00a0', '\u2028', '\ufeff', '\u3000', '\u200b', '\u0085', 'é', '\u{1F600}', 'mot ', '      '];
    for (let n = 0; n < 3000; n++) {
      let text = '';
      const length = Math.floor(random() * (n % 3 === 0 ? 1200 : 260));
      while (text.length < length) text += alphabet[Math.floor(random() * alphabet.length)];
      expect({ text, got: preview(text) }).toEqual({ text, got: text.replace(/\s+/g, ' ').trim().slice(0, 200) });
    }
  });
});
