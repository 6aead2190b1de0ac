// The conformance suite against the embedded SQLite backend, each test on a fresh temp dir.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileBlobs } from '../../storage/sqlite/blobs.js';
import { openSqliteStore } from '../../storage/sqlite/index.js';
import type { Store } from '../../storage/types.js';
import { runConformance } from './conformance.js';

runConformance('sqlite', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'facteur-conformance-'));
  const opened: Store[] = [];
  const open = async () => {
    const s = await openSqliteStore({ dataDir });
    opened.push(s);
    return s;
  };
  let current = await open();
  return {
    store: current,
    async reopen() {
      await current.close();
      current = await open();
      return current;
    },
    openAnother: open,
    // appendMessage writes the blob file (fsync'd, renamed into place) before the transaction
    // that records the message; a crash in between leaves exactly this: a file, no row.
    async simulateCrashedAppend(store, raw) {
      if (!(store.blobs instanceof FileBlobs)) throw new Error('the SQLite store no longer exposes FileBlobs as store.blobs');
      return (await store.blobs.write(raw)).id;
    },
    async cleanup() {
      for (const s of opened) await s.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
