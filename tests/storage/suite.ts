// The plumbing of the conformance suite: what a backend factory provides, and a `test()` that
// gives each test a fresh store and cleans it up, honouring the backend's skip list.
import { it } from 'vitest';
import type { Id, Store } from '../../storage/types.js';

/** One backend instance on fresh, empty data. */
export interface BackendInstance {
  store: Store;
  /** Closes the current store and opens the same data again (a restart). */
  reopen(): Promise<Store>;
  /** Opens a second store on the same data while the first stays open, as the admin CLI
   *  does beside a running server. Tests that need it fail without it unless skipped. */
  openAnother?(): Promise<Store>;
  /** Leaves behind what a crash between the blob write and the metadata commit of an append
   *  would leave (the stored bytes, no record), and returns the blob id those bytes got. */
  simulateCrashedAppend?(store: Store, raw: Buffer): Promise<Id>;
  /** Closes every store it opened and removes the data. */
  cleanup(): Promise<void>;
}

export type BackendFactory = () => Promise<BackendInstance>;

export interface ConformanceOptions {
  /** Test name -> reason it is skipped for this backend. */
  skip?: Record<string, string>;
}

/** What a conformance test receives. `store` follows reopen(). */
export interface TestContext {
  readonly store: Store;
  reopen(): Promise<Store>;
  openAnother(): Promise<Store>;
  simulateCrashedAppend(raw: Buffer): Promise<Id>;
}

export interface Suite {
  /** Every registered test name (they must be unique: the skip list refers to them). */
  readonly names: Set<string>;
  test(name: string, fn: (ctx: TestContext) => Promise<void>, timeoutMs?: number): void;
}

export function makeSuite(factory: BackendFactory, skip: Record<string, string>): Suite {
  const names = new Set<string>();
  return {
    names,
    test(name, fn, timeoutMs) {
      if (names.has(name)) throw new Error(`duplicate conformance test name: ${name}`);
      names.add(name);
      const reason = skip[name];
      if (reason !== undefined) {
        it.skip(`${name} (skipped: ${reason})`, () => {});
        return;
      }
      it(name, async () => {
        const instance = await factory();
        let current = instance.store;
        const ctx: TestContext = {
          get store() { return current; },
          async reopen() {
            current = await instance.reopen();
            return current;
          },
          async openAnother() {
            if (!instance.openAnother) throw new Error('the backend factory has no openAnother(): skip this test with a reason');
            return instance.openAnother();
          },
          async simulateCrashedAppend(raw) {
            if (!instance.simulateCrashedAppend) throw new Error('the backend factory has no simulateCrashedAppend(): skip this test with a reason');
            return instance.simulateCrashedAppend(current, raw);
          },
        };
        try {
          await fn(ctx);
        } finally {
          await instance.cleanup();
        }
      }, timeoutMs);
    },
  };
}
