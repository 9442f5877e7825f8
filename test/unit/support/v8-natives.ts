import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// V8's natives and the collector, reachable from a test (vitest does not start Node with
// --allow-natives-syntax or --expose-gc): the flags apply to code compiled after they are set.
setFlagsFromString('--allow-natives-syntax');
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
type Natives = (f: unknown, g?: unknown) => unknown;
const natives = (body: string): Natives => new Function('f', 'g', body) as Natives;
const prepare = natives('%PrepareFunctionForOptimization(f)');
const optimizeNext = natives('%OptimizeFunctionOnNextCall(f)');
const status = natives('return %GetOptimizationStatus(f)');
const sameMap = natives('return %HaveSameMap(f, g)');
/** V8's OptimizationStatus bit "optimized" (src/runtime/runtime.h, node 20's V8 11.3). */
const OPTIMIZED = 1 << 4;

/** Whether `a` and `b` have one hidden class (V8's map). */
export function haveSameMap(a: object, b: object): boolean {
  return sameMap(a, b) as boolean;
}

/**
 * Whether `fn`, optimized after `run` warmed it, still has its optimized code after two full
 * collections with nothing of `run`'s kept: false when a hidden class its code was built on died at
 * the collection (V8's deopt reason "weak objects"). Throws if `fn` could not be optimized at all.
 */
export function optimizedAfterFullGc(fn: (...args: never[]) => unknown, run: () => void): boolean {
  prepare(fn);
  run();
  // A first optimized run may still meet a path the warm-up did not (an eager deopt): optimize again.
  for (let tries = 0; tries < 10 && ((status(fn) as number) & OPTIMIZED) === 0; tries++) {
    run();
    optimizeNext(fn);
    run();
  }
  if (((status(fn) as number) & OPTIMIZED) === 0) throw new Error(`${fn.name} was not optimized`);
  gc();
  gc();
  return ((status(fn) as number) & OPTIMIZED) !== 0;
}

/**
 * optimizedAfterFullGc for a path that settles asynchronously (a commit, a signing round): `run`'s
 * promise has settled, and everything it made is dropped, before the collections.
 */
export async function optimizedAfterFullGcAsync(
  fn: (...args: never[]) => unknown,
  run: () => Promise<void>,
): Promise<boolean> {
  prepare(fn);
  await run();
  for (let tries = 0; tries < 10 && ((status(fn) as number) & OPTIMIZED) === 0; tries++) {
    await run();
    optimizeNext(fn);
    await run();
  }
  if (((status(fn) as number) & OPTIMIZED) === 0) throw new Error(`${fn.name} was not optimized`);
  // A macrotask: the promise jobs still queued behind run's (and what they hold) are done.
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  gc();
  return ((status(fn) as number) & OPTIMIZED) !== 0;
}
