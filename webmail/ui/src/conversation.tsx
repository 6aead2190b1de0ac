// One conversation: its messages in order (from every folder but Trash and Junk, or from the
// folder it was opened in), one of them open below in the reader: the first unread one, else
// the newest. Choosing another message opens it in place.
import { useEffect, useRef, useState } from 'preact/hooks';
import { enc, get, type Mailbox, type MessageSummary } from './api';
import { SEEN } from './actions';
import { displayName, formatDate } from './format';
import { errorText, folderLabel } from './folders';
import { t } from './i18n';
import type { MailContext } from './mail-app';
import { Reader } from './reader';

type Item = MessageSummary & { mailboxId: string };
const keyOf = (m: { mailboxId: string; uid: number }) => `${m.mailboxId}:${m.uid}`;

type Page = { messages: Item[]; total: number; older: string | null };
/** A conversation can run to thousands of messages: its newest come first, older ones on request. */
const PAGE = 50;

export function Conversation(props: { ctx: MailContext; mailbox: Mailbox; threadId: string; backHref: string }) {
  const { ctx, mailbox, threadId } = props;
  const [messages, setMessages] = useState<Item[] | null>(null);
  const [total, setTotal] = useState(0);
  const [older, setOlder] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState('');
  // How many messages are shown: a live refresh reloads as many (up to the server's page limit).
  const shown = useRef(PAGE);
  // After "earlier messages", focus goes to the oldest one just shown (the button may be gone).
  const listRef = useRef<HTMLOListElement>(null);
  const focusFirst = useRef(false);
  useEffect(() => {
    if (!focusFirst.current) return;
    focusFirst.current = false;
    listRef.current?.querySelector<HTMLButtonElement>('button.conv-item')?.focus();
  }, [messages]);

  useEffect(() => { setMessages(null); setOpen(null); setError(''); setOlder(null); shown.current = PAGE; }, [threadId]);

  const url = (q: Record<string, string>) => `/threads/${enc(threadId)}?${new URLSearchParams({ mailboxId: mailbox.id, ...q })}`;

  useEffect(() => {
    let stale = false;
    get<Page>(url({ limit: String(Math.min(200, shown.current)) })).then(
      (r) => {
        if (stale) return;
        setMessages(r.messages);
        setTotal(r.total);
        setOlder(r.older);
        setOpen((current) => {
          if (current && r.messages.some((m) => keyOf(m) === current)) return current;
          const first = r.messages.find((m) => !m.flags.includes(SEEN)) ?? r.messages[r.messages.length - 1];
          return first ? keyOf(first) : null;
        });
      },
      (err) => { if (!stale) setError(errorText(err)); },
    );
    return () => { stale = true; };
  }, [threadId, mailbox.id, ctx.version]);

  const loadOlder = () => {
    if (!older || loadingOlder) return;
    setLoadingOlder(true);
    get<Page>(url({ limit: String(PAGE), before: older })).then(
      (r) => {
        setMessages((list) => {
          const have = new Set((list ?? []).map(keyOf));
          const next = [...r.messages.filter((m) => !have.has(keyOf(m))), ...(list ?? [])];
          shown.current = next.length;
          focusFirst.current = true;
          return next;
        });
        setOlder(r.older);
        setTotal(r.total);
      },
      (err) => ctx.announce(errorText(err)),
    ).finally(() => setLoadingOlder(false));
  };

  if (error) return <section class="reader"><a href={props.backHref} class="back">{t('reader.back')}</a><p class="error" role="alert">{error}</p></section>;
  if (!messages) return <section class="reader"><p role="status">{t('app.loading')}</p></section>;

  const current = messages.find((m) => keyOf(m) === open) ?? null;
  const currentBox = current ? ctx.mailboxes.find((b) => b.id === current.mailboxId) ?? null : null;
  return (
    <section class="conversation" aria-labelledby="conv-title">
      <a href={props.backHref} class="back">{t('reader.back')}</a>
      <div class="conv-head">
        <h2 id="conv-title">{messages[0].subject || t('list.noSubject')}</h2>
        <span class="counts">{t('conv.count', { n: total })}</span>
      </div>
      {older && (
        <button type="button" class="small conv-older" disabled={loadingOlder} onClick={loadOlder}>
          {t('conv.older', { n: Math.max(0, total - messages.length) })}</button>
      )}
      <ol class="conv-messages" ref={listRef} aria-label={t('conv.label')}>
        {messages.map((m) => {
          const here = keyOf(m) === open;
          const box = m.mailboxId === mailbox.id ? null : ctx.mailboxes.find((b) => b.id === m.mailboxId);
          return (
            <li key={keyOf(m)} class={`${m.flags.includes(SEEN) ? '' : 'unread'}${here ? ' open' : ''}`}>
              <button type="button" class="conv-item" aria-current={here ? 'true' : undefined} onClick={() => setOpen(keyOf(m))}>
                <span class="from">{displayName(m.from)}</span>
                {box && <span class="folder"> ({t('conv.in', { folder: folderLabel(box) })})</span>}
                {!m.flags.includes(SEEN) && <span class="sr-only">, {t('list.unread')}</span>}
                <time dateTime={m.date}>{formatDate(m.date, true)}</time>
                {m.preview && <span class="preview">{m.preview}</span>}
              </button>
            </li>
          );
        })}
      </ol>
      {current && currentBox && (
        <Reader key={open} ctx={ctx} mailbox={currentBox} uid={current.uid} backHref={props.backHref} />
      )}
    </section>
  );
}
