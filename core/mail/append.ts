// Storing a raw message into a mailbox: analyse it once, then one atomic store call.
import type { AppendResult, Id, Store } from '../../storage/index.js';
import { analyzeMessage } from './analyze.js';

export async function appendRawMessage(store: Store, mailboxId: Id, raw: Buffer, options: { flags?: string[]; internalDate?: Date } = {}): Promise<AppendResult> {
  const analyzed = await analyzeMessage(raw);
  return store.mail.appendMessage(mailboxId, { raw, flags: options.flags, internalDate: options.internalDate, ...analyzed });
}
