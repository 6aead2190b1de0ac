// Message actions shared by the list (on a selection) and the reader (on one message).
import { post } from './api';

export const SEEN = '\\Seen';
export const FLAGGED = '\\Flagged';

export const setFlags = (mailboxId: string, uids: number[], change: { add?: string[]; remove?: string[] }) =>
  post<{ updated: { uid: number; flags: string[] }[] }>('/messages/flags', { mailboxId, uids, ...change });

export const moveMessages = (mailboxId: string, uids: number[], toMailboxId: string) =>
  post('/messages/move', { mailboxId, uids, toMailboxId });

export const deleteMessages = (mailboxId: string, uids: number[]) =>
  post<{ trashed?: number; expunged?: number }>('/messages/delete', { mailboxId, uids });

export const markSpam = (mailboxId: string, uids: number[], spam: boolean) =>
  post('/messages/spam', { mailboxId, uids, spam });
export const ANSWERED = '\\Answered';
