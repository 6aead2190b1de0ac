// Message analysis (analyze.ts) on worker threads, so that the main thread, which serves every
// IMAP session, the webmail and the store, does not stop to read a large message's MIME: a big
// HTML part costs milliseconds, during which no session moves. A message that takes long now
// delays the analyses queued behind it on that worker, nothing else. Small messages, whose
// analysis costs less than the trip to a worker on a busy machine, stay on the calling thread
// (DEFAULT_MIN_BYTES).
// Once started, the pool takes every analyzeMessage() call of the process: core append (IMAP
// APPEND, webmail drafts and sent copies) and the delivery pipeline when it is given no analysis
// (the MX thread analyses its own messages).
//
// Workers start on first use, and until one says it is ready, or when none runs (crashed,
// restarting, pool closed), a message is analysed on the calling thread: the pool is a speed-up,
// never a condition for storing mail. A worker that dies hands its messages back to the calling
// thread and is started again after a pause.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';
import { analyzeNow, setAnalysisOffload, type AnalyzedMessage } from './analyze.js';
import type { AnalyzeRequest, AnalyzeResult } from './analyze-worker.js';

export interface AnalysisPoolOptions {
  /** Worker threads (the cores the main thread leaves free, at least one). */
  size: number;
  /** Smaller messages are analysed on the calling thread (DEFAULT_MIN_BYTES); 0 sends everything. */
  minBytes?: number;
  log?: Logger;
}

