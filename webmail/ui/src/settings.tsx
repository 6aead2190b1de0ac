// Settings: profile (display name, signature), language, out-of-office reply, password,
// app passwords for desktop clients (shown once, revocable), then security.tsx: second factor,
// recent logins, data export.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, del, enc, get, post, put, type Settings, type User } from './api';
import { formatDate } from './format';
import { errorText } from './folders';
import { LANGS, t, type Lang } from './i18n';
import { SecuritySettings } from './security';

interface AppPassword { id: string; name: string; createdAt: string; lastUsedAt: string | null }
interface AutoReply { enabled: boolean; subject: string; text: string; start: string | null; end: string | null }

const field = (form: HTMLFormElement, name: string) => String(new FormData(form).get(name) ?? '');

export function SettingsView(props: { user: User; onUser(u: User): void; lang: Lang; onLang(l: string): void; announce(s: string): void }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    document.title = `${t('settings.title')} – Facteur`;
    get<Settings>('/settings').then(setSettings, (err) => setError(errorText(err)));
  }, []);

  const saveProfile = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    try {
      const s = await put<Settings>('/settings', { displayName: field(form, 'displayName').trim(), signature: field(form, 'signature') });
      setSettings(s);
      props.onUser({ ...props.user, displayName: String(s.displayName ?? props.user.displayName) });
      props.announce(t('settings.saved'));
    } catch (err) { props.announce(errorText(err)); }
  };

  const saveAutoReply = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const autoReply: AutoReply = {
      enabled: new FormData(form).get('enabled') === 'on',
      subject: field(form, 'subject'), text: field(form, 'text'),
      start: field(form, 'start') || null, end: field(form, 'end') || null,
    };
    if (autoReply.start && autoReply.end && autoReply.end < autoReply.start) return props.announce(t('settings.datesOrder'));
    try {
      setSettings(await put<Settings>('/settings', { autoReply }));
      props.announce(t('settings.saved'));
    } catch (err) { props.announce(errorText(err)); }
  };

  const ar = (settings?.autoReply ?? { enabled: false }) as Partial<AutoReply>;
  return (
    <section class="settings" aria-labelledby="settings-title">
      <h1 id="settings-title">{t('settings.title')}</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <form onSubmit={(e) => { e.preventDefault(); props.onLang(field(e.currentTarget as HTMLFormElement, 'lang')); }}>
        <div class="field">
          <label for="set-lang">{t('settings.language')}</label>
          <select id="set-lang" name="lang" value={props.lang} onChange={(e) => props.onLang((e.currentTarget as HTMLSelectElement).value)}>
            {LANGS.map((l) => <option value={l} lang={l}>{l === 'fr' ? 'Français' : 'English'}</option>)}
          </select>
        </div>
      </form>
      {settings && (
        // Uncontrolled fields (defaultValue), reset from the server's answer after a save: a
        // re-render from a live update must not wipe what is being typed.
        <form onSubmit={saveProfile} key={`${settings.displayName}\n${settings.signature}`}>
          <h2>{t('settings.profile')}</h2>
          <div class="field"><label for="set-name">{t('settings.displayName')}</label>
            <input id="set-name" name="displayName" defaultValue={String(settings.displayName ?? props.user.displayName)} maxLength={200} /></div>
          <div class="field"><label for="set-sig">{t('settings.signature')}</label>
            <textarea id="set-sig" name="signature" rows={4} defaultValue={String(settings.signature ?? '')} /></div>
          <button type="submit" class="primary">{t('action.save')}</button>
        </form>
      )}
      {settings && (
        <form onSubmit={saveAutoReply} key={JSON.stringify(settings.autoReply)}>
          <h2>{t('settings.autoReply')}</h2>
          <p class="hint">{t('settings.autoReplyHint')}</p>
          <label class="check"><input type="checkbox" name="enabled" defaultChecked={Boolean(ar.enabled)} /> {t('settings.autoReplyOn')}</label>
          <div class="row2">
            <div class="field"><label for="ar-start">{t('settings.start')}</label><input id="ar-start" name="start" type="date" defaultValue={ar.start ?? ''} /></div>
            <div class="field"><label for="ar-end">{t('settings.end')}</label><input id="ar-end" name="end" type="date" defaultValue={ar.end ?? ''} /></div>
          </div>
          <div class="field"><label for="ar-subject">{t('compose.subject')}</label><input id="ar-subject" name="subject" defaultValue={ar.subject ?? ''} /></div>
          <div class="field"><label for="ar-text">{t('settings.autoReplyText')}</label><textarea id="ar-text" name="text" rows={5} defaultValue={ar.text ?? ''} /></div>
          <button type="submit" class="primary">{t('action.save')}</button>
        </form>
      )}
      <PasswordForm address={props.user.address} announce={props.announce} />
      <AppPasswords announce={props.announce} />
      <SecuritySettings address={props.user.address} announce={props.announce} />
    </section>
  );
}

