// One message: headers, the authentication warning, attachments, and the body. HTML bodies come
// already sanitized from the server and are shown in a sandboxed iframe with no scripts and no
// access to this origin; remote images load only after the user asks, for this message.
import { useEffect, useRef, useState } from 'preact/hooks';
import { enc, get, messagePath, type Mailbox, type MessageDetail } from './api';
import { deleteMessages, FLAGGED, markSpam, moveMessages, SEEN, setFlags } from './actions';
import type { ComposeSeed } from './compose';
import { displayName, formatAddress, formatAddresses, formatDate, formatSize } from './format';
import { errorText, folderLabel, sortFolders } from './folders';
import { t } from './i18n';
import { InvitationBox } from './invitation';
import type { MailContext } from './mail-app';
import { navigate } from './router';

export function Reader(props: { ctx: MailContext; mailbox: Mailbox; uid: number; backHref: string }) {
  const { ctx, mailbox, uid } = props;
  const [msg, setMsg] = useState<MessageDetail | null>(null);
  const [error, setError] = useState('');
  const [remote, setRemote] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const base = `/api${messagePath(mailbox.id, uid)}`;

  useEffect(() => {
    let stale = false;
    setMsg(null);
    setRemote(false);
    setError('');
    get<MessageDetail>(messagePath(mailbox.id, uid)).then(
      (m) => {
        if (stale) return;
        setMsg(m);
        // The server marked it read: counts and the list's marker change.
        ctx.refresh();
      },
      (err) => { if (!stale) setError(errorText(err)); },
    );
    return () => { stale = true; };
  }, [mailbox.id, uid]);

  useEffect(() => { if (msg) { headingRef.current?.focus(); document.title = `${msg.subject || t('list.noSubject')} – Facteur`; } }, [msg?.uid, msg?.mailboxId]);

  const back = () => navigate(props.backHref);
  const run = async (fn: () => Promise<unknown>, done: string, leave: boolean): Promise<boolean> => {
    try {
      await fn();
      ctx.announce(done);
      if (leave) back();
      ctx.refresh();
      return true;
    } catch (err) {
      ctx.announce(errorText(err));
      return false;
    }
  };

  // Window-wide so that the keys work wherever focus is (e.g. in the frame's place after a
  // button went away); the list handles its own keys first and marks them handled.
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement;
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) return;
      if (e.key === 'Escape') { e.preventDefault(); back(); }
      else if (e.key === 'Delete') { e.preventDefault(); void run(() => deleteMessages(mailbox.id, [uid]), t('action.deletedN', { n: 1 }), true); }
      else if (e.key === 'r' && msg) { e.preventDefault(); ctx.compose(replySeed(msg, mailbox.id, false, ctx.user.address)); }
    };
    addEventListener('keydown', onKeyDown);
    return () => removeEventListener('keydown', onKeyDown);
  });

  if (error) return <section class="reader"><a href={props.backHref} class="back">{t('reader.back')}</a><p class="error" role="alert">{error}</p></section>;
  if (!msg) return <section class="reader"><p role="status">{t('app.loading')}</p></section>;

  const flagged = msg.flags.includes(FLAGGED);
  const isJunk = mailbox.specialUse === '\\Junk';
  const attachments = msg.attachments.filter((a) => !a.inline || !a.cid);
  return (
    <article class="reader" aria-labelledby="reader-title">
      <a href={props.backHref} class="back">{t('reader.back')}</a>
      <h1 id="reader-title" ref={headingRef} tabIndex={-1}>{msg.subject || t('list.noSubject')}</h1>
      {msg.auth?.warning && (
        <div class="banner warning" role="note">
          <strong>{msg.auth.verdict === 'fail' ? t('reader.authFail') : t('reader.authOutside')}</strong>{' '}
          {t('reader.authAdvice')}
        </div>
      )}
      {msg.invitation && <InvitationBox key={`${mailbox.id}/${uid}`} invitation={msg.invitation} mailboxId={mailbox.id} uid={uid} announce={ctx.announce} />}
      <dl class="headers">
        <dt>{t('reader.from')}</dt><dd>{formatAddress(msg.from)}</dd>
        <dt>{t('reader.to')}</dt><dd>{formatAddresses(msg.to) || '—'}</dd>
        {msg.cc && msg.cc.length > 0 && <><dt>{t('reader.cc')}</dt><dd>{formatAddresses(msg.cc)}</dd></>}
        <dt>{t('reader.date')}</dt><dd><time dateTime={msg.date}>{formatDate(msg.date, true)}</time></dd>
      </dl>
      <div class="toolbar" role="group" aria-label={t('reader.actions')}>
        <button type="button" onClick={() => ctx.compose(replySeed(msg, mailbox.id, false, ctx.user.address))}>{t('reader.reply')}</button>
        <button type="button" onClick={() => ctx.compose(replySeed(msg, mailbox.id, true, ctx.user.address))}>{t('reader.replyAll')}</button>
        <button type="button" onClick={() => ctx.compose(forwardSeed(msg, mailbox.id))}>{t('reader.forward')}</button>
        <button type="button" aria-pressed={flagged} onClick={() => run(() => setFlags(mailbox.id, [uid], flagged ? { remove: [FLAGGED] } : { add: [FLAGGED] }), t('action.done'), false).then((ok) => ok && setMsg({ ...msg, flags: flagged ? msg.flags.filter((f) => f !== FLAGGED) : [...msg.flags, FLAGGED] }))}>
          {t('action.flag')}</button>
        <button type="button" onClick={() => run(() => setFlags(mailbox.id, [uid], { remove: [SEEN] }), t('action.done'), true)}>{t('action.markUnread')}</button>
        <button type="button" onClick={() => run(() => markSpam(mailbox.id, [uid], !isJunk), isJunk ? t('action.notSpamDone') : t('action.spamDone'), true)}>
          {isJunk ? t('action.notSpam') : t('action.spam')}</button>
        <button type="button" class="danger" onClick={() => run(() => deleteMessages(mailbox.id, [uid]), t('action.deletedN', { n: 1 }), true)}>{t('action.delete')}</button>
        <label class="sr-only" for="reader-move">{t('action.moveTo')}</label>
        <select id="reader-move" value="" onChange={(e) => {
          const to = (e.currentTarget as HTMLSelectElement).value;
          if (to) void run(() => moveMessages(mailbox.id, [uid], to), t('action.movedN', { n: 1 }), true);
        }}>
          <option value="">{t('action.moveTo')}</option>
          {sortFolders(ctx.mailboxes).filter((m) => m.id !== mailbox.id).map((m) => <option value={m.id}>{folderLabel(m)}</option>)}
        </select>
      </div>
      {attachments.length > 0 && (
        <section class="attachments" aria-label={t('reader.attachments')}>
          <h2>{t('reader.attachmentsN', { n: attachments.length })}</h2>
          <ul>
            {attachments.map((a) => (
              <li><a href={`${base}/parts/${enc(a.part)}`} download={a.filename ?? ''}>{a.filename || t('reader.unnamed')}</a> <span class="meta">({formatSize(a.size)})</span></li>
            ))}
          </ul>
        </section>
      )}
      {msg.html ? (
        <>
          {msg.hasRemoteContent && !remote && (
            <p class="banner info">
              {t('reader.remoteBlocked')}{' '}
              <button type="button" onClick={() => { setRemote(true); headingRef.current?.focus(); }}>{t('reader.showRemote')}</button>
            </p>
          )}
          {/* No allow-scripts, no allow-same-origin: the mail can neither run code nor reach
              this page or its cookies. Popups only so that its links (target=_blank,
              noopener) open in a new, unsandboxed tab. */}
          <iframe class="body" title={t('reader.bodyTitle')} sandbox="allow-popups allow-popups-to-escape-sandbox"
            referrerpolicy="no-referrer" src={`${base}/body.html${remote ? '?remote=1' : ''}`} />
        </>
      ) : (
        <pre class="body text">{msg.text || ''}</pre>
      )}
    </article>
  );
}

