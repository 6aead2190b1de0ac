// Settings sections about the account's safety and data: the TOTP second factor (enrol with a
// QR code, confirm, recovery codes, disable), the user's own recent logins, and the export of
// all their data as one archive.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, post } from './api';
import { errorText } from './folders';
import { formatDate } from './format';
import { t } from './i18n';
import { QrCode } from './qr';

interface TotpStatus { enabled: boolean; pending: boolean; recoveryCodesLeft: number }
interface Login {
  at: string; protocol: string; ip: string | null; client: string | null; success: boolean;
  reason: string | null; appPassword: string | null; secondFactor: string | null; factor: string | null;
}

const field = (form: HTMLFormElement, name: string) => String(new FormData(form).get(name) ?? '');

export function SecuritySettings(props: { address: string; announce(s: string): void }) {
  return (
    <>
      <TwoFactor address={props.address} announce={props.announce} />
      <RecentLogins />
      <ExportData />
    </>
  );
}

function RecoveryCodes(props: { codes: string[]; onDone(): void }) {
  return (
    <div class="banner info" role="status">
      <p>{t('settings.totpRecovery')}</p>
      <ul class="recovery-codes">{props.codes.map((c) => <li key={c}><code class="secret">{c}</code></li>)}</ul>
      <button type="button" class="small" onClick={props.onDone}>{t('action.ok')}</button>
    </div>
  );
}

function TwoFactor(props: { address: string; announce(s: string): void }) {
  const [status, setStatus] = useState<TotpStatus | null>(null);
  const [enrolment, setEnrolment] = useState<{ secret: string; uri: string } | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState('');
  const load = () => get<TotpStatus>('/settings/totp').then(setStatus, (err) => setError(errorText(err)));
  useEffect(() => { void load(); }, []);

  const start = async () => {
    setError('');
    try { setEnrolment(await post<{ secret: string; uri: string }>('/settings/totp')); } catch (err) { setError(errorText(err)); }
  };
  const confirmCode = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    setError('');
    try {
      const r = await post<{ recoveryCodes: string[] }>('/settings/totp/confirm', { code: field(form, 'code').trim() });
      setEnrolment(null);
      setCodes(r.recoveryCodes);
      props.announce(t('settings.totpEnabled'));
      void load();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 400 ? t('settings.totpBadCode') : errorText(err));
    }
  };
  const withPasswordAndCode = (path: string) => async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    setError('');
    try {
      const r = await post<{ recoveryCodes?: string[] } | null>(path, { password: field(form, 'password'), code: field(form, 'code').trim() });
      form.reset();
      if (r?.recoveryCodes) setCodes(r.recoveryCodes);
      else props.announce(t('settings.totpDisabled'));
      void load();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t('settings.totpWrong') : err instanceof ApiError && err.status === 429 ? t('login.throttled') : errorText(err));
    }
  };

  return (
    <section aria-labelledby="totp-title">
      <h2 id="totp-title">{t('settings.totp')}</h2>
      <p class="hint">{t('settings.totpHint')}</p>
      {codes && <RecoveryCodes codes={codes} onDone={() => setCodes(null)} />}
      {status && !status.enabled && !enrolment && (
        <p>{t('settings.totpOff')} <button type="button" onClick={start}>{t('settings.totpStart')}</button></p>
      )}
      {enrolment && (
        <form onSubmit={confirmCode}>
          <p>{t('settings.totpScan')}</p>
          <QrCode text={enrolment.uri} label={t('settings.totpQr')} />
          <p>{t('settings.totpKey')} <code class="secret" id="totp-secret">{enrolment.secret.replace(/(.{4})(?=.)/g, '$1 ')}</code></p>
          <p class="hint"><a href={enrolment.uri}>{enrolment.uri.split('?')[0]}</a></p>
          <div class="field"><label for="totp-confirm">{t('settings.totpConfirm')}</label>
            <input id="totp-confirm" name="code" autocomplete="one-time-code" inputMode="numeric" pattern="[0-9]{6}" maxLength={6} required /></div>
          <button type="submit" class="primary">{t('settings.totpConfirmSubmit')}</button>
        </form>
      )}
      {status?.enabled && (
        <>
          <p>{t('settings.totpOn', { n: status.recoveryCodesLeft })}</p>
          <p class="hint">{t('settings.totpDisableHint')}</p>
          {(['disable', 'recovery-codes'] as const).map((action) => (
            <form onSubmit={withPasswordAndCode(`/settings/totp/${action}`)} key={action}>
              <input type="email" name="username" autocomplete="username" value={props.address} readOnly hidden />
              <div class="row2">
                <div class="field"><label for={`totp-${action}-pw`}>{t('login.password')}</label>
                  <input id={`totp-${action}-pw`} name="password" type="password" autocomplete="current-password" required /></div>
                <div class="field"><label for={`totp-${action}-code`}>{t('login.code')}</label>
                  <input id={`totp-${action}-code`} name="code" autocomplete="one-time-code" required maxLength={20} /></div>
              </div>
              <button type="submit" class={action === 'disable' ? 'danger' : ''}>{action === 'disable' ? t('settings.totpDisable') : t('settings.totpNewCodes')}</button>
            </form>
          ))}
        </>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}

function loginResult(l: Login): string {
  if (l.success && l.secondFactor) return t('settings.loginPending');
  if (l.success) return t('settings.loginOk') + (l.factor === 'recovery-code' ? ` (${t('settings.loginRecovery')})` : l.factor ? ` (${t('settings.loginCode')})` : '');
  return t('settings.loginFailed') + (l.factor ? ` (${t('settings.loginCode')})` : '');
}

function RecentLogins() {
  const [logins, setLogins] = useState<Login[] | null>(null);
  useEffect(() => { get<{ logins: Login[] }>('/settings/logins').then((r) => setLogins(r.logins), () => setLogins([])); }, []);
  return (
    <section aria-labelledby="logins-title">
      <h2 id="logins-title">{t('settings.logins')}</h2>
      <p class="hint">{t('settings.loginsHint')}</p>
      {logins && logins.length === 0 && <p>{t('settings.loginsNone')}</p>}
      {logins && logins.length > 0 && (
        <table class="logins">
          <thead><tr><th scope="col">{t('settings.loginWhen')}</th><th scope="col">{t('settings.loginProtocol')}</th>
            <th scope="col">{t('settings.loginIp')}</th><th scope="col">{t('settings.loginClient')}</th><th scope="col">{t('settings.loginResult')}</th></tr></thead>
          <tbody>
            {logins.map((l, i) => (
              <tr key={`${l.at}-${i}`} class={l.success ? '' : 'failed'}>
                <td>{formatDate(l.at, true)}</td><td>{l.protocol.toUpperCase()}{l.appPassword ? ` – ${l.appPassword}` : ''}</td>
                <td>{l.ip ?? ''}</td><td>{l.client ?? ''}</td><td>{loginResult(l)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ExportData() {
  return (
    <section aria-labelledby="export-title">
      <h2 id="export-title">{t('settings.export')}</h2>
      <p class="hint">{t('settings.exportHint')}</p>
      {/* A plain download: the browser streams the archive to disk, whatever its size. */}
      <a class="button" href="/api/export" download>{t('settings.exportButton')}</a>
    </section>
  );
}
