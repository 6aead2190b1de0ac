// One folder's messages (or its conversations), newest first by default, a page at a time with
// page controls that reach any page of a 50,000-message folder. The list is a roving-focus set
// of links: j/k or the arrows move, Enter opens, x or Space selects, Delete deletes.
import { useEffect, useRef, useState } from 'preact/hooks';
import { enc, get, post, type Mailbox, type MessageSummary } from './api';
import { deleteMessages, FLAGGED, markSpam, moveMessages, SEEN, setFlags } from './actions';
import { displayName, formatDate, formatSize } from './format';
import { errorText, folderLabel, sortFolders } from './folders';
import { t } from './i18n';
import type { MailContext } from './mail-app';
import { hrefs } from './router';
import { useRovingList } from './roving';
import { loadListView, saveListView, ThreadRows, type ListView, type ThreadSummary } from './thread-list';

const PAGE = 50;

const Clip = () => (
  <svg viewBox="0 0 16 16" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round"
    d="M13 7.5 8 12.5a3 3 0 0 1-4.5-4.5L9 2.5a2 2 0 0 1 3 3L6.5 11a1 1 0 0 1-1.5-1.5L10 4.5" /></svg>
);

export function isSentLike(m: Mailbox | null): boolean {
  return m?.specialUse === '\\Sent' || m?.specialUse === '\\Drafts';
}

/** The rows of a message list, shared with search results. */
export function MessageRows(props: {
  messages: MessageSummary[]; mailbox: Mailbox | null; openUid: number | null; label: string;
  hrefFor(m: MessageSummary): string; selected?: Set<number>; onToggle?(uid: number): void;
  onDelete?(uids: number[]): void; focusUid?: { uid: number } | null;
}) {
  const { messages } = props;
  const { focus, setFocus, listRef, onKeyDown } = useRovingList(messages, props.focusUid, (m, target) => m.uid === target.uid);
  const sentLike = isSentLike(props.mailbox);
  const onKey = (e: KeyboardEvent) => onKeyDown(e, {
    toggle: props.onToggle && ((i) => props.onToggle!(messages[i].uid)),
    remove: props.onDelete && ((i) => props.onDelete!(props.selected && props.selected.size > 0 ? [...props.selected] : [messages[i].uid])),
  });

  return (
    <ul class="messages" ref={listRef} aria-label={props.label} onKeyDown={onKey}>
      {messages.map((m, i) => {
        const unread = !m.flags.includes(SEEN);
        const flagged = m.flags.includes(FLAGGED);
        const who = sentLike ? m.to.map((a) => displayName(a)).join(', ') || t('list.noRecipient') : displayName(m.from);
        const open = m.uid === props.openUid;
        return (
          <li key={`${m.mailboxId ?? ''}:${m.uid}`} class={`${unread ? 'unread' : ''}${open ? ' open' : ''}${props.selected?.has(m.uid) ? ' selected' : ''}`}>
            {props.onToggle && (
              <input type="checkbox" tabIndex={-1} checked={props.selected?.has(m.uid)} onChange={() => props.onToggle!(m.uid)}
                aria-label={t('list.select', { subject: m.subject || t('list.noSubject') })} />
            )}
            <a class="row" href={props.hrefFor(m)} tabIndex={i === focus ? 0 : -1} onFocus={() => setFocus(i)}
              aria-current={open ? 'true' : undefined}>
              <span class="markers">
                {unread && <span class="dot" title={t('list.unread')}><span class="sr-only">{t('list.unread')}, </span></span>}
                {flagged && <span class="flag" title={t('list.flagged')} aria-hidden="true">★</span>}
                {flagged && <span class="sr-only">{t('list.flagged')}, </span>}
              </span>
              <span class="from">{who}</span>
              <span class="subject">{m.subject || t('list.noSubject')}
                {m.preview && <span class="preview"> – {m.preview}</span>}</span>
              <span class="meta">
                {m.hasAttachments && <span class="clip" title={t('list.attachment')}><Clip /><span class="sr-only">{t('list.attachment')}</span></span>}
                <time dateTime={m.date} title={formatDate(m.date, true)}>{formatDate(m.date)}</time>
                <span class="sr-only">, {formatSize(m.size)}</span>
              </span>
            </a>
          </li>
        );
      })}
    </ul>
  );
}

