// Search over one folder or all of them, with from/to/subject/date filters kept in the address.
import { useEffect, useState } from 'preact/hooks';
import { get, type MessageSummary } from './api';
import { errorText, folderLabel, sortFolders } from './folders';
import { t } from './i18n';
import type { MailContext } from './mail-app';
import { MessageRows } from './message-list';
import { hrefs, navigate } from './router';

const FIELDS = ['q', 'from', 'to', 'subject', 'since', 'before', 'mailboxId'] as const;

export function SearchView(props: { ctx: MailContext; params: URLSearchParams; open: { mailbox: string; uid: number } | null }) {
  const { ctx } = props;
  const [results, setResults] = useState<MessageSummary[] | null>(null);
  const [error, setError] = useState('');
  const [showFilters, setShowFilters] = useState(FIELDS.slice(1, 6).some((f) => props.params.get(f)));
  const key = props.params.toString();
  const scope = props.params.get('mailboxId') ?? '';

  useEffect(() => {
    const q = new URLSearchParams();
    for (const f of FIELDS) { const v = props.params.get(f); if (v) q.set(f, v); }
    if (scope) q.set('mailboxId', scope);
    if ([...q.keys()].every((k) => k === 'mailboxId')) { setResults([]); return; }
    let stale = false;
    setResults(null);
    get<{ messages: MessageSummary[] }>(`/search?${q}`).then(
      (r) => { if (!stale) { setResults(r.messages); setError(''); } },
      (err) => { if (!stale) setError(errorText(err)); },
    );
    return () => { stale = true; };
  }, [key, ctx.version]);

  useEffect(() => { document.title = `${t('search.title')} – Facteur`; }, []);

  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const next = new URLSearchParams();
    for (const f of FIELDS) { const v = String(form.get(f) ?? '').trim(); if (v) next.set(f, v); }
    navigate(hrefs.search(next));
  };

  const value = (f: string) => props.params.get(f) ?? '';
  return (
    <section class="list search-view" aria-labelledby="search-title">
      <h1 id="search-title">{t('search.title')}</h1>
      <form class="filters" onSubmit={submit} key={key}>
        <div class="field"><label for="sf-q">{t('search.words')}</label><input id="sf-q" name="q" type="search" defaultValue={value('q')} /></div>
        <div class="field">
          <label for="sf-scope">{t('search.scope')}</label>
          <select id="sf-scope" name="mailboxId" defaultValue={scope}>
            <option value="">{t('search.all')}</option>
            {sortFolders(ctx.mailboxes).map((m) => <option value={m.id}>{folderLabel(m)}</option>)}
          </select>
        </div>
        <button type="button" class="link" aria-expanded={showFilters} onClick={() => setShowFilters(!showFilters)}>{t('search.filters')}</button>
        <div class="more" hidden={!showFilters}>
          <div class="field"><label for="sf-from">{t('search.from')}</label><input id="sf-from" name="from" defaultValue={value('from')} /></div>
          <div class="field"><label for="sf-to">{t('search.to')}</label><input id="sf-to" name="to" defaultValue={value('to')} /></div>
          <div class="field"><label for="sf-subject">{t('search.subject')}</label><input id="sf-subject" name="subject" defaultValue={value('subject')} /></div>
          <div class="field"><label for="sf-since">{t('search.since')}</label><input id="sf-since" name="since" type="date" defaultValue={value('since')} /></div>
          <div class="field"><label for="sf-before">{t('search.before')}</label><input id="sf-before" name="before" type="date" defaultValue={value('before')} /></div>
        </div>
        <button type="submit" class="primary">{t('search.submit')}</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {!results && !error && <p role="status">{t('app.loading')}</p>}
      {results && <p role="status">{results.length === 0 ? t('search.none') : t('search.count', { n: results.length })}</p>}
      {results && results.length > 0 && (
        <MessageRows messages={results} mailbox={null} openUid={props.open?.uid ?? null} label={t('search.results')}
          hrefFor={(m) => {
            const box = ctx.mailboxes.find((b) => b.id === m.mailboxId);
            return box?.specialUse === '\\Drafts' ? hrefs.draft(box.id, m.uid) : hrefs.search(props.params, m.mailboxId ?? '', m.uid);
          }} />
      )}
    </section>
  );
}
