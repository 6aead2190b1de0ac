import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { LANGS, t, type Lang } from './i18n';

/** What the password step answers for a user with the TOTP second factor on. */
export interface SecondStep { secondFactor: 'totp'; challenge: string }

export function Login(props: {
  onLogin(address: string, password: string): Promise<SecondStep | void>;
  onCode(challenge: string, code: string): Promise<void>;
  notice: string; lang: Lang; onLang(l: string): void;
}) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [challenge, setChallenge] = useState<string | null>(null);
  const addressRef = useRef<HTMLInputElement>(null);
  const codeRef = useRef<HTMLInputElement>(null);
  useEffect(() => { document.title = `${t('login.title')} – Facteur`; addressRef.current?.focus(); }, []);
  useEffect(() => { if (challenge) codeRef.current?.focus(); }, [challenge]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError('');
    try {
      const next = await props.onLogin(String(form.get('address')).trim(), String(form.get('password')));
      if (next) {
        setChallenge(next.challenge);
        setBusy(false);
      }
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      setError(status === 401 ? t('login.bad') : status === 429 ? t('login.throttled') : t('error.network'));
      setBusy(false);
    }
  };

  const submitCode = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    setBusy(true);
    setError('');
    try {
      await props.onCode(challenge!, String(new FormData(form).get('code')).trim());
    } catch (err) {
      const code = err instanceof ApiError ? err.code : '';
      if (code === 'login_expired') {
        setChallenge(null);
        setError(t('login.codeExpired'));
      } else {
        setError(code === 'bad_code' ? t('login.codeBad') : code === 'throttled' ? t('login.throttled') : t('error.network'));
        form.reset();
        codeRef.current?.focus();
      }
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <h1>Facteur</h1>
      {challenge ? (
        <form onSubmit={submitCode} aria-describedby={error ? 'login-error' : 'login-code-hint'}>
          <h2>{t('login.codeTitle')}</h2>
          <p id="login-code-hint" class="hint">{t('login.codeHint')}</p>
          <label for="login-code">{t('login.code')}</label>
          <input id="login-code" ref={codeRef} name="code" autocomplete="one-time-code" inputMode="text" required maxLength={20} spellcheck={false} />
          {error && <p id="login-error" class="error" role="alert">{error}</p>}
          <button type="submit" class="primary" disabled={busy}>{busy ? t('login.busy') : t('login.codeSubmit')}</button>
          <button type="button" class="link" onClick={() => { setChallenge(null); setError(''); }}>{t('login.codeBack')}</button>
        </form>
      ) : (
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
      )}
      <p class="lang-switch">
        {LANGS.filter((l) => l !== props.lang).map((l) => (
          <button type="button" class="link" lang={l} onClick={() => props.onLang(l)}>{l === 'fr' ? 'Français' : 'English'}</button>
        ))}
      </p>
    </main>
  );
}
