// The app's root: asks whether a session exists, shows the login form or the mail screens,
// and re-renders everything when the language changes.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, del, get, post, put, setCsrf, setUnauthorizedHandler, type Settings, type User } from './api';
import { lang, setLang, t, type Lang } from './i18n';
import { Login, type SecondStep } from './login';
import { MailApp } from './mail-app';

interface SessionReply { user: User; csrf: string }

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [language, setLanguage] = useState<Lang>(lang());
  const [notice, setNotice] = useState('');

  const changeLang = useCallback((next: string) => setLanguage(setLang(next)), []);
  // A language picked on the login page is what this person wants: it is saved to their
  // settings at login. Otherwise their saved language applies once signed in.
  const pickedAtLogin = useRef(false);
  const syncLang = useCallback(async () => {
    if (pickedAtLogin.current) {
      pickedAtLogin.current = false;
      await put('/settings', { language: lang() }).catch(() => undefined);
      return;
    }
    const s = await get<Settings>('/settings').catch(() => null);
    if (s?.language && s.language !== lang()) changeLang(s.language);
  }, [changeLang]);
  const chooseLang = useCallback((next: string) => {
    changeLang(next);
    put('/settings', { language: lang() }).catch(() => undefined);
  }, [changeLang]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setUser(null);
      setNotice(t('login.expired'));
    });
    get<SessionReply>('/session').then(
      (s) => { setCsrf(s.csrf); setUser(s.user); void syncLang(); },
      () => setUser(null),
    );
  }, []);

  const login = async (address: string, password: string): Promise<SecondStep | void> => {
    const s = await post<SessionReply | SecondStep>('/session', { address, password });
    // The TOTP second factor is on: the login form asks for the code (loginCode).
    if ('challenge' in s) return s;
    enter(s);
  };
  const loginCode = async (challenge: string, code: string) => enter(await post<SessionReply>('/session/totp', { challenge, code }));

  const enter = (s: SessionReply) => {
    setCsrf(s.csrf);
    setNotice('');
    setUser(s.user);
    void syncLang(); // not awaited: the inbox shows at once; a different language re-renders it
  };

  const logout = async () => {
    try { await del('/session'); } catch (err) { if (!(err instanceof ApiError)) throw err; }
    setCsrf('');
    setUser(null);
    setNotice(t('login.loggedOut'));
    history.replaceState(null, '', '/');
  };

  if (user === undefined) return <p class="loading" role="status">{t('app.loading')}</p>;
  if (user === null) return <Login key={language} onLogin={login} onCode={loginCode} notice={notice} lang={language} onLang={(l) => { pickedAtLogin.current = true; changeLang(l); }} />;
  return <MailApp key={language} user={user} onUser={setUser} onLogout={logout} lang={language} onLang={chooseLang} />;
}
