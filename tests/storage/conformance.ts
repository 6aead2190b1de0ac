// The storage conformance suite: every contract test of storage/types.ts, run against any
// backend through a factory. Each backend has a small test file that calls runConformance()
// and lists the tests it skips, each with its reason (as Hono's common.case.test.ts and
// Xandikos' test_store.py do). The suite imports only the contract and the typed errors, so a
// backend cannot pass by leaning on its own internals.
import { describe, expect, it } from 'vitest';
import { registerAccountTests } from './cases/accounts.js';
import { registerAuditTests } from './cases/audit.js';
import { registerBlobTests } from './cases/blobs.js';
import { registerChangeFeedTests } from './cases/changes.js';
import { registerCopyMoveTests } from './cases/copy-move.js';
import { registerDavTests } from './cases/dav.js';
import { registerDavBatchTests } from './cases/dav-batch.js';
import { registerDavGetItemsTests } from './cases/dav-get-items.js';
import { registerDavSyncPageTests } from './cases/dav-sync-pages.js';
import { registerFlagExpungeTests } from './cases/flags-expunge.js';
import { registerIndexColumnTests } from './cases/index-columns.js';
import { registerMailboxTests } from './cases/mailboxes.js';
import { registerMessagePageTests } from './cases/message-page.js';
import { registerQueueTests } from './cases/queue.js';
import { registerQuotaTests } from './cases/quota.js';
import { registerSearchTests } from './cases/search.js';
import { registerDeletionTests } from './cases/deletions.js';
import { registerRetentionTests } from './cases/retention.js';
import { registerThreadPageTests } from './cases/thread-page.js';
import { registerTokenTests } from './cases/tokens.js';
import { registerTotpTests } from './cases/totp.js';
import { registerUidModseqTests } from './cases/uids-modseq.js';
import { registerUnitVisibilityTests } from './cases/unit-visibility.js';
import { registerUserBatchTests } from './cases/user-batch.js';
import { registerWebTests } from './cases/web.js';
import { makeSuite, type BackendFactory, type ConformanceOptions } from './suite.js';

export type { BackendFactory, BackendInstance, ConformanceOptions, TestContext } from './suite.js';

const sections: [string, (suite: ReturnType<typeof makeSuite>) => void][] = [
  ['accounts', registerAccountTests],
  ['accounts: bulk creation', registerUserBatchTests],
  ['mailboxes', registerMailboxTests],
  ['UID and MODSEQ', registerUidModseqTests],
  ['flags and expunge', registerFlagExpungeTests],
  ['copy and move', registerCopyMoveTests],
  ['quota', registerQuotaTests],
  ['blobs', registerBlobTests],
  ['text search', registerSearchTests],
  ['calendars and contacts', registerDavTests],
  ['calendars and contacts: batches', registerDavBatchTests],
  ['calendars and contacts: items by name', registerDavGetItemsTests],
  ['calendars and contacts: sync pages', registerDavSyncPageTests],
  ['outbound queue', registerQueueTests],
  ['audit log', registerAuditTests],
  ['change feed', registerChangeFeedTests],
  ['admin tokens', registerTokenTests],
  ['retention marks', registerRetentionTests],
  ['pending deletions', registerDeletionTests],
  ['message list pages', registerMessagePageTests],
  ['conversation pages', registerThreadPageTests],
  ['index columns and sort keys', registerIndexColumnTests],
  ['web sessions and settings', registerWebTests],
  ['unit visibility, items by UID', registerUnitVisibilityTests],
  ['TOTP second factor', registerTotpTests],
];

/** Registers every contract test for the backend `name`. `options.skip` maps a test name to
 *  the reason it is skipped; the reason is shown in the test name of the skipped test. */
export function runConformance(name: string, factory: BackendFactory, options: ConformanceOptions = {}): void {
  const skip = options.skip ?? {};
  describe(`${name} storage conformance`, () => {
    const suite = makeSuite(factory, skip);
    for (const [title, register] of sections) {
      describe(title, () => register(suite));
    }
    // A skip entry that names no test would silently stop skipping nothing; catch the typo.
    it('skip list names only existing tests', () => {
      const unknown = Object.keys(skip).filter((t) => !suite.names.has(t));
      expect(unknown, 'skip entries that match no conformance test').toEqual([]);
    });
  });
}
