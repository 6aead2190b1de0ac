// Live updates: the server pushes an event per mailbox change (fed by the store's change feed).
// EventSource reconnects by itself after a network drop, but gives up for good on an HTTP error
// (a 401 once the session is gone, a 503 during a restart): then we try again later ourselves,
// after a check that the session is still there (the check signs out if not). Bursts of
// changes are coalesced into one refresh.
import { get } from './api';

export function subscribeEvents(onChange: () => void): () => void {
  if (typeof EventSource === 'undefined') return () => undefined;
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const fire = () => {
    if (timer) return;
    timer = setTimeout(() => { timer = null; onChange(); }, 150);
  };
  const open = () => {
    source = new EventSource('/api/events');
    source.addEventListener('mailbox', fire);
    source.addEventListener('mailboxes', fire);
    source.addEventListener('calendar', fire); // agenda or contacts changed (here or over CalDAV)
    // After a reconnection, changes may have been missed: refresh once.
    let opened = false;
    source.addEventListener('open', () => { if (opened) fire(); opened = true; });
    source.addEventListener('error', () => {
      if (source?.readyState === EventSource.CLOSED && !stopped) later();
    });
  };
  const later = () => {
    retry = setTimeout(() => {
      get('/mailboxes').then(
        () => { if (!stopped) { open(); fire(); } },
        (err) => { if (!stopped && err?.status !== 401) later(); },
      );
    }, 10_000);
  };
  open();
  return () => {
    stopped = true;
    source?.close();
    if (timer) clearTimeout(timer);
    if (retry) clearTimeout(retry);
  };
}
