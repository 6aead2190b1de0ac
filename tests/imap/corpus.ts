// Varied messages for interoperability tests: plain, multipart/alternative, attachments,
// quoted-printable and base64, ISO-8859-1 bodies, encoded-word subjects, forwarded
// message/rfc822 parts. Deterministic: message i is always the same octets.

const CRLF = '\r\n';

function latin1(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

export function corpusMessage(i: number): Buffer {
  const id = `<m${i}@corpus.test>`;
  const date = new Date(Date.UTC(2025, 0, 1 + (i % 300), 8 + (i % 10), i % 60)).toUTCString().replace('GMT', '+0000');
  const common = [`From: "Prof ${i}" <prof${i % 17}@ecole.test>`, `To: eleves${i % 5}@ecole.test`, `Date: ${date}`, `Message-ID: ${id}`, 'MIME-Version: 1.0'];
  switch (i % 6) {
    case 0:
      return Buffer.from([...common, `Subject: Devoir n°${i}`.replace('°', 'o'), 'Content-Type: text/plain; charset=us-ascii', '', `Exercice ${i} pour lundi.`, ''].join(CRLF));
    case 1:
      return Buffer.from([...common, `Subject: =?UTF-8?B?${Buffer.from(`Réunion ${i} – salle é`).toString('base64')}?=`,
        'Content-Type: multipart/alternative; boundary="alt"', '', '--alt', 'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable', '', `R=C3=A9union ${i} =E2=80=93 ordre du jour tr=C3=A8s long qui d=C3=A9passe la ligne et doit =`,
        'continuer ici.', '--alt', 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '',
        `<p>R=C3=A9union ${i}</p>`, '--alt--', ''].join(CRLF));
    case 2: {
      const pdf = Buffer.alloc(3000 + i, i % 256);
      const b64 = pdf.toString('base64').replace(/.{76}/g, `$&${CRLF}`);
      return Buffer.from([...common, `Subject: Bulletin ${i}`, 'Content-Type: multipart/mixed; boundary="mix"', '', '--mix',
        'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', `Voici le bulletin ${i}. Élève : Zoé.`, '--mix',
        `Content-Type: application/pdf; name="bulletin-${i}.pdf"`, `Content-Disposition: attachment; filename="bulletin-${i}.pdf"`,
        'Content-Transfer-Encoding: base64', '', b64, '--mix--', ''].join(CRLF));
    }
    case 3:
      return Buffer.concat([latin1([...common, `Subject: =?ISO-8859-1?Q?Sortie_au_mus=E9e_${i}?=`,
        'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: 8bit', '', `Départ à 8h, retour à 17h (élèves ${i}).`, ''].join(CRLF))]);
    case 4:
      return Buffer.from([...common, `Subject: Fwd: Cantine ${i}`, 'Content-Type: multipart/mixed; boundary="fw"', '', '--fw',
        'Content-Type: text/plain', '', 'Message transféré ci-dessous.'.normalize('NFC').replace(/[^\x00-\x7f]/g, 'e'), '--fw', 'Content-Type: message/rfc822', '',
        'From: cantine@mairie.test', `Subject: Menu ${i}`, `Message-ID: <inner${i}@mairie.test>`, 'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64', '', Buffer.from(`Menu du jour ${i} : gratin.`).toString('base64'), '--fw--', ''].join(CRLF));
    default:
      return Buffer.from([...common, `Subject: Re: Devoir n${i - 5}`, `In-Reply-To: <m${i - 5}@corpus.test>`, `References: <m${i - 5}@corpus.test>`,
        'Content-Type: text/plain; charset=utf-8; format=flowed', '', '> cité', `Merci, reçu (${i}).`, ''].join(CRLF));
  }
}
