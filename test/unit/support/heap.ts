import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// The collector, reachable from a test (vitest does not start Node with --expose-gc): the flag
// applies to contexts made after it is set.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes of the JS heap in use after two full collections: what is still reachable. */
export function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export const MiB = 1024 * 1024;
