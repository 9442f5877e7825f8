/**
 * The page mesh's clock and timers, injected so that tests and simulations can drive them (the
 * mesh never calls setTimeout or Date.now itself). Each timer returns its cancel function.
 */
export interface MeshClock {
  /** Wall clock, epoch ms: for times shown or sent (it may step when the system clock is set). */
  now(): number;
  /** Monotonic ms from an arbitrary origin: for durations and deadlines, which a clock step must not bend. */
  monotonic(): number;
  after(ms: number, fn: () => void): () => void;
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: MeshClock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  after(ms, fn) {
    const id = setTimeout(fn, ms);
    return () => clearTimeout(id);
  },
  every(ms, fn) {
    const id = setInterval(fn, ms);
    return () => clearInterval(id);
  },
};
