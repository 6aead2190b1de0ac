// Contacts: the personal address book (the CardDAV one: edits show in phone apps too) and the
// district directory, searched by name and/or unit. "Write" opens a new message to the person.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, del, enc, get, post, put } from './api';
import { t } from './i18n';

interface Contact { id: string; uid: string; name: string; emails: string[]; organization: string; title: string; etag: string }
interface Person { name: string; address: string; unit: string | null; kind: 'user' | 'group' }
interface Unit { name: string; displayName: string; parent: string | null }
type Draft = { id: string | null; etag?: string; name: string; emails: string; organization: string; title: string };

const recipient = (name: string, address: string) => (name && !/[",;<>@]/.test(name) ? `${name} <${address}>` : address);

export function ContactsView(props: { version: number; announce(text: string): void; write(to: string): void }) {
  const [contacts, setContacts] = useState<Contact[] | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [formError, setFormError] = useState('');
  const [units, setUnits] = useState<Unit[]>([]);
  const [q, setQ] = useState('');
  const [unit, setUnit] = useState('');
  const [people, setPeople] = useState<Person[] | null>(null);
  const [searchError, setSearchError] = useState('');
  const [reload, setReload] = useState(0);

  useEffect(() => {
    get<{ contacts: Contact[] }>('/addressbook').then(
      (r) => setContacts([...r.contacts].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }))),
      () => setContacts([]),
    );
  }, [props.version, reload]);
  // The form opens at the top of the book: take the keyboard there.
  const formOpen = draft !== null;
  useEffect(() => { if (formOpen) document.getElementById('contact-name')?.focus(); }, [formOpen]);
  useEffect(() => {
    get<{ units: Unit[] }>('/directory/units').then((r) => setUnits(r.units), () => setUnits([]));
  }, []);

  const save = async (e: Event) => {
    e.preventDefault();
    if (!draft) return;
    const emails = draft.emails.split(/[\s,;]+/).filter(Boolean);
    if (!draft.name.trim()) { setFormError(t('contacts.needName')); return; }
    const body = { name: draft.name.trim(), emails, organization: draft.organization, title: draft.title, ...(draft.etag ? { etag: draft.etag } : {}) };
    try {
      if (draft.id) await put(`/addressbook/${enc(draft.id)}`, body);
      else await post('/addressbook', body);
      props.announce(t('contacts.saved', { name: body.name }));
      setDraft(null);
      setFormError('');
      setReload((n) => n + 1);
    } catch (err) {
      setFormError(err instanceof ApiError && err.status === 400 ? t('contacts.invalid') : err instanceof ApiError ? err.message : t('error.network'));
    }
  };

  const remove = async (c: Contact) => {
    if (!confirm(t('contacts.deleteConfirm', { name: c.name }))) return;
    try {
      await del(`/addressbook/${enc(c.id)}`);
      props.announce(t('contacts.deleted', { name: c.name }));
      setReload((n) => n + 1);
    } catch (err) {
      props.announce(err instanceof ApiError ? err.message : t('error.network'));
    }
  };

  const search = async (e: Event) => {
    e.preventDefault();
    if (!q.trim() && !unit) { setSearchError(t('contacts.needQuery')); return; }
    setSearchError('');
    const params = new URLSearchParams();
    if (q.trim()) params.set('q', q.trim());
    if (unit) params.set('unit', unit);
    try { setPeople((await get<{ people: Person[] }>(`/directory?${params.toString()}`)).people); } catch { setSearchError(t('error.network')); }
  };

  const unitName = (name: string | null) => (name ? units.find((u) => u.name === name)?.displayName ?? name : '');
  const edit = (c: Contact | null) => {
    setFormError('');
    setDraft(c ? { id: c.id, etag: c.etag, name: c.name, emails: c.emails.join(', '), organization: c.organization ?? '', title: c.title ?? '' }
      : { id: null, name: '', emails: '', organization: '', title: '' });
  };
  const field = (key: 'name' | 'emails' | 'organization' | 'title', label: string) => (
    <div class="field">
      <label for={`contact-${key}`}>{label}</label>
      <input id={`contact-${key}`} value={draft![key]} type="text"
        onInput={(e) => setDraft({ ...draft!, [key]: e.currentTarget.value })} />
    </div>
  );

  return (
    <div class="contacts">
      <h1>{t('contacts.title')}</h1>
      <section aria-labelledby="book-title">
        <div class="editor-head">
          <h2 id="book-title">{t('contacts.book')}</h2>
          {!draft && <button type="button" onClick={() => edit(null)}>{t('contacts.new')}</button>}
        </div>
        {draft && (
          <form class="contact-form" onSubmit={save} noValidate aria-labelledby="contact-form-title">
            <h3 id="contact-form-title">{draft.id ? t('contacts.edit') : t('contacts.new')}</h3>
            {field('name', t('contacts.name'))}
            {field('emails', t('contacts.emails'))}
            <div class="row2">{field('organization', t('contacts.organization'))}{field('title', t('contacts.jobTitle'))}</div>
            {formError && <p class="error" role="alert">{formError}</p>}
            <div class="actions">
              <button type="submit" class="primary">{t('contacts.save')}</button>
              <button type="button" onClick={() => setDraft(null)}>{t('agenda.cancel')}</button>
            </div>
          </form>
        )}
        {contacts === null ? <p role="status">{t('app.loading')}</p> : contacts.length === 0 ? <p class="empty">{t('contacts.none')}</p> : (
          <ul class="people" aria-labelledby="book-title">
            {contacts.map((c) => (
              <li>
                <div class="who">
                  <span class="name">{c.name}</span>
                  <span class="meta">{[c.emails.join(', '), c.title, c.organization].filter(Boolean).join(' · ')}</span>
                </div>
                <div class="inline">
                  {c.emails[0] && <button type="button" class="small" onClick={() => props.write(recipient(c.name, c.emails[0]))} aria-label={t('contacts.writeTo', { name: c.name })}>{t('contacts.write')}</button>}
                  <button type="button" class="small" onClick={() => edit(c)} aria-label={t('contacts.editNamed', { name: c.name })}>{t('contacts.editShort')}</button>
                  <button type="button" class="small danger" onClick={() => remove(c)} aria-label={t('contacts.deleteNamed', { name: c.name })}>{t('agenda.delete')}</button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="dir-title">
        <h2 id="dir-title">{t('contacts.directory')}</h2>
        <form role="search" class="inline dir-search" onSubmit={search} aria-labelledby="dir-title">
          <div class="field"><label for="dir-q">{t('contacts.searchName')}</label>
            <input id="dir-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} /></div>
          <div class="field"><label for="dir-unit">{t('contacts.unit')}</label>
            <select id="dir-unit" value={unit} onChange={(e) => setUnit(e.currentTarget.value)}>
              <option value="">{t('contacts.allUnits')}</option>
              {units.map((u) => <option value={u.name}>{u.parent ? `— ${u.displayName}` : u.displayName}</option>)}
            </select></div>
          <button type="submit">{t('contacts.search')}</button>
        </form>
        {searchError && <p class="error" role="alert">{searchError}</p>}
        <div role="status" class="sr-only">{people ? t('contacts.found', { n: people.length }) : ''}</div>
        {people && people.length === 0 && <p class="empty">{t('contacts.noneFound')}</p>}
        {people && people.length > 0 && (
          <ul class="people" aria-label={t('contacts.results')}>
            {people.map((p) => (
              <li>
                <div class="who">
                  <span class="name">{p.name || p.address}</span>
                  <span class="meta">{[p.address, unitName(p.unit), p.kind === 'group' ? t('contacts.group') : ''].filter(Boolean).join(' · ')}</span>
                </div>
                <div class="inline">
                  <button type="button" class="small" onClick={() => props.write(recipient(p.name, p.address))} aria-label={t('contacts.writeTo', { name: p.name || p.address })}>{t('contacts.write')}</button>
                  <button type="button" class="small" aria-label={t('contacts.addNamed', { name: p.name || p.address })}
                    onClick={() => setDraft({ id: null, name: p.name, emails: p.address, organization: unitName(p.unit), title: '' })}>{t('contacts.add')}</button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
