// What one session knows of its selected mailbox: the messages it has told the client about,
// in sequence order, and the changes made since by anyone (this session, another one, SMTP
// delivery, the CLI) that it still owes the client. Sequence numbers only move when the
// client is told: an expunge stays a hole in the index until its EXPUNGE response is sent,
// which RFC 9051 §7.5.1 forbids during FETCH, STORE and SEARCH; new messages count only once
// EXISTS is sent.
//
// The index read at selection is kept as the store's columns (one array per field) and an
// entry object is made only when asked for: a 100,000-message SELECT then builds no
// per-message objects. What changed since lives in `changed`, which wins over the columns.
import type { Mailbox, MessageIndexColumns, MessageIndexEntry, Store } from '../storage/index.js';
import { line } from './protocol/compiler.js';
import { compactSet } from './protocol/sequence.js';
import { flagList } from './flags.js';

/** Index of `uid` in the ascending `uids`, or -1. */
function find(uids: ArrayLike<number>, uid: number): number {
  let lo = 0;
  let hi = uids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = uids[mid];
    if (v === uid) return mid;
    if (v < uid) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export class SelectedMailbox {
  /** UIDs the client knows, in sequence order (ascending). */
  private uids: number[];
  /** The index as read at selection (never changed afterwards). */
  private readonly base: MessageIndexColumns;
  /** Entries newer than `base` (flag changes, messages added since): they win over it. */
  private readonly changed = new Map<number, MessageIndexEntry>();
  /** Entries made from `base` so far, by index in it. */
  private readonly baseEntries: (MessageIndexEntry | undefined)[] = [];
  /** Known to the client, gone from the store, EXPUNGE not yet sent. */
  private readonly expunged = new Set<number>();
  /** In the store, EXISTS not yet sent (ascending UIDs). */
  private added = new Map<number, MessageIndexEntry>();
  private readonly flagsChanged = new Set<number>();
  private knownModseq: number;
  /** While expunges wait to be told: the modseq the client may safely resync from, below
   *  that of the first of them (RFC 7162 §3.2). */
  private beforeExpunge: number | null = null;
  /** UIDs saved by SEARCH RETURN (SAVE), "$" (RFC 5182); empty at selection. */
  saved: number[] = [];

  private constructor(
    readonly mailbox: Mailbox,
    readonly readOnly: boolean,
    base: MessageIndexColumns,
    modseq: number,
  ) {
    this.base = base;
    this.uids = base.uids.slice();
    this.knownModseq = modseq;
  }

  static async open(store: Store, mailbox: Mailbox, readOnly: boolean): Promise<SelectedMailbox> {
    // The mailbox's modseq is read first: anything changed after it is listed again by the
    // next sync, and entries already seen at their modseq are not reported twice.
    const status = await store.mail.mailboxStatus(mailbox.id);
    const base = await store.mail.listMessageIndexColumns(mailbox.id);
    return new SelectedMailbox({ ...mailbox, uidNext: status.uidNext, highestModseq: status.highestModseq }, readOnly, base, status.highestModseq);
  }

  get id(): string {
    return this.mailbox.id;
  }

  /** Messages as the client counts them (EXISTS). */
  get count(): number {
    return this.uids.length;
  }

  get highestModseq(): number {
    return this.knownModseq;
  }

  /** The UIDs the client knows, in sequence order (holes for unsent expunges included). */
  get knownUids(): readonly number[] {
    return this.uids;
  }

  uidAt(seq: number): number {
    return this.uids[seq - 1];
  }

  /** 0 when the client does not know this UID. */
  seqOf(uid: number): number {
    return find(this.uids, uid) + 1;
  }

  entry(uid: number): MessageIndexEntry | undefined {
    if (this.seqOf(uid) === 0) return undefined;
    const e = this.changed.get(uid);
    if (e) return e;
    const i = find(this.base.uids, uid);
    return i < 0 ? undefined : this.baseEntry(i);
  }

  /** The entry at `i` in `base`, made once when first asked for (base never changes). */
  private baseEntry(i: number): MessageIndexEntry {
    if (this.baseEntries.length === 0) {
      // Filled up front so that V8 keeps it a flat array rather than a dictionary.
      for (let k = 0; k < this.base.uids.length; k++) this.baseEntries.push(undefined);
    }
    let e = this.baseEntries[i];
    if (!e) {
      const b = this.base;
      e = { uid: b.uids[i], modseq: b.modseqs[i], flags: b.flags[i] as string[], internalDate: new Date(b.internalDates[i]), size: b.sizes[i] };
      this.baseEntries[i] = e;
    }
    return e;
  }

  /** Calls `fn` with the flags and modseq of each known message, in sequence order, without
   *  making entries: one walk along `uids` and `base` together (both ascending). */
  private scan(fn: (seq: number, uid: number, flags: readonly string[], modseq: number) => boolean | void): void {
    const base = this.base.uids;
    let j = 0;
    for (let i = 0; i < this.uids.length; i++) {
      const uid = this.uids[i];
      const e = this.changed.size > 0 ? this.changed.get(uid) : undefined;
      let stop;
      if (e) {
        stop = fn(i + 1, uid, e.flags, e.modseq);
      } else {
        while (j < base.length && base[j] < uid) j++;
        if (base[j] !== uid) continue;
        stop = fn(i + 1, uid, this.base.flags[j], this.base.modseqs[j]);
      }
      if (stop === true) return;
    }
  }

  /** Sequence number of the first message without \Seen, 0 when there is none. */
  firstUnseen(): number {
    let first = 0;
    this.scan((seq, _uid, flags) => {
      if (flags.includes('\\Seen')) return false;
      first = seq;
      return true;
    });
    return first;
  }

  /** Known UIDs (sequence order) whose modseq is above `modseq`. */
  changedSince(modseq: number): number[] {
    const out: number[] = [];
    this.scan((_seq, uid, _flags, m) => {
      if (m > modseq) out.push(uid);
    });
    return out;
  }

  isExpunged(uid: number): boolean {
    return this.expunged.has(uid);
  }

  /** Records flags the session itself set (and reports in its own FETCH responses), so that
   *  the next sync does not report them again. */
  noteFlags(uid: number, flags: string[], modseq: number): void {
    const e = this.entry(uid);
    if (e && modseq >= e.modseq) {
      this.changed.set(uid, { ...e, flags, modseq });
      this.flagsChanged.delete(uid);
    }
  }

  /** Keywords in use, for the FLAGS response. */
  keywords(): string[] {
    // Flag arrays are mostly shared between messages: each distinct one is looked at once.
    const sets = new Set<readonly string[]>();
    this.scan((_seq, _uid, flags) => {
      sets.add(flags);
    });
    const seen = new Map<string, string>();
    for (const flags of sets) {
      for (const f of flags) if (!f.startsWith('\\') && !seen.has(f.toLowerCase())) seen.set(f.toLowerCase(), f);
    }
    return [...seen.values()].sort();
  }

  /** Pulls what changed in the store since the last sync. Cheap when nothing did: one read. */
  async sync(store: Store): Promise<void> {
    const status = await store.mail.mailboxStatus(this.mailbox.id);
    if (status.highestModseq <= this.knownModseq) return;
    const changed = await store.mail.listMessageIndex(this.mailbox.id, { changedSince: this.knownModseq });
    const gone = await store.mail.listExpunged(this.mailbox.id, this.knownModseq);
    const lastKnown = this.uids.length > 0 ? this.uids[this.uids.length - 1] : 0;
    for (const e of changed) {
      const known = this.entry(e.uid);
      if (known) {
        if (e.modseq > known.modseq) {
          if (!sameFlags(known.flags, e.flags)) this.flagsChanged.add(e.uid);
          this.changed.set(e.uid, e);
        }
      } else if (e.uid > lastKnown) {
        this.added.set(e.uid, e);
      }
    }
    for (const uid of gone) {
      if (this.seqOf(uid) > 0) {
        if (this.expunged.size === 0) this.beforeExpunge = this.knownModseq;
        this.expunged.add(uid);
        this.flagsChanged.delete(uid);
      } else {
        this.added.delete(uid);
      }
    }
    this.knownModseq = status.highestModseq;
    this.mailbox.uidNext = status.uidNext;
    this.mailbox.highestModseq = status.highestModseq;
  }

  /** The untagged responses owed to the client, each a list of chunks. EXPUNGE responses
   *  only when `mayExpunge`; then in descending order, so that each sequence number is valid
   *  when sent. */
  drain(mayExpunge: boolean, withModseq: boolean, vanished = false): Buffer[][] {
    const out: Buffer[][] = [];
    if (mayExpunge && this.expunged.size > 0) {
      if (vanished) {
        // Once QRESYNC is enabled, one VANISHED with the UIDs replaces the EXPUNGEs (RFC 7162 §3.2.10).
        out.push(line(`* VANISHED ${compactSet([...this.expunged].sort((a, b) => a - b))}`));
      } else {
        const seqs = [...this.expunged].map((uid) => this.seqOf(uid)).filter((s) => s > 0).sort((a, b) => b - a);
        for (const seq of seqs) out.push(line(`* ${seq} EXPUNGE`));
      }
      for (const uid of this.expunged) this.changed.delete(uid);
      this.uids = this.uids.filter((uid) => !this.expunged.has(uid));
      this.expunged.clear();
      this.beforeExpunge = null;
    }
    if (this.added.size > 0) {
      for (const e of [...this.added.values()].sort((a, b) => a.uid - b.uid)) {
        this.uids.push(e.uid);
        this.changed.set(e.uid, e);
      }
      this.added = new Map();
      out.push(line(`* ${this.uids.length} EXISTS`));
    }
    for (const uid of this.flagsChanged) {
      const seq = this.seqOf(uid);
      const e = this.entry(uid);
      if (seq === 0 || !e || this.expunged.has(uid)) continue;
      out.push(line(`* ${seq} FETCH (UID ${uid} FLAGS `, flagList(e.flags), withModseq ? ` MODSEQ (${e.modseq}))` : ')'));
    }
    this.flagsChanged.clear();
    return out;
  }

  /** The modseq below the expunges not yet told, or null when none wait. */
  get modseqBeforeHeldExpunges(): number | null {
    return this.expunged.size > 0 ? this.beforeExpunge : null;
  }

  /** Something is owed to the client (for IDLE). */
  get pending(): boolean {
    return this.expunged.size > 0 || this.added.size > 0 || this.flagsChanged.size > 0;
  }
}

function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((f, i) => f === b[i]);
}
