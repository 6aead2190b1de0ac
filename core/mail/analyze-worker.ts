// An analysis worker thread (analyze-pool.ts): analyses the batches of messages it is sent and
// answers each batch with their results. It says "ready" once loaded, so that the pool analyses on
// the main thread instead of queueing behind a thread that is still starting.
import { parentPort } from 'node:worker_threads';
import { analyzeNow, type AnalyzedMessage } from './analyze.js';

export interface AnalyzeRequest {
  id: number;
  bytes: Uint8Array;
}

export interface AnalyzeResult {
  id: number;
  result: AnalyzedMessage;
}

const port = parentPort!;
// A batch in, its results out in one message.
port.on('message', (batch: AnalyzeRequest[]) => {
  port.postMessage(batch.map(({ id, bytes }): AnalyzeResult => ({ id, result: analyzeNow(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) })));
});
port.postMessage('ready');
