// Rows of the mail tables and their contract shapes.
import type { Mailbox, MessageIndexEntry, MessageRecord, SpecialUse } from '../types.js';

export interface MailboxRow {
  id: string;
  user_id: string;
  name: string;
  special_use: string | null;
  uid_validity: number;
  uid_next: number;
  highest_modseq: number;
  subscribed: number;
  message_count: number;
  unseen_count: number;
  deleted_count: number;
  size_bytes: number;
  created_at: number;
}

export interface MessageRow {
  id: number;
  mailbox_id: string;
  uid: number;
  modseq: number;
  flags: string;
  seen: number;
  deleted: number;
  internal_date: number;
  size: number;
  email_id: string;
  thread_id: string;
  blob_id: string;
  text_id: number;
  summary: string;
}

export type IndexRow = Pick<MessageRow, 'uid' | 'modseq' | 'flags' | 'internal_date' | 'size'>;

export function toMailbox(r: MailboxRow): Mailbox {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    specialUse: r.special_use as SpecialUse | null,
    uidValidity: r.uid_validity,
    uidNext: r.uid_next,
    highestModseq: r.highest_modseq,
    subscribed: r.subscribed === 1,
    createdAt: new Date(r.created_at),
  };
}

export function toIndexEntry(r: IndexRow): MessageIndexEntry {
  return { uid: r.uid, modseq: r.modseq, flags: JSON.parse(r.flags) as string[], internalDate: new Date(r.internal_date), size: r.size };
}

export function toMessage(r: MessageRow): MessageRecord {
  return {
    ...toIndexEntry(r),
    id: String(r.id),
    mailboxId: r.mailbox_id,
    emailId: r.email_id,
    threadId: r.thread_id,
    blobId: r.blob_id,
    summary: JSON.parse(r.summary) as unknown,
  };
}

/** UID lists travel to SQL as one JSON array (json_each), whatever their length. */
export function uidList(uids: readonly number[]): string {
  return JSON.stringify(uids.filter((u) => Number.isSafeInteger(u) && u > 0));
}
