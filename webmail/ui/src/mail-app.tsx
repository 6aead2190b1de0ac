// The signed-in layout: header (search, compose, settings, logout), folder list, and the
// content the route names. Keeps the folder list fresh from the live event stream and
// announces new mail in a polite live region.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { AgendaView } from './agenda';
import { get, type Mailbox, type Quota, type User } from './api';
import { Compose, type ComposeSeed } from './compose';
import { Conversation } from './conversation';
import { ContactsView } from './contacts';
import { FolderList } from './folders';
import { t, type Lang } from './i18n';
import { subscribeEvents } from './live';
import { MessageList } from './message-list';
import { NewMailCounter } from './new-mail';
import { Reader } from './reader';
import { hrefs, navigate, useRoute } from './router';
import { SearchView } from './search';
import { SettingsView } from './settings';
import { loadListView } from './thread-list';

export interface MailContext {
  mailboxes: Mailbox[];
  /** Bumped whenever mail changed somewhere: lists and readers refetch. */
  version: number;
  refresh(): void;
  announce(text: string): void;
  compose(seed: ComposeSeed): void;
  user: User;
}

const byRole = (list: Mailbox[], role: string) => list.find((m) => m.specialUse === role);

export function MailApp(props: { user: User; onUser(u: User): void; onLogout(): Promise<void>; lang: Lang; onLang(l: string): void }) {
  const route = useRoute();
  const [mailboxes, setMailboxes] = useState<Mailbox[]>([]);
  const [quota, setQuota] = useState<Quota | null>(null);
  const [version, setVersion] = useState(0);
  const [live, setLive] = useState({ text: '', key: 0 });
  const [status, setStatus] = useState('');
  const [menuOpen, setMenuOpen] = useState(false);
  const [seed, setSeed] = useState<ComposeSeed | null>(null);
  const [composeN, setComposeN] = useState(0);
  const [newMail] = useState(() => new NewMailCounter());
  const mainRef = useRef<HTMLElement>(null);

  const load = useCallback(async () => {
    const ticket = newMail.next();
    const r = await get<{ mailboxes: Mailbox[]; quota: Quota }>('/mailboxes');
    const inbox = byRole(r.mailboxes, '\\Inbox') ?? r.mailboxes.find((m) => m.name.toUpperCase() === 'INBOX');
    // Reloads may answer out of order (new-mail.ts): an older answer than the one shown is dropped.
    const fresh = newMail.answer(ticket, inbox ? inbox.total : null);
    if (!fresh) return;
    setMailboxes(r.mailboxes);
    setQuota(r.quota);
    const n = fresh.arrived;
    // A new node each time: the same words twice ("1 new message") are still spoken twice.
    if (n > 0) setLive((l) => ({ text: n === 1 ? t('live.newOne') : t('live.newMany', { n }), key: l.key + 1 }));
  }, [newMail]);

  const refresh = useCallback(() => {
    setVersion((v) => v + 1);
    load().catch(() => undefined);
  }, [load]);

  useEffect(() => {
    // The list preferences come in while the folders load, not after.
    void loadListView();
    load().catch(() => setStatus(t('error.network')));
    return subscribeEvents(() => refresh());
  }, [load, refresh]);

  // With no folder in the address, open the inbox.
  const inbox = byRole(mailboxes, '\\Inbox') ?? mailboxes.find((m) => m.name.toUpperCase() === 'INBOX') ?? mailboxes[0];
  useEffect(() => {
    if (route.view === 'mail' && !route.mailbox && inbox) history.replaceState(null, '', hrefs.mailbox(inbox.id));
  }, [route, inbox]);

  useEffect(() => setMenuOpen(false), [route]);
  // Feedback fades after a while; the live region has already spoken it.
  useEffect(() => {
    if (!status) return;
    const timer = setTimeout(() => setStatus(''), 6000);
    return () => clearTimeout(timer);
  }, [status]);

  const ctx: MailContext = {
    mailboxes, version, refresh, user: props.user,
    announce: setStatus,
    // A fresh form each time, even when one is already open.
    compose: (s) => { setSeed(s); setComposeN((n) => n + 1); navigate(hrefs.compose()); },
  };

  const currentId = route.view === 'mail' ? route.mailbox ?? inbox?.id ?? null : route.view === 'search' ? route.mailbox : null;
  const current = mailboxes.find((m) => m.id === currentId) ?? null;
  const openThread = route.view === 'mail' ? route.thread ?? null : null;
  const hasReader = ((route.view === 'mail' || route.view === 'search') && route.uid !== null) || openThread !== null;

  const onSearch = (e: Event) => {
    e.preventDefault();
    const q = String(new FormData(e.currentTarget as HTMLFormElement).get('q') ?? '').trim();
    // Every folder: the search page narrows it down.
    navigate(hrefs.search(new URLSearchParams({ q })));
  };

  // '/' jumps to search, 'c' opens a new message: common webmail habits, ignored while typing.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement;
      if (e.ctrlKey || e.metaKey || e.altKey || el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) return;
      if (el.closest('dialog')) return; // a modal form (the agenda's event) keeps its keys
      if (e.key === '/') { e.preventDefault(); document.getElementById('search-q')?.focus(); }
      else if (e.key === 'c') { e.preventDefault(); ctx.compose({}); }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });

  return (
    <div class={`shell${hasReader ? ' has-reader' : ''}${menuOpen ? ' menu-open' : ''}`}>
      {/* The address holds the route: the skip link moves focus without touching it. */}
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); mainRef.current?.focus(); }}>{t('app.skip')}</a>
      <header class="top">
        <button type="button" class="menu-toggle" aria-expanded={menuOpen} aria-controls="folders" onClick={() => setMenuOpen(!menuOpen)}>
          {t('nav.folders')}
        </button>
        <span class="brand">Facteur</span>
        <nav class="sections" aria-label={t('nav.sections')}>
          <a href={current ? hrefs.mailbox(current.id) : inbox ? hrefs.mailbox(inbox.id) : '#/'} aria-current={route.view === 'mail' ? 'page' : undefined}>{t('nav.mail')}</a>
          <a href={hrefs.agenda()} aria-current={route.view === 'agenda' ? 'page' : undefined}>{t('nav.agenda')}</a>
          <a href={hrefs.contacts()} aria-current={route.view === 'contacts' ? 'page' : undefined}>{t('nav.contacts')}</a>
        </nav>
        <form role="search" class="search" onSubmit={onSearch}>
          <label for="search-q" class="sr-only">{t('search.label')}</label>
          {/* Uncontrolled (defaultValue): a live refresh must not wipe what is being typed. */}
          <input id="search-q" name="q" type="search" placeholder={t('search.placeholder')}
            key={route.view === 'search' ? route.params.get('q') ?? '' : ''}
            defaultValue={route.view === 'search' ? route.params.get('q') ?? '' : ''} />
          <button type="submit">{t('search.submit')}</button>
        </form>
        <nav class="top-actions" aria-label={t('nav.account')}>
          <a class="button primary" href={hrefs.compose()} onClick={(e) => { e.preventDefault(); ctx.compose({}); }}>{t('nav.compose')}</a>
          <a class="button" href={hrefs.settings()} aria-current={route.view === 'settings' ? 'page' : undefined}>{t('nav.settings')}</a>
          <button type="button" onClick={() => props.onLogout()} title={props.user.address}>{t('nav.logout')}</button>
        </nav>
      </header>
      <FolderList mailboxes={mailboxes} quota={quota} currentId={route.view === 'mail' ? currentId : null} onChanged={refresh} announce={setStatus} />
      <main id="main" ref={mainRef} tabIndex={-1}>
        {route.view === 'mail' && current && (
          <>
            <MessageList ctx={ctx} mailbox={current} openUid={route.uid} openThread={openThread} />
            {route.uid !== null && <Reader ctx={ctx} mailbox={current} uid={route.uid} backHref={hrefs.mailbox(current.id)} />}
            {openThread !== null && <Conversation ctx={ctx} mailbox={current} threadId={openThread} backHref={hrefs.mailbox(current.id)} />}
          </>
        )}
        {route.view === 'mail' && !current && mailboxes.length > 0 && route.mailbox && <p role="alert">{t('list.noFolder')}</p>}
        {route.view === 'search' && (
          <>
            <SearchView ctx={ctx} params={route.params} open={route.mailbox && route.uid !== null ? { mailbox: route.mailbox, uid: route.uid } : null} />
            {route.mailbox && route.uid !== null && current && (
              <Reader ctx={ctx} mailbox={current} uid={route.uid} backHref={hrefs.search(route.params)} />
            )}
          </>
        )}
        {route.view === 'compose' && (
          <Compose key={route.draft ? `${route.draft.mailbox}/${route.draft.uid}` : `new-${composeN}`} ctx={ctx} seed={seed} draft={route.draft} onDone={() => setSeed(null)} />
        )}
        {route.view === 'agenda' && <AgendaView mode={route.mode} date={route.date} version={version} announce={setStatus} />}
        {route.view === 'contacts' && <ContactsView version={version} announce={setStatus} write={(to) => ctx.compose({ to: [to] })} />}
        {route.view === 'settings' && <SettingsView user={props.user} onUser={props.onUser} lang={props.lang} onLang={props.onLang} announce={setStatus} />}
      </main>
      <div class="sr-only" role="status" aria-live="polite" aria-atomic="true" id="live-mail"><span key={live.key}>{live.text}</span></div>
      <div class="toast" role="status" aria-live="polite">{status && <span>{status} <button type="button" class="link" onClick={() => setStatus('')} aria-label={t('app.dismiss')}>×</button></span>}</div>
    </div>
  );
}
