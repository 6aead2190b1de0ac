// The folder list: special folders first in a fixed order, unread counts, the quota bar, and
// create/rename/delete for the user's own folders.
import { useState } from 'preact/hooks';
import { del, enc, patch, post, ApiError, type Mailbox, type Quota } from './api';
import { formatSize } from './format';
import { t, type Key } from './i18n';
import { hrefs } from './router';

const ORDER = ['\\Inbox', '\\Drafts', '\\Sent', '\\Archive', '\\Junk', '\\Trash'];
const SPECIAL_NAMES: Record<string, Key> = {
  '\\Inbox': 'folder.inbox', '\\Drafts': 'folder.drafts', '\\Sent': 'folder.sent',
  '\\Archive': 'folder.archive', '\\Junk': 'folder.junk', '\\Trash': 'folder.trash',
};

export function folderLabel(m: Mailbox): string {
  const role = m.specialUse ?? (m.name.toUpperCase() === 'INBOX' ? '\\Inbox' : null);
  return role && SPECIAL_NAMES[role] ? t(SPECIAL_NAMES[role]) : m.name;
}

/** Subfolders ("Projets/2026") show their last segment, indented under their parent. */
const depth = (m: Mailbox) => Math.min(4, m.name.split('/').length - 1);
const shortName = (m: Mailbox) => (m.specialUse ? folderLabel(m) : m.name.split('/').pop() || m.name);

export function sortFolders(list: Mailbox[]): Mailbox[] {
  const rank = (m: Mailbox) => {
    const i = ORDER.indexOf(m.specialUse ?? (m.name.toUpperCase() === 'INBOX' ? '\\Inbox' : ''));
    return i === -1 ? ORDER.length : i;
  };
  return [...list].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'already_exists' || err.status === 409) return t('error.exists');
    if (err.status === 413) return t('error.tooLarge');
    if (err.status === 507 || err.code === 'over_quota') return t('error.quota');
    return err.message || t('error.generic');
  }
  return t('error.network');
}

export function FolderList(props: { mailboxes: Mailbox[]; quota: Quota | null; currentId: string | null; onChanged(): void; announce(s: string): void }) {
  const [managing, setManaging] = useState(false);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [error, setError] = useState('');
  const folders = sortFolders(props.mailboxes);

  const act = async (fn: () => Promise<unknown>, done: string) => {
    setError('');
    try {
      await fn();
      props.announce(done);
      props.onChanged();
      return true;
    } catch (err) {
      setError(errorText(err));
      return false;
    }
  };

  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const name = String(new FormData(form).get('name') ?? '').trim();
    if (!name) return;
    if (await act(() => post('/mailboxes', { name }), t('folder.created', { name }))) form.reset();
  };

  const rename = async (e: Event, m: Mailbox) => {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget as HTMLFormElement).get('name') ?? '').trim();
    if (!name || name === m.name) return setRenaming(null);
    if (await act(() => patch(`/mailboxes/${enc(m.id)}`, { name }), t('folder.renamed', { name }))) setRenaming(null);
  };

  const remove = (m: Mailbox) => {
    if (!confirm(t('folder.confirmDelete', { name: m.name }))) return;
    void act(() => del(`/mailboxes/${enc(m.id)}`), t('folder.deleted', { name: m.name }));
  };

  const q = props.quota;
  return (
    <nav id="folders" class="folders" aria-label={t('nav.folders')}>
      <h2 class="sr-only">{t('nav.folders')}</h2>
      <ul>
        {folders.map((m) => (
          <li key={m.id}>
            {renaming === m.id ? (
              <form class="inline" onSubmit={(e) => rename(e, m)}>
                <label class="sr-only" for={`rename-${m.id}`}>{t('folder.newName')}</label>
                <input id={`rename-${m.id}`} name="name" defaultValue={m.name} required autoFocus
                  onKeyDown={(e) => e.key === 'Escape' && setRenaming(null)} />
                <button type="submit">{t('action.ok')}</button>
              </form>
            ) : (
              <a href={hrefs.mailbox(m.id)} aria-current={m.id === props.currentId ? 'page' : undefined}
                class={`${m.unread ? 'has-unread' : ''}${depth(m) ? ` depth-${depth(m)}` : ''}`} aria-label={depth(m) ? `${m.name}${m.unread ? `, ${t('folder.unread', { n: m.unread })}` : ''}` : undefined}>
                <span class="name">{m.name.toUpperCase() === 'INBOX' ? folderLabel(m) : shortName(m)}</span>
                {m.unread > 0 && <span class="count" aria-label={t('folder.unread', { n: m.unread })}>{m.unread}</span>}
              </a>
            )}
            {managing && !m.specialUse && m.name.toUpperCase() !== 'INBOX' && renaming !== m.id && (
              <span class="folder-tools">
                <button type="button" class="small" onClick={() => setRenaming(m.id)} aria-label={t('folder.renameNamed', { name: m.name })}>{t('folder.rename')}</button>
                <button type="button" class="small danger" onClick={() => remove(m)} aria-label={t('folder.deleteNamed', { name: m.name })}>{t('action.delete')}</button>
              </span>
            )}
          </li>
        ))}
      </ul>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="button" class="link" aria-expanded={managing} onClick={() => setManaging(!managing)}>{t('folder.manage')}</button>
      {managing && (
        <form class="inline" onSubmit={create}>
          <label for="new-folder">{t('folder.new')}</label>
          <input id="new-folder" name="name" required maxLength={200} />
          <button type="submit">{t('action.create')}</button>
        </form>
      )}
      {q && (q.limit ? (
        <div class="quota">
          <label for="quota-meter">{t('quota.label')}</label>
          <meter id="quota-meter" min={0} max={q.limit} value={q.used} high={q.limit * 0.9} optimum={0}>{Math.round((q.used / q.limit) * 100)} %</meter>
          <span>{t('quota.of', { used: formatSize(q.used), limit: formatSize(q.limit) })}</span>
        </div>
      ) : (
        <p class="quota">{t('quota.unlimited', { used: formatSize(q.used) })}</p>
      ))}
    </nav>
  );
}
