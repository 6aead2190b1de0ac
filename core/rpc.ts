// Calls between two threads (the MX thread and the main one, smtp/mx-thread.ts; the store's
// background thread, storage/sqlite/background.ts): a request carries an id, its answer the
// same id. Values cross by structured clone; errors as plain fields, rebuilt on the other side
// with the typed core errors as their own class (errors.ts), so that smtp/replies.ts answers
// a storage fault from another thread as it would on one.
// What one side sends during a turn of its event loop goes as one message: under load, calls
// and answers for many sessions leave together, and each postMessage costs a wake-up of the
// other thread besides its copy.
import { errorFromWire as fromWire, errorToWire as toWire, type WireError } from './errors.js';

/** What both a Worker and a worker's parentPort offer. */
export interface Port {
  postMessage(value: unknown, transferList?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (value: unknown) => void): unknown;
}

type Handler = (...args: any[]) => unknown;

interface Call { rpc: 'call'; id: number; method: string; args: unknown[] }
interface Notice { rpc: 'notice'; method: string; args: unknown[] }
interface Result { rpc: 'result'; id: number; value?: unknown; error?: WireError }
type Message = Call | Notice | Result;

export class RpcPeer {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  /** Sent at the end of this turn of the event loop, in one message. */
  private outbox: Message[] = [];
  private transfers: ArrayBuffer[] = [];
  /** Calls from the other side not answered yet, and who waits for there to be none. */
  private serving = 0;
  private drained: (() => void)[] = [];

  constructor(private readonly port: Port, private readonly handlers: Record<string, Handler>) {
    port.on('message', (batch) => {
      for (const m of batch as Message[]) this.receive(m);
    });
  }

  /** Calls `method` on the other side; `transfer` lists buffers handed over (not copied). */
  call<T>(method: string, args: unknown[], transfer?: ArrayBuffer[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ rpc: 'call', id, method, args }, transfer);
    });
  }

  /** A call without an answer. */
  notify(method: string, args: unknown[]): void {
    this.send({ rpc: 'notice', method, args });
  }

  /** Rejects every call still waiting (the other side is gone). */
  failPending(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Resolves once every call taken from the other side is answered and the answers are sent
   *  (before the port closes). */
  async drain(): Promise<void> {
    if (this.serving > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
    this.flush();
  }

  private send(m: Message, transfer?: ArrayBuffer[]): void {
    if (this.outbox.length === 0) setImmediate(() => this.flush());
    this.outbox.push(m);
    if (transfer) this.transfers.push(...transfer);
  }

  private flush(): void {
    const batch = this.outbox;
    const transfers = this.transfers;
    if (batch.length === 0) return;
    this.outbox = [];
    this.transfers = [];
    try {
      this.port.postMessage(batch, transfers.length > 0 ? transfers : undefined);
    } catch (err) {
      // A value that cannot be cloned (a bug), or a port already closed: the calls of this
      // batch fail, instead of an exception thrown from a setImmediate ending the process.
      for (const m of batch) {
        if (m.rpc !== 'call') continue;
        this.pending.get(m.id)?.reject(err);
        this.pending.delete(m.id);
      }
    }
  }

  private receive(m: Message): void {
    if (m.rpc === 'result') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(fromWire(m.error));
      else p.resolve(m.value);
      return;
    }
    const handler = this.handlers[m.method];
    if (m.rpc === 'notice') {
      handler?.(...m.args);
      return;
    }
    this.serving++;
    const reply = (r: Omit<Result, 'rpc' | 'id'>) => {
      this.send({ rpc: 'result', id: m.id, ...r });
      if (--this.serving > 0) return;
      const waiting = this.drained;
      this.drained = [];
      for (const resolve of waiting) resolve();
    };
    if (!handler) return reply({ error: { name: 'Error', message: `no such method ${m.method}` } });
    // Called at once, as notices are: what arrives in one batch starts in the order it was sent.
    let result: unknown;
    try {
      result = handler(...m.args);
    } catch (err) {
      reply({ error: toWire(err) });
      return;
    }
    Promise.resolve(result).then((value) => reply({ value }), (err: unknown) => reply({ error: toWire(err) }));
  }
}
