// Writing a message: new, reply, reply-all, forward, or a resumed draft. Plain text by default,
// simple rich text on request; attachments by picker or drag and drop. Sending goes through the
// server's delivery pipeline (POST /api/send), which files the copy in Sent.
import { useEffect, useRef, useState } from 'preact/hooks';
import { AddressInput, splitAddresses } from './address-input';
import { ApiError, get, messagePath, post, type Attachment, type MessageDetail, type Settings } from './api';
import { ANSWERED, setFlags } from './actions';
import { formatAddress, formatAddresses, formatSize } from './format';
import { errorText } from './folders';
import { t } from './i18n';
import type { MailContext } from './mail-app';
import { navigate } from './router';

export interface ComposeSeed {
  to?: string[]; cc?: string[]; bcc?: string[]; subject?: string; text?: string;
  inReplyTo?: string; references?: string[];
  answered?: { mailboxId: string; uid: number };
  forwardParts?: (Attachment & { url: string })[];
}

interface PendingFile { id: number; name: string; type: string; size: number; blob: Blob }
let nextFileId = 1;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
const textToHtml = (text: string) => escapeHtml(text).replace(/\n/g, '<br>');

function toBase64(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

async function fetchParts(parts: (Attachment & { url: string })[]): Promise<PendingFile[]> {
  return Promise.all(parts.map(async (p) => {
    const res = await fetch(p.url, { credentials: 'same-origin' });
    if (!res.ok) throw new ApiError(res.status, 'attachment', res.statusText);
    const blob = await res.blob();
    return { id: nextFileId++, name: p.filename || 'attachment', type: p.contentType, size: blob.size, blob };
  }));
}

export function Compose(props: { ctx: MailContext; seed: ComposeSeed | null; draft: { mailbox: string; uid: number } | null; onDone(): void }) {
  const { ctx } = props;
  const seed = props.seed ?? {};
  const [to, setTo] = useState((seed.to ?? []).join(', '));
  const [cc, setCc] = useState((seed.cc ?? []).join(', '));
  const [bcc, setBcc] = useState((seed.bcc ?? []).join(', '));
  const [showCopies, setShowCopies] = useState(Boolean(seed.cc?.length || seed.bcc?.length));
  const [subject, setSubject] = useState(seed.subject ?? '');
  const [text, setText] = useState(seed.text ?? '');
  const [rich, setRich] = useState(false);
  const [files, setFiles] = useState<PendingFile[]>([]);
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [draftId, setDraftId] = useState<{ mailboxId: string; uid: number } | null>(props.draft ? { mailboxId: props.draft.mailbox, uid: props.draft.uid } : null);
  const [thread] = useState({ inReplyTo: seed.inReplyTo, references: seed.references });
  const editorRef = useRef<HTMLDivElement>(null);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    document.title = `${t('compose.title')} – Facteur`;
    if (props.draft) {
      // Resuming a draft: read it without marking it read, attachments included.
      const path = messagePath(props.draft.mailbox, props.draft.uid);
      get<MessageDetail>(`${path}?peek=1`).then(async (m) => {
        setTo(formatAddresses(m.to));
        setCc(formatAddresses(m.cc));
        setBcc(formatAddresses(m.bcc));
        setShowCopies(Boolean(m.cc?.length || m.bcc?.length));
        setSubject(m.subject ?? '');
        setText(m.text ?? '');
        if (m.html) { setRich(true); queueMicrotask(() => { if (editorRef.current) editorRef.current.innerHTML = m.html!; }); }
        setFiles(await fetchParts(m.attachments.map((a) => ({ ...a, url: `/api${path}/parts/${encodeURIComponent(a.part)}` }))));
      }).catch((err) => setError(errorText(err)));
    } else {
      get<Settings>('/settings').then((s) => {
        if (s.signature) setText((cur) => `\n\n-- \n${s.signature}${cur}`);
      }).catch(() => undefined);
      if (seed.forwardParts?.length) fetchParts(seed.forwardParts).then(setFiles).catch((err) => setError(errorText(err)));
    }
    if (seed.to?.length) {
      bodyRef.current?.focus();
      bodyRef.current?.setSelectionRange(0, 0);
    } else if (!props.draft) document.getElementById('compose-to')?.focus();
    else headingRef.current?.focus();
    return () => props.onDone();
  }, []);

  const addFiles = (list: FileList | null) => {
    if (!list) return;
    const added = [...list].map((f) => ({ id: nextFileId++, name: f.name, type: f.type || 'application/octet-stream', size: f.size, blob: f as Blob }));
    setFiles((cur) => [...cur, ...added]);
    ctx.announce(t('compose.attached', { n: added.length }));
  };

  const switchRich = (on: boolean) => {
    if (on) {
      setRich(true);
      queueMicrotask(() => { if (editorRef.current) editorRef.current.innerHTML = textToHtml(text); });
    } else {
      setText(editorRef.current?.innerText ?? text);
      setRich(false);
    }
  };

  const format = (command: string) => {
    editorRef.current?.focus();
    if (command === 'createLink') {
      const url = prompt(t('compose.linkPrompt'), 'https://');
      if (url && /^(https?:|mailto:)/i.test(url)) document.execCommand('createLink', false, url);
    } else document.execCommand(command);
  };

  const payload = async () => {
    const body: Record<string, unknown> = {
      to: splitAddresses(to), cc: splitAddresses(cc), bcc: splitAddresses(bcc), subject,
      text: rich ? editorRef.current?.innerText ?? '' : text,
      attachments: await Promise.all(files.map(async (f) => ({ filename: f.name, contentType: f.type, contentBase64: await toBase64(f.blob) }))),
    };
    if (rich) body.html = editorRef.current?.innerHTML ?? '';
    if (thread.inReplyTo) body.inReplyTo = thread.inReplyTo;
    if (thread.references?.length) body.references = thread.references;
    if (draftId) body.draft = draftId;
    return body;
  };

  const send = async (e: Event) => {
    e.preventDefault();
    setError('');
    if (splitAddresses(to).length + splitAddresses(cc).length + splitAddresses(bcc).length === 0) {
      setError(t('compose.noRecipient'));
      document.getElementById('compose-to')?.focus();
      return;
    }
    setBusy(true);
    try {
      await post('/send', await payload());
      if (seed.answered) await setFlags(seed.answered.mailboxId, [seed.answered.uid], { add: [ANSWERED] }).catch(() => undefined);
      ctx.announce(t('compose.sent'));
      ctx.refresh();
      navigate('#/');
    } catch (err) {
      setError(err instanceof ApiError && err.code === 'refused' ? t('compose.refused', { why: err.message }) : errorText(err));
      setBusy(false);
    }
  };

  const saveDraft = async () => {
    setBusy(true);
    setError('');
    try {
      const r = await post<{ mailboxId: string; uid: number }>('/drafts', await payload());
      setDraftId(r);
      ctx.announce(t('compose.draftSaved'));
      ctx.refresh();
    } catch (err) {
      setError(errorText(err));
    }
    setBusy(false);
  };

  const discard = () => {
    if ((text.trim() || subject.trim() || files.length) && !confirm(t('compose.confirmDiscard'))) return;
    // Back to where the user came from, unless the app was opened on this form.
    if (history.length > 1) history.back();
    else navigate('#/');
  };

  return (
    <section class={`compose${dragging ? ' dragging' : ''}`} aria-labelledby="compose-title"
      onDragOver={(e) => { if (e.dataTransfer?.types.includes('Files')) { e.preventDefault(); setDragging(true); } }}
      onDragLeave={(e) => { if (e.currentTarget === e.target) setDragging(false); }}
      onDrop={(e) => { e.preventDefault(); setDragging(false); addFiles(e.dataTransfer?.files ?? null); }}>
      <h1 id="compose-title" ref={headingRef} tabIndex={-1}>{t('compose.title')}</h1>
      <p class="meta">{t('compose.from', { from: formatAddress({ name: ctx.user.displayName, address: ctx.user.address }) })}</p>
      <form onSubmit={send} onKeyDown={(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void send(e); }}>
        <AddressInput id="compose-to" label={t('compose.to')} value={to} onInput={setTo} />
        {showCopies ? (
          <>
            <AddressInput id="compose-cc" label={t('compose.cc')} value={cc} onInput={setCc} />
            <AddressInput id="compose-bcc" label={t('compose.bcc')} value={bcc} onInput={setBcc} />
          </>
        ) : (
          <button type="button" class="link" onClick={() => setShowCopies(true)}>{t('compose.showCopies')}</button>
        )}
        <div class="field">
          <label for="compose-subject">{t('compose.subject')}</label>
          <input id="compose-subject" type="text" value={subject} onInput={(e) => setSubject((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <div class="editor-head">
            <label for={rich ? undefined : 'compose-body'} id="compose-body-label">{t('compose.body')}</label>
            <label class="check"><input type="checkbox" checked={rich} onChange={(e) => switchRich((e.currentTarget as HTMLInputElement).checked)} /> {t('compose.rich')}</label>
          </div>
          {rich ? (
            <>
              <div class="toolbar" role="group" aria-label={t('compose.formatting')}>
                <button type="button" class="small" onMouseDown={(e) => e.preventDefault()} onClick={() => format('bold')}><b>{t('compose.bold')}</b></button>
                <button type="button" class="small" onMouseDown={(e) => e.preventDefault()} onClick={() => format('italic')}><i>{t('compose.italic')}</i></button>
                <button type="button" class="small" onMouseDown={(e) => e.preventDefault()} onClick={() => format('insertUnorderedList')}>{t('compose.list')}</button>
                <button type="button" class="small" onMouseDown={(e) => e.preventDefault()} onClick={() => format('createLink')}>{t('compose.link')}</button>
              </div>
              <div id="compose-body" class="editor" ref={editorRef} contentEditable role="textbox" aria-multiline="true" aria-labelledby="compose-body-label" />
            </>
          ) : (
            <textarea id="compose-body" ref={bodyRef} rows={14} value={text} onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} />
          )}
        </div>
        <div class="field attach">
          <input ref={fileRef} id="compose-files" type="file" multiple class="sr-only" tabIndex={-1} aria-label={t('compose.attach')}
            onChange={(e) => { addFiles((e.currentTarget as HTMLInputElement).files); (e.currentTarget as HTMLInputElement).value = ''; }} />
          <button type="button" onClick={() => fileRef.current?.click()}>{t('compose.attach')}</button>
          <span class="hint">{t('compose.dropHint')}</span>
          {files.length > 0 && (
            <ul class="files" aria-label={t('reader.attachments')}>
              {files.map((f) => (
                <li key={f.id}>{f.name} <span class="meta">({formatSize(f.size)})</span>{' '}
                  <button type="button" class="small" aria-label={t('compose.removeNamed', { name: f.name })}
                    onClick={() => setFiles((cur) => cur.filter((x) => x.id !== f.id))}>{t('compose.remove')}</button>
                </li>
              ))}
            </ul>
          )}
        </div>
        {error && <p class="error" role="alert">{error}</p>}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>{busy ? t('compose.sending') : t('compose.send')}</button>
          <button type="button" disabled={busy} onClick={saveDraft}>{t('compose.saveDraft')}</button>
          <button type="button" onClick={discard}>{t('compose.discard')}</button>
        </div>
      </form>
    </section>
  );
}
