// Conversation ids (RFC 8474 THREADID), per user: a message joins the thread of a message
// whose Message-ID it references (In-Reply-To, References), or of a message that
// references its own Message-ID (a reply stored before its parent); otherwise it starts one.
import type { Statement } from 'better-sqlite3';
import type { AppendInput } from '../types.js';
import type { Db } from './db.js';
import { sortableId } from './db.js';

const OWN = 0;
const REFERENCE = 1;
// Long threads carry long References headers; the first ids (the root) and the last ones
// (the parent) are the useful ones.
const MAX_REFERENCES = 50;

function cleanId(id: string | null | undefined): string | null {
  if (typeof id !== 'string') return null;
  const bare = id.trim().replace(/^<|>$/g, '').trim();
  return bare === '' ? null : bare;
}

export class ThreadLinks {
  private readonly byReferences: Statement;
  private readonly byOwnId: Statement;
  private readonly link: Statement;

  constructor(db: Db) {
    this.byReferences = db.prepare(`SELECT t.thread_id FROM json_each(@refs) j
      JOIN thread_links t ON t.user_id = @user AND t.message_id = j.value AND t.kind = ${OWN}
      ORDER BY j.key LIMIT 1`).pluck();
    // A message with the same Message-ID (a copy saved to Sent, say) comes before replies.
    this.byOwnId = db.prepare('SELECT thread_id FROM thread_links WHERE user_id = ? AND message_id = ? ORDER BY kind LIMIT 1').pluck();
    this.link = db.prepare('INSERT OR IGNORE INTO thread_links (user_id, message_id, kind, thread_id) VALUES (?, ?, ?, ?)');
  }

  /** Inside the append transaction: the thread id for a new message of `userId`. */
  assign(userId: string, threading: AppendInput['threading'] | undefined): string {
    const own = cleanId(threading?.messageId);
    let refs = [...new Set((threading?.references ?? []).map(cleanId).filter((r): r is string => r !== null && r !== own))];
    if (refs.length > MAX_REFERENCES) refs = [...refs.slice(0, 5), ...refs.slice(refs.length - (MAX_REFERENCES - 5))];
    let thread = refs.length > 0 ? this.byReferences.get({ user: userId, refs: JSON.stringify(refs) }) as string | undefined : undefined;
    if (thread === undefined && own !== null) thread = this.byOwnId.get(userId, own) as string | undefined;
    thread ??= sortableId();
    if (own !== null) this.link.run(userId, own, OWN, thread);
    for (const ref of refs) this.link.run(userId, ref, REFERENCE, thread);
    return thread;
  }
}