function PasswordForm(props: { address: string; announce(s: string): void }) {
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    setError('');
    if (field(form, 'new') !== field(form, 'confirm')) return setError(t('settings.pwMismatch'));
    if (field(form, 'new').length < 8) return setError(t('settings.pwShort'));
    try {
      await post('/password', { current: field(form, 'current'), new: field(form, 'new') });
      form.reset();
      props.announce(t('settings.pwChanged'));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t('settings.pwWrong') : errorText(err));
    }
  };
  return (
    <form onSubmit={submit}>
      <h2>{t('settings.password')}</h2>
      {/* For password managers: which account this password belongs to. */}
      <input type="email" name="username" autocomplete="username" value={props.address} readOnly hidden />
      <div class="field"><label for="pw-current">{t('settings.pwCurrent')}</label><input id="pw-current" name="current" type="password" autocomplete="current-password" required /></div>
      <div class="field"><label for="pw-new">{t('settings.pwNew')}</label><input id="pw-new" name="new" type="password" autocomplete="new-password" minLength={8} required /></div>
      <div class="field"><label for="pw-confirm">{t('settings.pwConfirm')}</label><input id="pw-confirm" name="confirm" type="password" autocomplete="new-password" minLength={8} required /></div>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="primary">{t('settings.pwSubmit')}</button>
    </form>
  );
}

function AppPasswords(props: { announce(s: string): void }) {
  const [list, setList] = useState<AppPassword[] | null>(null);
  const [created, setCreated] = useState<{ name: string; password: string } | null>(null);
  const load = () => get<{ appPasswords: AppPassword[] }>('/app-passwords').then((r) => setList(r.appPasswords), () => setList([]));
  useEffect(() => { void load(); }, []);

  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    try {
      const r = await post<{ name: string; password: string }>('/app-passwords', { name: field(form, 'name').trim() });
      setCreated(r);
      form.reset();
      void load();
    } catch (err) { props.announce(errorText(err)); }
  };
  const revoke = async (p: AppPassword) => {
    if (!confirm(t('settings.appRevokeConfirm', { name: p.name }))) return;
    try {
      await del(`/app-passwords/${enc(p.id)}`);
      props.announce(t('settings.appRevoked', { name: p.name }));
      void load();
    } catch (err) { props.announce(errorText(err)); }
  };

  return (
    <section aria-labelledby="app-pw-title">
      <h2 id="app-pw-title">{t('settings.appPasswords')}</h2>
      <p class="hint">{t('settings.appHint')}</p>
      {created && (
        <div class="banner info" role="status">
          {t('settings.appCreated', { name: created.name })} <code class="secret">{created.password}</code>
          <button type="button" class="small" onClick={() => setCreated(null)}>{t('action.ok')}</button>
        </div>
      )}
      {list && list.length === 0 && <p>{t('settings.appNone')}</p>}
      {list && list.length > 0 && (
        <ul class="app-passwords">
          {list.map((p) => (
            <li key={p.id}><strong>{p.name}</strong> <span class="meta">{t('settings.appCreatedAt', { date: formatDate(p.createdAt) })}
              {p.lastUsedAt ? `, ${t('settings.appLastUsed', { date: formatDate(p.lastUsedAt) })}` : ''}</span>{' '}
              <button type="button" class="small danger" onClick={() => revoke(p)} aria-label={t('settings.appRevokeNamed', { name: p.name })}>{t('settings.appRevoke')}</button></li>
          ))}
        </ul>
      )}
      <form class="inline" onSubmit={create}>
        <label for="app-name">{t('settings.appName')}</label>
        <input id="app-name" name="name" required maxLength={100} placeholder="Thunderbird" />
        <button type="submit">{t('action.create')}</button>
      </form>
    </section>
  );
}
