// What one session knows of its selected mailbox: the messages it has told the client about,
// in sequence order, and the changes made since by anyone (this session, another one, SMTP
// delivery, the CLI) that it still owes the client. Sequence numbers only move when the
// client is told: an expunge stays a hole in the index until its EXPUNGE response is sent,
// which RFC 9051 §7.5.1 forbids during FETCH, STORE and SEARCH; new messages count only once
// EXISTS is sent.
import type { Mailbox, MessageIndexEntry, Store } from '../storage/index.js';
import { line } from './protocol/compiler.js';
import { compactSet } from './protocol/sequence.js';
import { flagList } from './flags.js';

export class SelectedMailbox {
  /** UIDs the client knows, in sequence order (ascending). */
  private uids: number[];
  private readonly messages = new Map<number, MessageIndexEntry>();
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
    entries: MessageIndexEntry[],
    modseq: number,
  ) {
    this.uids = entries.map((e) => e.uid);
    for (const e of entries) this.messages.set(e.uid, e);
    this.knownModseq = modseq;
  }

  static async open(store: Store, mailbox: Mailbox, readOnly: boolean): Promise<SelectedMailbox> {
    // The mailbox's modseq is read first: anything changed after it is listed again by the
    // next sync, and entries already seen at their modseq are not reported twice.
    const status = await store.mail.mailboxStatus(mailbox.id);
    const entries = await store.mail.listMessageIndex(mailbox.id);
    return new SelectedMailbox({ ...mailbox, uidNext: status.uidNext, highestModseq: status.highestModseq }, readOnly, entries, status.highestModseq);
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
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.uids[mid];
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  entry(uid: number): MessageIndexEntry | undefined {
    return this.messages.get(uid);
  }

  isExpunged(uid: number): boolean {
    return this.expunged.has(uid);
  }

  /** Records flags the session itself set (and reports in its own FETCH responses), so that
   *  the next sync does not report them again. */
  noteFlags(uid: number, flags: string[], modseq: number): void {
    const e = this.messages.get(uid);
    if (e && modseq >= e.modseq) {
      this.messages.set(uid, { ...e, flags, modseq });
      this.flagsChanged.delete(uid);
    }
  }

  /** Keywords in use, for the FLAGS response. */
  keywords(): string[] {
    const seen = new Map<string, string>();
    for (const e of this.messages.values()) {
      for (const f of e.flags) if (!f.startsWith('\\') && !seen.has(f.toLowerCase())) seen.set(f.toLowerCase(), f);
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
      const known = this.messages.get(e.uid);
      if (known) {
        if (e.modseq > known.modseq) {
          if (!sameFlags(known.flags, e.flags)) this.flagsChanged.add(e.uid);
          this.messages.set(e.uid, e);
        }
      } else if (e.uid > lastKnown) {
        this.added.set(e.uid, e);
      }
    }
    for (const uid of gone) {
      if (this.messages.has(uid)) {
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
      for (const uid of this.expunged) this.messages.delete(uid);
      this.uids = this.uids.filter((uid) => !this.expunged.has(uid));
      this.expunged.clear();
      this.beforeExpunge = null;
    }
    if (this.added.size > 0) {
      for (const e of [...this.added.values()].sort((a, b) => a.uid - b.uid)) {
        this.uids.push(e.uid);
        this.messages.set(e.uid, e);
      }
      this.added = new Map();
      out.push(line(`* ${this.uids.length} EXISTS`));
    }
    for (const uid of this.flagsChanged) {
      const seq = this.seqOf(uid);
      const e = this.messages.get(uid);
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
