// The list entry of a message, from what the store cached at append time (core/mail/analyze.ts):
// no blob is read to show a message list.
import type { MessageSummary, SummaryAddress } from '../../core/index.js';
import type { Id, MessageIndexEntry, MessageRecord } from '../../storage/index.js';

export interface ListItem {
  uid: number;
  mailboxId?: Id;
  from: SummaryAddress | null;
  to: SummaryAddress[];
  subject: string;
  date: string;
  size: number;
  flags: string[];
  hasAttachments: boolean;
  threadId: Id;
  preview: string;
}

export function summaryOf(record: MessageRecord): MessageSummary | null {
  const s = record.summary as Partial<MessageSummary> | null;
  return s && s.v === 1 ? (s as MessageSummary) : null;
}

export function listItem(record: MessageRecord, index?: MessageIndexEntry): ListItem {
  const s = summaryOf(record);
  return {
    uid: record.uid,
    from: s?.from[0] ?? null,
    to: s?.to ?? [],
    subject: s?.subject ?? '',
    date: s?.date ?? record.internalDate.toISOString(),
    size: record.size,
    flags: index?.flags ?? record.flags,
    hasAttachments: (s?.attachments.length ?? 0) > 0,
    threadId: record.threadId,
    preview: s?.preview ?? '',
  };
}
