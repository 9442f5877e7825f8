/** Standard normal deviates from a seeded uniform source (Box–Muller; both outputs used). */
export function normalSource(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    // 1 - u keeps the logarithm's argument in (0, 1].
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const t = 2 * Math.PI * uniform();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}

/** A 32-bit seed for an independent stream, mixed from a base seed and stream indices (splitmix-style). */
export function streamSeed(seed: number, ...indices: number[]): number {
  let h = seed >>> 0;
  for (const i of indices) {
    h = Math.imul(h ^ (i + 0x9e3779b9), 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
  }
  return h;
}