const BOOT = new URL('../worker-boot.mjs', import.meta.url);
const ENTRY = new URL(`./analyze-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
/** Pause before a dead worker is replaced, so that a fault at start cannot spin. */
const RESTART_DELAY_MS = 1000;
/** Smaller messages stay on the calling thread. Measured (2-core machine, bench/imap.ts --parts
 *  append, 10 clients, 4 KB): a worker takes 20-25% off the main thread's CPU per APPEND
 *  (~90 µs of ~400), but with the machine busy (load 6-7) it cut APPENDs per second by 25-40%:
 *  each message adds two wake-ups across threads, and each waits for a free core. Measured
 *  again once analysis of 4 KB had come down to ~25 µs: no saving on the main thread any more,
 *  ~100 µs more CPU for the process and fewer APPENDs per second. Analysis grows with size
 *  (~25 µs at 4 KB, ~200 µs at 64 KB, milliseconds for large HTML), so past
 *  this size the hop is worth it and, above all, a big message no longer stalls every session. */
export const DEFAULT_MIN_BYTES = 32 * 1024;

interface Pending {
  raw: Buffer;
  resolve: (result: AnalyzedMessage) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  dead: boolean;
  pending: Map<number, Pending>;
  /** Requests to send at the end of this turn of the event loop. */
  outbox: AnalyzeRequest[];
}

export class AnalysisPool {
  private readonly slots: (Slot | null)[];
  private readonly minBytes: number;
  /** When each dead worker may be replaced. */
  private readonly restartAt: number[] = [];
  private nextId = 1;
  private closed = false;
  /** Messages analysed by the workers since start. */
  offloaded = 0;

  constructor(private readonly options: AnalysisPoolOptions, private readonly onClose: () => void = () => undefined) {
    this.slots = Array.from({ length: Math.max(1, Math.floor(options.size)) }, () => null);
    this.minBytes = options.minBytes ?? DEFAULT_MIN_BYTES;
  }

  /** The analysis of `raw`, from a worker when one is ready, else from this thread. */
  analyze(raw: Buffer): Promise<AnalyzedMessage> {
    return this.offer(raw) ?? Promise.resolve(analyzeNow(raw));
  }

  /** A worker's promise for `raw`, or null when this thread should do it (see analyzeMessage). */
  offer(raw: Buffer): Promise<AnalyzedMessage> | null {
    if (this.closed || raw.length < this.minBytes) return null;
    const slot = this.pick();
    if (!slot) return null;
    const id = this.nextId++;
    // One copy into a buffer of its own, transferred (not copied again) to the worker: the
    // caller keeps using its bytes (the store writes them, other recipients share them), so
    // they cannot be detached; a memcpy is a fraction of a percent of the analysis.
    const bytes = new Uint8Array(raw.length);
    bytes.set(raw);
    return new Promise((resolve) => {
      slot.pending.set(id, { raw, resolve });
      slot.outbox.push({ id, bytes });
      // Messages that arrive in the same turn of the event loop (several sessions' APPENDs)
      // travel together: one wake-up of the worker, one message back, instead of one each.
      if (slot.outbox.length === 1) setImmediate(() => this.send(slot));
    });
  }

  private send(slot: Slot): void {
    const batch = slot.outbox;
    slot.outbox = [];
    if (slot.dead || batch.length === 0) return;
    slot.worker.postMessage(batch, batch.map((r) => r.bytes.buffer as ArrayBuffer));
  }

  /** The ready worker with the least work; starts missing workers (ready later). */
  private pick(): Slot | null {
    let best: Slot | null = null;
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i] ?? this.spawn(i);
      if (slot?.ready && (!best || slot.pending.size < best.pending.size)) best = slot;
    }
    return best;
  }

  private spawn(i: number): Slot | null {
    if (Date.now() < (this.restartAt[i] ?? 0)) return null;
    const worker = new Worker(BOOT, { workerData: { entry: ENTRY } });
    // The pool must not keep a process alive on its own (scripts, tests that never close it).
    worker.unref();
    const slot: Slot = { worker, ready: false, dead: false, pending: new Map(), outbox: [] };
    this.slots[i] = slot;
    worker.on('message', (m: 'ready' | AnalyzeResult[]) => {
      if (m === 'ready') {
        slot.ready = true;
        return;
      }
      for (const { id, result } of m) {
        const p = slot.pending.get(id);
        if (!p) continue;
        slot.pending.delete(id);
        this.offloaded++;
        p.resolve(result);
      }
    });
    worker.on('error', (err) => this.options.log?.error({ err }, 'analysis worker failed'));
    worker.on('exit', (code) => {
      slot.dead = true;
      if (this.slots[i] === slot) this.slots[i] = null;
      if (!this.closed) {
        this.options.log?.error({ code }, 'analysis worker stopped: analysing on the main thread until it is replaced');
        this.restartAt[i] = Date.now() + RESTART_DELAY_MS;
      }
      // What it held is analysed here rather than lost.
      for (const p of slot.pending.values()) p.resolve(analyzeNow(p.raw));
      slot.pending.clear();
    });
    return slot;
  }

  /** Stops the workers; what they were analysing is finished on the calling thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    const running = this.slots.filter((s): s is Slot => s !== null);
    this.slots.fill(null);
    await Promise.all(running.map((s) => s.worker.terminate()));
  }

  /** Workers ready to take messages. */
  get workers(): number {
    return this.slots.filter((s) => s?.ready).length;
  }

  /** Starts the workers now rather than at the first message; resolves once all are ready. */
  async warm(): Promise<void> {
    this.pick();
    const starting = this.slots.filter((s): s is Slot => s !== null && !s.ready);
    await Promise.all(starting.map((s) => new Promise<void>((resolve) => {
      const done = () => { s.worker.off('message', done); s.worker.off('exit', done); resolve(); };
      s.worker.on('message', done);
      s.worker.on('exit', done);
    })));
  }

  /** The worker threads running now (tests stop one to see the pool carry on). */
  threads(): Worker[] {
    return this.slots.filter((s): s is Slot => s !== null).map((s) => s.worker);
  }
}

/** Pools started by startAnalysisPool and not closed: the latest serves (a test process may
 *  run several servers; each closes its own). */
const routed: AnalysisPool[] = [];

function offerToRouted(raw: Buffer): Promise<AnalyzedMessage> | null {
  return routed.length > 0 ? routed[routed.length - 1].offer(raw) : null;
}

/** Starts a pool and routes every analyzeMessage() of this process through it until it closes. */
export function startAnalysisPool(options: AnalysisPoolOptions): AnalysisPool {
  const pool = new AnalysisPool(options, () => {
    const at = routed.indexOf(pool);
    if (at >= 0) routed.splice(at, 1);
    if (routed.length === 0) setAnalysisOffload(null);
  });
  routed.push(pool);
  setAnalysisOffload(offerToRouted);
  return pool;
}
