// Entry of every worker thread we start (the MX thread, the MIME analysis pool). The sources are
// TypeScript run through tsx, whose loader a worker thread does not inherit from the main
// thread: register it here, then load the module named in workerData.entry.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