/** The message as plain text for quoting: its text part, else its (already sanitized) HTML
 *  flattened. DOMParser documents are inert: nothing in them runs or loads. */
export function plainText(msg: MessageDetail): string {
  if (msg.text && msg.text.trim()) return msg.text;
  if (!msg.html) return '';
  // Styles go first: parsing them here would trip this page's CSP (no inline styles).
  const marked = msg.html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/\sstyle\s*=\s*("[^"]*"|'[^']*')/gi, '')
    .replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div|li|tr|h[1-6]|blockquote)>/gi, '$&\n');
  const doc = new DOMParser().parseFromString(marked, 'text/html');
  doc.querySelectorAll('style, script, title').forEach((n) => n.remove());
  return (doc.body.textContent ?? '').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

function stripPrefix(subject: string): string {
  return subject.replace(/^((re|tr|fwd?|aw|wg)\s*:\s*)+/i, '');
}

function quote(msg: MessageDetail): string {
  const intro = t('compose.quoteIntro', { date: formatDate(msg.date, true), name: displayName(msg.from) });
  const body = plainText(msg).replace(/\r\n/g, '\n').split('\n').map((l) => (l.startsWith('>') ? `>${l}` : `> ${l}`)).join('\n');
  return `\n\n${intro}\n${body}\n`;
}

const references = (msg: MessageDetail) => [...(msg.references ?? []), ...(msg.messageId ? [msg.messageId] : [])];
const lower = (s: string) => s.toLowerCase();

export function replySeed(msg: MessageDetail, mailboxId: string, all: boolean, me: string): ComposeSeed {
  const replyTo = msg.replyTo && msg.replyTo.length ? msg.replyTo : msg.from ? [msg.from] : [];
  const to = replyTo.map(formatAddress);
  const seen = new Set([lower(me), ...replyTo.map((a) => lower(a.address))]);
  const others = (list: MessageDetail['to'] | undefined) => (list ?? []).filter((a) => {
    if (seen.has(lower(a.address))) return false;
    seen.add(lower(a.address));
    return true;
  }).map(formatAddress);
  return {
    to,
    cc: all ? [...others(msg.to), ...others(msg.cc)] : [],
    subject: `${t('compose.rePrefix')} ${stripPrefix(msg.subject ?? '')}`,
    text: quote(msg),
    inReplyTo: msg.messageId ?? undefined,
    references: references(msg),
    answered: { mailboxId, uid: msg.uid },
  };
}

export function forwardSeed(msg: MessageDetail, mailboxId: string): ComposeSeed {
  const head = [
    t('compose.fwdHeader'),
    `${t('reader.from')} : ${formatAddress(msg.from)}`,
    `${t('reader.date')} : ${formatDate(msg.date, true)}`,
    `${t('compose.subject')} : ${msg.subject ?? ''}`,
    `${t('reader.to')} : ${formatAddresses(msg.to)}`,
  ].join('\n');
  return {
    subject: `${t('compose.fwdPrefix')} ${stripPrefix(msg.subject ?? '')}`,
    text: `\n\n${head}\n\n${plainText(msg)}\n`,
    forwardParts: msg.attachments.map((a) => ({ ...a, url: `/api${messagePath(mailboxId, msg.uid)}/parts/${enc(a.part)}` })),
  };
}
