// Hash routing: the address bar keeps the folder and message open, Back works, and the server
// needs no route table (every path gets index.html anyway).
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { view: 'mail'; mailbox: string | null; uid: number | null; thread?: string | null }
  | { view: 'compose'; draft: { mailbox: string; uid: number } | null }
  | { view: 'search'; params: URLSearchParams; mailbox: string | null; uid: number | null }
  | { view: 'settings' }
  | { view: 'agenda'; mode: 'week' | 'month'; date: string | null }
  | { view: 'contacts' };

export function parseRoute(hash: string): Route {
  const [pathPart, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  const uid = (s: string | undefined) => (s && /^\d+$/.test(s) ? Number(s) : null);
  switch (parts[0]) {
    case 'compose':
      return { view: 'compose', draft: parts[1] && uid(parts[2]) ? { mailbox: parts[1], uid: uid(parts[2])! } : null };
    case 'settings':
      return { view: 'settings' };
    case 'agenda':
      return { view: 'agenda', mode: parts[1] === 'month' ? 'month' : 'week', date: parts[2] && /^\d{4}-\d{2}-\d{2}$/.test(parts[2]) ? parts[2] : null };
    case 'contacts':
      return { view: 'contacts' };
    case 'search':
      return { view: 'search', params: new URLSearchParams(query), mailbox: parts[1] ?? null, uid: uid(parts[2]) };
    case 'm':
      // #/m/<folder>/t/<thread>: a conversation opened from the folder's grouped list.
      if (parts[2] === 't') return { view: 'mail', mailbox: parts[1] ?? null, uid: null, thread: parts[3] ?? null };
      return { view: 'mail', mailbox: parts[1] ?? null, uid: uid(parts[2]) };
    default:
      return { view: 'mail', mailbox: null, uid: null };
  }
}

const e = encodeURIComponent;
export const hrefs = {
  mailbox: (id: string) => `#/m/${e(id)}`,
  message: (id: string, uid: number) => `#/m/${e(id)}/${uid}`,
  thread: (id: string, threadId: string) => `#/m/${e(id)}/t/${e(threadId)}`,
  compose: () => '#/compose',
  draft: (id: string, uid: number) => `#/compose/${e(id)}/${uid}`,
  settings: () => '#/settings',
  agenda: (mode: 'week' | 'month' = 'week', date?: string) => `#/agenda/${mode}${date ? `/${date}` : ''}`,
  contacts: () => '#/contacts',
  search: (params: URLSearchParams, id?: string, uid?: number) =>
    `#/search${id ? `/${e(id)}/${uid}` : ''}?${params.toString()}`,
};

export function navigate(href: string): void {
  if (location.hash !== href) location.hash = href;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
