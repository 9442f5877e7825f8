/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): a tiny seeded PRNG giving uniform floats in
 * [0, 1). Not randomness inside the core: a seed goes in, the same sequence comes out, which is
 * what replayable tests, simulations and benchmarks need (lib0's seeded `prng` idea).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
