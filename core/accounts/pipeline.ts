// Bulk user creation as a pipeline: checks and password hashing run ahead while the users
// already hashed are written in batches.
//
// argon2 runs on libuv's thread pool (4 threads by default); the store writes on the main
// thread. Two things keep every core busy: hashes are queued ahead of the pool (HASHES_AHEAD),
// so that while the main thread is inside a batch transaction the pool threads finish one
// hash and find the next one waiting rather than going idle; and users are written a batch
// at a time (one transaction, one WAL sync for BATCH users) so the main thread's share stays
// small. A queued hash holds only its input: argon2 allocates its memory when it starts.
import { isFacteurError, type FacteurError } from '../errors.js';
import type { CreateUserOutcome, NewUserBatchItem, User } from '../../storage/index.js';

export type CreateUsersResult = { ok: true; user: User } | { ok: false; error: FacteurError };

/** Hashes queued or running at once: the pool's 4 threads plus enough to last while the main
 *  thread is busy elsewhere. A batch transaction takes 0.3-0.6 ms of CPU per user, but the main
 *  thread shares two cores with four hashing threads: measured, 100 users held it 50-230 ms,
 *  in which the pool finishes 15-30 hashes; a synced checkpoint can hold it as long. */
export const HASHES_AHEAD = 48;
/** Users written together once this many are ready (fewer at the end). */
export const BATCH = 100;
const MAX_BATCH = 150;

export interface PipelineSteps {
  count: number;
  /** Checks and hashes item `index`. A typed error refuses that item only; any other is a fault. */
  make(index: number): Promise<NewUserBatchItem>;
  /** Writes items atomically each, durably before it resolves (AccountStore.createUsers). */
  write(items: NewUserBatchItem[]): Promise<CreateUserOutcome[]>;
  /** Called once per item, after its user is durable or once it is refused. */
  done(index: number, result: CreateUsersResult): void;
}

/** Resolves when every item is done; rejects on the first fault (items written before it stay). */
export function runPipeline(steps: PipelineSteps): Promise<void> {
  const { count } = steps;
  return new Promise((resolve, reject) => {
    let next = 0;
    let making = 0;
    let writing = false;
    let failed = false;
    const ready: { index: number; item: NewUserBatchItem }[] = [];

    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      reject(err);
    };
    const guard = (fn: () => void) => {
      try { fn(); } catch (err) { fail(err); }
    };

    const pump = () => {
      while (!failed && making < HASHES_AHEAD && next < count) {
        const index = next++;
        making++;
        steps.make(index).then(
          (item) => { ready.push({ index, item }); },
          (err: unknown) => {
            if (isFacteurError(err)) guard(() => steps.done(index, { ok: false, error: err }));
            else fail(err);
          },
        ).finally(() => {
          making--;
          pump();
          flush();
        });
      }
    };

    const flush = () => {
      if (writing || failed) return;
      const finished = next >= count && making === 0;
      if (ready.length === 0) {
        if (finished) resolve();
        return;
      }
      if (ready.length < BATCH && !finished) return;
      // In input order (hashes finish in any order): of two lines naming one address, the first wins.
      const batch = ready.splice(0, MAX_BATCH).sort((a, b) => a.index - b.index);
      writing = true;
      steps.write(batch.map((b) => b.item)).then(
        (outcomes) => guard(() => {
          outcomes.forEach((o, k) => {
            if (o.ok) steps.done(batch[k].index, o);
            else if (isFacteurError(o.error)) steps.done(batch[k].index, { ok: false, error: o.error });
            else throw o.error;
          });
        }),
        (err: unknown) => {
          // The whole batch was refused (a busy database): each of its users is reported so.
          if (isFacteurError(err)) guard(() => batch.forEach((b) => steps.done(b.index, { ok: false, error: err })));
          else fail(err);
        },
      ).finally(() => {
        writing = false;
        flush();
      });
    };

    pump();
    flush();
  });
}
