// FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9). Messages are read in small batches and each
// response is written before the next is built, waiting while the client does not read, so
// that a large FETCH costs bounded memory.
import type { MessageRecord } from '../../storage/index.js';
import { fetchValues, needsContent, needsRecord, setsSeen } from '../fetch-items.js';
import { UnknownCte } from '../mime/binary.js';
import { line } from '../protocol/compiler.js';
import type { Cursor } from '../protocol/cursor.js';
import { parseFetchItems, type FetchItem } from '../protocol/fetch-att.js';
import { compactSet, parseSequenceSet, setHas, type SequenceSet } from '../protocol/sequence.js';
import { bad, no, ok } from '../replies.js';
import type { Session } from '../session.js';
import { defineCommand, SELECTED } from './command.js';
import { resolveTargets } from './sets.js';

const BATCH = 50;

function parseFetch(cur: Cursor): { set: SequenceSet; items: FetchItem[]; changedSince: number | null; vanished: boolean } {
  cur.sp();
  const set = parseSequenceSet(cur);
  cur.sp();
  const items = parseFetchItems(cur);
  let changedSince: number | null = null;
  let vanished = false;
  if (cur.trySp()) {
    // fetch-modifier: CHANGEDSINCE mod-sequence (RFC 7162 §3.1.4.1) / VANISHED (§3.2.6).
    cur.list(() => {
      if (cur.acceptWord('VANISHED')) {
        vanished = true;
        return;
      }
      cur.expect('CHANGEDSINCE');
      cur.sp();
      changedSince = cur.number64();
    }, false);
  }
  return { set, items, changedSince, vanished };
}

export const fetch = defineCommand({
  name: 'FETCH',
  states: SELECTED,
  uidForm: true,
  holdsExpunges: true,
  parse: parseFetch,
  async run(session, { set, items: asked, changedSince, vanished }, ctx) {
    const sel = session.selected!;
    if (vanished) {
      // RFC 7162 §3.2.6: only UID FETCH, with CHANGEDSINCE, once QRESYNC is enabled.
      if (!ctx.uid || changedSince === null || !session.qresync) return bad('VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC');
      await sendVanishedEarlier(session, set, changedSince);
    }
    const targets = resolveTargets(sel, set, ctx.uid);
    let expungeIssued = targets.expungeIssued;
    // UID FETCH always answers with the UID (RFC 9051 §6.4.9).
    let items = ctx.uid && !asked.some((i) => i.kind === 'UID') ? [{ kind: 'UID' } as FetchItem, ...asked] : asked;
    // MODSEQ and CHANGEDSINCE enable CONDSTORE, after which every FETCH carries MODSEQ (RFC 7162 §3.1).
    if (changedSince !== null || items.some((i) => i.kind === 'MODSEQ')) session.condstore = true;
    if (session.condstore && !items.some((i) => i.kind === 'MODSEQ')) items = [...items, { kind: 'MODSEQ' }];
    if (changedSince !== null) {
      const since = changedSince;
      targets.uids = targets.uids.filter((u) => (sel.entry(u)?.modseq ?? 0) > since);
    }
    const content = items.some(needsContent);
    const withRecord = items.some(needsRecord);

    // Mark \Seen first, so that the FLAGS in the responses are the new ones; a message whose
    // flags change this way gets FLAGS even if not asked for (RFC 9051 §6.4.5).
    const flagsChanged = new Set<number>();
    if (!sel.readOnly && items.some(setsSeen)) {
      const unseen = targets.uids.filter((u) => !sel.entry(u)?.flags.includes('\\Seen'));
      if (unseen.length > 0) {
        const result = await session.store.mail.updateFlags(sel.id, unseen, 'add', ['\\Seen']);
        for (const u of result.updated) {
          sel.noteFlags(u.uid, u.flags, u.modseq);
          flagsChanged.add(u.uid);
        }
      }
    }
    const withFlags = items.some((i) => i.kind === 'FLAGS') ? items : [...items, { kind: 'FLAGS' } as FetchItem];

    for (let i = 0; i < targets.uids.length; i += BATCH) {
      const batch = targets.uids.slice(i, i + BATCH);
      let records: Map<number, MessageRecord> | null = null;
      if (withRecord) records = new Map((await session.store.mail.getMessages(sel.id, batch)).map((r) => [r.uid, r]));
      for (const uid of batch) {
        const entry = sel.entry(uid);
        if (!entry) continue;
        let raw: Buffer | null = null;
        const record = records?.get(uid) ?? null;
        if (records) {
          if (!record) {
            expungeIssued = true; // expunged since the session's last look
            continue;
          }
          if (content) raw = await session.store.blobs.get(record.blobId);
        }
        let values;
        try {
          values = fetchValues(flagsChanged.has(uid) ? withFlags : items, entry, raw, record);
        } catch (err) {
          // RFC 3516 §4.2: a part whose encoding cannot be undone fails the whole FETCH.
          if (err instanceof UnknownCte) return no(`Cannot decode ${err.cte}`, 'UNKNOWN-CTE');
          throw err;
        }
        await session.send(line(`* ${sel.seqOf(uid)} FETCH (`, ...values, ')'));
      }
    }
    // RFC 9051 §6.4.5 leaves the choice; like Dovecot, say that some messages were gone.
    if (expungeIssued && !ctx.uid) return no('Some of the requested messages no longer exist', 'EXPUNGEISSUED');
    return ok('FETCH completed');
  },
});

/** The UIDs of `set` expunged after `since`, as one VANISHED (EARLIER) (RFC 7162 §3.2.6). UIDs
 *  the session still counts (their VANISHED is owed after the command) are left to that one,
 *  since (EARLIER) does not change the message count. */
async function sendVanishedEarlier(session: Session, set: SequenceSet, since: number): Promise<void> {
  const sel = session.selected!;
  if (set.saved) return;
  const maxUid = sel.mailbox.uidNext - 1;
  const gone = (await session.store.mail.listExpunged(sel.id, since))
    .filter((uid) => setHas(set, uid, maxUid) && sel.seqOf(uid) === 0)
    .sort((a, b) => a - b);
  if (gone.length > 0) await session.send(line(`* VANISHED (EARLIER) ${compactSet(gone)}`));
}
