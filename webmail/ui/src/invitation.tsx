// An invitation received by mail (iMIP): what, when, and the answer buttons. Answering puts the
// event in (or, declined, out of) the user's agenda and mails the organizer the reply.
import { useState } from 'preact/hooks';
import { ApiError, post } from './api';
import { lang, t } from './i18n';
import { allDayKey } from './agenda-dates';
import { hrefs } from './router';

export interface Invitation {
  method: string; uid: string; summary: string | null; start: string | null; end: string | null;
  allDay: boolean; organizer: string | null; partstat: string | null;
}
type Answer = 'ACCEPTED' | 'TENTATIVE' | 'DECLINED';

export function InvitationBox(props: { invitation: Invitation; mailboxId: string; uid: number; announce(text: string): void }) {
  const inv = props.invitation;
  const [partstat, setPartstat] = useState(inv.partstat);
  const [busy, setBusy] = useState(false);
  const when = inv.start
    ? inv.allDay
      ? new Intl.DateTimeFormat(lang(), { dateStyle: 'full', timeZone: 'UTC' }).format(new Date(`${allDayKey(inv.start)}T00:00:00Z`))
      : new Intl.DateTimeFormat(lang(), { dateStyle: 'full', timeStyle: 'short' }).format(new Date(inv.start))
    : '';
  const answer = async (a: Answer) => {
    setBusy(true);
    try {
      await post('/messages/invitation', { mailboxId: props.mailboxId, uid: props.uid, answer: a });
      setPartstat(a);
      props.announce(t(`invitation.done.${a}`));
    } catch (err) {
      props.announce(err instanceof ApiError ? err.message : t('error.network'));
    } finally {
      setBusy(false);
    }
  };
  const title = inv.method === 'CANCEL' ? t('invitation.cancelled') : inv.method === 'REPLY' ? t('invitation.reply') : t('invitation.title');
  return (
    <section class="banner info invitation" aria-labelledby="invitation-title">
      <h2 id="invitation-title">{title} : {inv.summary || t('agenda.untitled')}</h2>
      {when && <p>{when}{inv.organizer ? ` · ${t('invitation.organizer', { who: inv.organizer })}` : ''}</p>}
      {inv.method === 'REQUEST' && (
        <>
          {partstat && partstat !== 'NEEDS-ACTION' && <p>{t('invitation.yourAnswer', { answer: t(`agenda.partstat.${partstat}` as 'agenda.partstat.ACCEPTED') })}</p>}
          <div class="inline" role="group" aria-label={t('invitation.answer')}>
            {(['ACCEPTED', 'TENTATIVE', 'DECLINED'] as Answer[]).map((a) => (
              <button type="button" class={a === 'ACCEPTED' ? 'primary' : undefined} disabled={busy} aria-pressed={partstat === a} onClick={() => answer(a)}>
                {t(`invitation.${a}`)}
              </button>
            ))}
            <a href={hrefs.agenda('week', inv.start ? (inv.allDay ? allDayKey(inv.start) : dayOf(inv.start)) : undefined)}>{t('invitation.open')}</a>
          </div>
        </>
      )}
    </section>
  );
}

function dayOf(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
