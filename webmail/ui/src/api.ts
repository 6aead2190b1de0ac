// The JSON API client: one fetch wrapper that adds the CSRF header to state-changing calls and
// turns an error answer ({error, code}) into an ApiError the screens can show.
export interface User { address: string; displayName: string }
export interface Mailbox { id: string; name: string; specialUse: string | null; unread: number; total: number }
export interface Quota { used: number; limit: number | null }
export interface Address { name?: string | null; address: string }
export interface MessageSummary {
  uid: number; from: Address | null; to: Address[]; subject: string; date: string; size: number;
  flags: string[]; hasAttachments: boolean; threadId?: string | null; preview?: string;
  mailboxId?: string;
}
export interface Attachment { part: string; filename: string | null; contentType: string; size: number; inline?: boolean; cid?: string | null }
export interface MessageDetail extends MessageSummary {
  cc?: Address[]; bcc?: Address[]; replyTo?: Address[]; messageId?: string | null; references?: string[];
  inReplyTo?: string | null;
  text: string | null; html: string | null; hasRemoteContent: boolean;
  attachments: Attachment[]; auth?: { verdict: string; warning: string | null } | null;
  invitation?: import('./invitation').Invitation | null;
}
export interface Settings {
  displayName?: string; signature?: string; language?: string;
  autoReply?: { enabled: boolean; subject?: string; body?: string; start?: string | null; end?: string | null };
  [key: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

let csrf = '';
let onUnauthorized: () => void = () => undefined;

export function setCsrf(token: string): void { csrf = token; }
export function setUnauthorizedHandler(fn: () => void): void { onUnauthorized = fn; }

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = csrf;
  const res = await fetch(`/api${path}`, { method, headers, body: payload, credentials: 'same-origin' });
  const text = await res.text();
  let data: any = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    // The session is gone (expired, or closed by a password change elsewhere); a wrong
    // current password (bad_credentials) is not that.
    if (res.status === 401 && data?.code === 'unauthenticated' && path !== '/session') onUnauthorized();
    throw new ApiError(res.status, data?.code ?? `http_${res.status}`, data?.error ?? res.statusText);
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const put = <T>(path: string, body?: unknown) => api<T>('PUT', path, body ?? {});
export const patch = <T>(path: string, body?: unknown) => api<T>('PATCH', path, body ?? {});
export const del = <T>(path: string, body?: unknown) => api<T>('DELETE', path, body);

export const enc = encodeURIComponent;
export const messagePath = (mailboxId: string, uid: number) => `/mailboxes/${enc(mailboxId)}/messages/${uid}`;
