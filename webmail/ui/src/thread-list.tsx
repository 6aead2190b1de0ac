// A folder's list grouped by conversation: one row per thread (its newest message, how many
// messages, who wrote), with the same keys as the message rows; and the list preferences
// (grouped or not, sort) kept in the user's settings on the server.
import { get, put, type Address, type Mailbox, type MessageSummary } from './api';
import { FLAGGED } from './actions';
import { displayName, formatDate } from './format';
import { t } from './i18n';
import { useRovingList } from './roving';

export interface ThreadSummary {
  threadId: string; count: number; unread: number; flagged: boolean; hasAttachments: boolean;
  participants: Address[]; latest: MessageSummary; uids: number[];
}

export interface ListView { group: 'none' | 'thread'; sort: string; order: 'asc' | 'desc' }
const DEFAULT_VIEW: ListView = { group: 'none', sort: 'date', order: 'desc' };

// Read once per page load: every folder shares the preferences.
let saved: Promise<ListView> | null = null;

export function loadListView(): Promise<ListView> {
  saved ??= get<ListView>('/list-view').catch(() => { saved = null; return DEFAULT_VIEW; });
  return saved;
}

export function saveListView(patch: Partial<ListView>): void {
  saved = (saved ?? Promise.resolve(DEFAULT_VIEW)).then((v) => ({ ...v, ...patch }));
  // Not kept (offline, session gone): the list still shows as asked, for this visit.
  put<ListView>('/list-view', patch).catch(() => undefined);
}

export function ThreadRows(props: {
  threads: ThreadSummary[]; mailbox: Mailbox; openThread: string | null; label: string;
  hrefFor(th: ThreadSummary): string; selected: Set<string>; onToggle(threadId: string): void;
  onDelete(threads: ThreadSummary[]): void; focusThread: { id: string } | null;
}) {
  const { threads } = props;
  const { focus, setFocus, listRef, onKeyDown } = useRovingList(threads, props.focusThread, (th, target) => th.threadId === target.id);
  const sentLike = props.mailbox.specialUse === '\\Sent' || props.mailbox.specialUse === '\\Drafts';
  const onKey = (e: KeyboardEvent) => onKeyDown(e, {
    toggle: (i) => props.onToggle(threads[i].threadId),
    remove: (i) => props.onDelete(props.selected.size > 0 ? threads.filter((th) => props.selected.has(th.threadId)) : [threads[i]]),
  });

  return (
    <ul class="messages threads" ref={listRef} aria-label={props.label} onKeyDown={onKey}>
      {threads.map((th, i) => {
        const m = th.latest;
        const who = sentLike
          ? m.to.map((a) => displayName(a)).join(', ') || t('list.noRecipient')
          : th.participants.map((a) => displayName(a)).join(', ') || displayName(m.from);
        const open = th.threadId === props.openThread;
        const selected = props.selected.has(th.threadId);
        const subject = m.subject || t('list.noSubject');
        return (
          <li key={th.threadId} class={`${th.unread ? 'unread' : ''}${open ? ' open' : ''}${selected ? ' selected' : ''}`}>
            <input type="checkbox" tabIndex={-1} checked={selected} onChange={() => props.onToggle(th.threadId)}
              aria-label={t('list.selectThread', { subject })} />
            <a class="row" href={props.hrefFor(th)} tabIndex={i === focus ? 0 : -1} onFocus={() => setFocus(i)}
              aria-current={open ? 'true' : undefined}>
              <span class="markers">
                {th.unread > 0 && <span class="dot" title={t('list.threadUnread', { n: th.unread })}><span class="sr-only">{t('list.threadUnread', { n: th.unread })}, </span></span>}
                {(th.flagged || m.flags.includes(FLAGGED)) && <><span class="flag" title={t('list.flagged')} aria-hidden="true">★</span><span class="sr-only">{t('list.flagged')}, </span></>}
              </span>
              <span class="from">{who}
                {th.count > 1 && <span class="thread-count" title={t('list.threadSize', { n: th.count })}>
                  <span aria-hidden="true">{th.count}</span><span class="sr-only">, {t('list.threadSize', { n: th.count })}</span></span>}
              </span>
              <span class="subject">{subject}
                {m.preview && <span class="preview"> – {m.preview}</span>}</span>
              <span class="meta">
                <time dateTime={m.date} title={formatDate(m.date, true)}>{formatDate(m.date)}</time>
              </span>
            </a>
          </li>
        );
      })}
    </ul>
  );
}
