import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { LANGS, t, type Lang } from './i18n';

export function Login(props: { onLogin(address: string, password: string): Promise<void>; notice: string; lang: Lang; onLang(l: string): void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const addressRef = useRef<HTMLInputElement>(null);
  useEffect(() => { document.title = `${t('login.title')} – Facteur`; addressRef.current?.focus(); }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError('');
    try {
      await props.onLogin(String(form.get('address')).trim(), String(form.get('password')));
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      setError(status === 401 ? t('login.bad') : status === 429 ? t('login.throttled') : t('error.network'));
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <h1>Facteur</h1>
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <h2>{t('login.title')}</h2>
        {props.notice && <p role="status">{props.notice}</p>}
        <label for="login-address">{t('login.address')}</label>
        <input id="login-address" ref={addressRef} name="address" type="email" autocomplete="username" required />
        <label for="login-password">{t('login.password')}</label>
        <input id="login-password" name="password" type="password" autocomplete="current-password" required />
        {error && <p id="login-error" class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{busy ? t('login.busy') : t('login.submit')}</button>
      </form>
      <p class="lang-switch">
        {LANGS.filter((l) => l !== props.lang).map((l) => (
          <button type="button" class="link" lang={l} onClick={() => props.onLang(l)}>{l === 'fr' ? 'Français' : 'English'}</button>
        ))}
      </p>
    </main>
  );
}
