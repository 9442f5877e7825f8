/**
 * Scenario 13's page: starts bench/browser/s13-verify-worker.ts (a dedicated module worker, as the
 * node's worker is) and hands its figures to the driver through `window.s13`.
 */
import type { S13WorkerRequest, S13WorkerResult } from './s13-verify-worker';

function run(req: S13WorkerRequest): Promise<S13WorkerResult> {
  const worker = new Worker(new URL('./s13-verify-worker.ts', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<{ result?: S13WorkerResult; error?: string }>) => {
      worker.terminate();
      if (e.data.result !== undefined) resolve(e.data.result);
      else reject(new Error(e.data.error));
    };
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage(req);
  });
}

declare global {
  interface Window {
    s13?: { run: typeof run };
  }
}
window.s13 = { run };