type Page = { total: number; messages?: MessageSummary[]; threads?: ThreadSummary[] };

/** First, previous, page number (typed), next, last. */
function Pager(props: { offset: number; total: number; onOffset(o: number): void }) {
  const { offset, total } = props;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const page = Math.floor(offset / PAGE) + 1;
  const [typed, setTyped] = useState(String(page));
  useEffect(() => setTyped(String(page)), [page]);
  const go = (p: number) => props.onOffset((Math.max(1, Math.min(pages, p)) - 1) * PAGE);
  return (
    <nav class="pager" aria-label={t('list.pages')}>
      <button type="button" disabled={page === 1} onClick={() => go(1)}><span aria-hidden="true">« </span>{t('list.first')}</button>
      <button type="button" disabled={page === 1} onClick={() => go(page - 1)}><span aria-hidden="true">‹ </span>{t('list.prev')}</button>
      <form class="page-jump" onSubmit={(e) => { e.preventDefault(); const n = Number(typed); if (Number.isInteger(n)) go(n); }}>
        <label for="page-number">{t('list.page')}</label>
        <input id="page-number" type="number" inputMode="numeric" min={1} max={pages} value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
        <span>{t('list.pageOf', { n: pages })}</span>
        <button type="submit" class="small">{t('list.go')}</button>
      </form>
      <button type="button" disabled={page === pages} onClick={() => go(page + 1)}>{t('list.next')}<span aria-hidden="true"> ›</span></button>
      <button type="button" disabled={page === pages} onClick={() => go(pages)}>{t('list.last')}<span aria-hidden="true"> »</span></button>
      <span class="range">{t('list.range', { from: Math.min(total, offset + 1), to: Math.min(total, offset + PAGE), total })}</span>
    </nav>
  );
}

