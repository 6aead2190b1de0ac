// The user's settings document is read, changed and written whole (UserSettingsStore.put
// replaces it): two saves of the same user at once (two tabs; the settings screen and the list
// view) would each write the document they read, and the later one would drop the other's
// change. Saves of one user are therefore run one after the other in this process, which is the
// only one that writes an embedded store.
import type { Id, Store } from '../../storage/index.js';

type Doc = Record<string, unknown>;

const queues = new Map<Id, Promise<unknown>>();

/** Reads the user's document, lets `change` build the next one (or throw to write nothing),
 *  writes it, and resolves with what `change` returned besides the document. */
export async function updateSettingsDoc<T>(store: Store, userId: Id, change: (doc: Doc) => Promise<[Doc, T]> | [Doc, T]): Promise<T> {
  const previous = queues.get(userId) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(async () => {
    const [next, result] = await change(await store.userSettings.get(userId));
    await store.userSettings.put(userId, next);
    return result;
  });
  queues.set(userId, run);
  try {
    return await run;
  } finally {
    if (queues.get(userId) === run) queues.delete(userId);
  }
}
