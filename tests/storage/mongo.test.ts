// The conformance suite against MongoDB runs only when MONGODB_URI names a server to use.
import { describe, it } from 'vitest';

const uri = process.env.MONGODB_URI;

if (!uri) {
  describe.skip('MongoDB conformance skipped: set MONGODB_URI to run it', () => {
    it('runs the storage conformance suite against MongoDB', () => {});
  });
} else {
  // When storage/mongo exists this becomes runConformance('mongodb', factory) with a factory
  // that opens a fresh database per test on `uri` and drops it in cleanup().
  describe('MongoDB conformance', () => {
    it('has a MongoDB backend to test', () => {
      throw new Error(`MONGODB_URI is set but there is no MongoDB backend yet (storage/mongo does not exist), so nothing can run against ${redact(uri)}`);
    });
  });
}

/** The URI without its password, fit for a test report. */
function redact(value: string): string {
  return value.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