export function MessageList(props: { ctx: MailContext; mailbox: Mailbox; openUid: number | null; openThread?: string | null }) {
  const { ctx, mailbox } = props;
  const [offset, setOffset] = useState(0);
  const [view, setView] = useState<ListView | null>(null);
  const [data, setData] = useState<Page | null>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [selectedThreads, setSelectedThreads] = useState<Set<string>>(new Set());
  const [error, setError] = useState('');
  const [focusUid, setFocusUid] = useState<{ uid: number } | null>(null);
  const [focusThread, setFocusThread] = useState<{ id: string } | null>(null);
  const lastOpen = useRef<number | null>(null);
  const lastThread = useRef<string | null>(null);
  const grouped = view?.group === 'thread';
  const sort = grouped ? 'date' : view?.sort ?? 'date';
  const order = view?.order ?? 'desc';

  useEffect(() => { loadListView().then(setView, () => undefined); }, []);
  useEffect(() => { setOffset(0); setSelected(new Set()); setSelectedThreads(new Set()); setData(null); }, [mailbox.id]);

  useEffect(() => {
    if (!view) return;
    let stale = false;
    const q = new URLSearchParams({ offset: String(offset), limit: String(PAGE), sort, order });
    if (grouped) q.set('group', 'thread');
    get<Page>(`/mailboxes/${enc(mailbox.id)}/messages?${q}`).then(
      (r) => {
        if (stale) return;
        setData(r);
        setError('');
        // Drop from the selection what is gone.
        setSelected((s) => new Set([...s].filter((uid) => r.messages?.some((m) => m.uid === uid))));
        setSelectedThreads((s) => new Set([...s].filter((id) => r.threads?.some((th) => th.threadId === id))));
      },
      (err) => { if (!stale) setError(errorText(err)); },
    );
    return () => { stale = true; };
  }, [mailbox.id, offset, sort, order, grouped, view !== null, ctx.version]);

  useEffect(() => {
    if (props.openUid === null && lastOpen.current !== null) setFocusUid({ uid: lastOpen.current });
    lastOpen.current = props.openUid;
  }, [props.openUid]);
  useEffect(() => {
    const open = props.openThread ?? null;
    if (open === null && lastThread.current !== null) setFocusThread({ id: lastThread.current });
    lastThread.current = open;
  }, [props.openThread]);

  useEffect(() => { document.title = `${folderLabel(mailbox)}${mailbox.unread ? ` (${mailbox.unread})` : ''} – Facteur`; }, [mailbox]);

  const change = (patch: Partial<ListView>) => {
    setView((v) => ({ ...(v ?? { group: 'none', sort: 'date', order: 'desc' }), ...patch }));
    setOffset(0);
    setData(null);
    saveListView(patch);
  };

  const messages = data?.messages ?? [];
  const threads = data?.threads ?? [];
  const uids = grouped ? threads.filter((th) => selectedThreads.has(th.threadId)).flatMap((th) => th.uids) : [...selected];
  const run = async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn();
      ctx.announce(done);
      setSelected(new Set());
      setSelectedThreads(new Set());
      ctx.refresh();
    } catch (err) {
      ctx.announce(errorText(err));
    }
  };
  const onDelete = (list: number[]) => run(() => deleteMessages(mailbox.id, list), t('action.deletedN', { n: list.length }));
  const toggle = (uid: number) => setSelected((s) => {
    const n = new Set(s);
    if (n.has(uid)) n.delete(uid); else n.add(uid);
    return n;
  });
  const toggleThread = (id: string) => setSelectedThreads((s) => {
    const n = new Set(s);
    if (n.has(id)) n.delete(id); else n.add(id);
    return n;
  });

  const rows = grouped ? threads.length : messages.length;
  const allSelected = rows > 0 && (grouped ? threads.every((th) => selectedThreads.has(th.threadId)) : messages.every((m) => selected.has(m.uid)));
  const selectAll = () => {
    if (grouped) setSelectedThreads(allSelected ? new Set() : new Set(threads.map((th) => th.threadId)));
    else setSelected(allSelected ? new Set() : new Set(messages.map((m) => m.uid)));
  };
  const isJunk = mailbox.specialUse === '\\Junk';
  const canEmpty = isJunk || mailbox.specialUse === '\\Trash';
  const total = data?.total ?? 0;
  const targets = sortFolders(ctx.mailboxes).filter((m) => m.id !== mailbox.id);
  const counts = grouped
    ? t(total === 1 ? 'list.countsThreadsOne' : 'list.countsThreads', { total, unread: mailbox.unread })
    : t(total === 1 ? 'list.countsOne' : 'list.counts', { total, unread: mailbox.unread });

  return (
    <section class="list" aria-labelledby="list-title">
      <div class="list-head">
        <h1 id="list-title">{folderLabel(mailbox)}</h1>
        <span class="counts">{data ? counts : ''}</span>
        <button type="button" class="small group-toggle" aria-pressed={grouped} disabled={!view} title={t('list.groupLabel')}
          onClick={() => change({ group: grouped ? 'none' : 'thread' })}>{t('list.group')}</button>
      </div>
      <div class="toolbar" role="group" aria-label={t('list.actions')}>
        <input type="checkbox" checked={allSelected} disabled={rows === 0} aria-label={t('list.selectAll')} onChange={selectAll} />
        <button type="button" disabled={!uids.length} onClick={() => run(() => setFlags(mailbox.id, uids, { add: [SEEN] }), t('action.done'))}>{t('action.markRead')}</button>
        <button type="button" disabled={!uids.length} onClick={() => run(() => setFlags(mailbox.id, uids, { remove: [SEEN] }), t('action.done'))}>{t('action.markUnread')}</button>
        <button type="button" disabled={!uids.length} onClick={() => run(() => setFlags(mailbox.id, uids, { add: [FLAGGED] }), t('action.done'))}>{t('action.flag')}</button>
        <button type="button" disabled={!uids.length} onClick={() => run(() => setFlags(mailbox.id, uids, { remove: [FLAGGED] }), t('action.done'))}>{t('action.unflag')}</button>
        <button type="button" disabled={!uids.length} onClick={() => run(() => markSpam(mailbox.id, uids, !isJunk), isJunk ? t('action.notSpamDone') : t('action.spamDone'))}>
          {isJunk ? t('action.notSpam') : t('action.spam')}</button>
        <button type="button" class="danger" disabled={!uids.length} onClick={() => onDelete(uids)}>{t('action.delete')}</button>
        <label class="sr-only" for="move-to">{t('action.moveTo')}</label>
        <select id="move-to" disabled={!uids.length} value="" onChange={(e) => {
          const to = (e.currentTarget as HTMLSelectElement).value;
          if (to) void run(() => moveMessages(mailbox.id, uids, to), t('action.movedN', { n: uids.length }));
        }}>
          <option value="">{t('action.moveTo')}</option>
          {targets.map((m) => <option value={m.id}>{folderLabel(m)}</option>)}
        </select>
        {canEmpty && (
          <button type="button" class="danger" disabled={total === 0} onClick={() => {
            if (confirm(t('list.confirmEmpty', { name: folderLabel(mailbox) }))) void run(() => post(`/mailboxes/${enc(mailbox.id)}/empty`), t('list.emptied'));
          }}>{t('list.empty')}</button>
        )}
      </div>
      <div class="sort">
        <label for="sort-by">{t('list.sortBy')}</label>
        {/* A conversation's place is its newest message: by date only. */}
        <select id="sort-by" value={sort} disabled={grouped} aria-describedby={grouped ? 'sort-note' : undefined}
          onChange={(e) => change({ sort: (e.currentTarget as HTMLSelectElement).value })}>
          <option value="date">{t('list.sort.date')}</option>
          <option value="from">{t('list.sort.from')}</option>
          <option value="subject">{t('list.sort.subject')}</option>
          <option value="size">{t('list.sort.size')}</option>
        </select>
        <button type="button" class="small" onClick={() => change({ order: order === 'desc' ? 'asc' : 'desc' })}
          aria-label={order === 'desc' ? t('list.order.descLabel') : t('list.order.ascLabel')}>{order === 'desc' ? '↓' : '↑'}</button>
        {grouped && <span id="sort-note" class="sr-only">{t('list.sortDateOnly')}</span>}
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {data && rows === 0 && <p class="empty">{t('list.none')}</p>}
      {!data && !error && <p class="empty" role="status">{t('app.loading')}</p>}
      {grouped ? (
        <ThreadRows threads={threads} mailbox={mailbox} openThread={props.openThread ?? null} label={t('list.threadsLabel', { name: folderLabel(mailbox) })}
          hrefFor={(th) => (th.count === 1 && mailbox.specialUse === '\\Drafts' ? hrefs.draft(mailbox.id, th.latest.uid) : hrefs.thread(mailbox.id, th.threadId))}
          selected={selectedThreads} onToggle={toggleThread} onDelete={(list) => onDelete(list.flatMap((th) => th.uids))} focusThread={focusThread} />
      ) : (
        <MessageRows messages={messages} mailbox={mailbox} openUid={props.openUid} label={t('list.label', { name: folderLabel(mailbox) })}
          hrefFor={(m) => (mailbox.specialUse === '\\Drafts' ? hrefs.draft(mailbox.id, m.uid) : hrefs.message(mailbox.id, m.uid))}
          selected={selected} onToggle={toggle} onDelete={onDelete} focusUid={focusUid} />
      )}
      {total > PAGE && <Pager offset={offset} total={total} onOffset={setOffset} />}
    </section>
  );
}
