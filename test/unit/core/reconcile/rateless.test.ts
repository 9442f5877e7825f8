import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedVectorStorage } from '../../../../src/core/reconcile';
import {
  encodeSymbols,
  readSymbols,
  SymbolDiff,
  SYMBOL_BYTES,
  writeSymbols,
} from '../../../../src/core/reconcile/rateless';
import { hex, makeItems, minus, prng } from './helpers';

const seed = Number(process.env.SEED ?? Date.now());
console.log(`rateless: fast-check seed ${seed} (replay with SEED=${seed})`);

/** Peels A − B from coded symbols taken `step` at a time; returns the symbols it took. */
function decode(
  a: SortedVectorStorage,
  b: SortedVectorStorage,
  step: number,
  max: number,
): { diff: SymbolDiff; m: number } {
  const diff = new SymbolDiff();
  let m = 0;
  while (!diff.complete && m < max) {
    const theirs = encodeSymbols(b, 0, b.size, m, step);
    // their symbols travel as bytes
    const bytes = new Uint8Array(step * SYMBOL_BYTES);
    writeSymbols(theirs, bytes, 0);
    diff.append(readSymbols(bytes, 0, m, step), encodeSymbols(a, 0, a.size, m, step));
    m += step;
  }
  return { diff, m };
}

describe('rateless IBLT coded symbols', () => {
  it('peel exactly the symmetric difference of random sets, in any step size', () => {
    const arb = fc.record({
      n: fc.integer({ min: 0, max: 2000 }),
      onlyA: fc.integer({ min: 0, max: 80 }),
      onlyB: fc.integer({ min: 0, max: 80 }),
      seed: fc.integer(),
      step: fc.integer({ min: 1, max: 64 }),
    });
    fc.assert(
      fc.property(arb, (p) => {
        const all = makeItems(p.n + p.onlyA + p.onlyB, p.seed);
        const rand = prng(p.seed);
        const order = all
          .map((it) => ({ it, k: rand() }))
          .sort((x, y) => x.k - y.k)
          .map((x) => x.it);
        const aItems = [...order.slice(0, p.n), ...order.slice(p.n, p.n + p.onlyA)];
        const bItems = [...order.slice(0, p.n), ...order.slice(p.n + p.onlyA)];
        const d = p.onlyA + p.onlyB;
        const { diff } = decode(new SortedVectorStorage(aItems), new SortedVectorStorage(bItems), p.step, 4 * d + 128);
        expect(diff.complete).toBe(true);
        expect(
          diff.items
            .filter((x) => x.ours)
            .map((x) => hex(x.id))
            .sort(),
        ).toEqual(minus(aItems, bItems));
        expect(
          diff.items
            .filter((x) => !x.ours)
            .map((x) => hex(x.id))
            .sort(),
        ).toEqual(minus(bItems, aItems));
      }),
      { seed, verbose: 1, numRuns: 60 },
    );
  });

  it('need about 1.35–1.7 symbols per difference (Yang et al. 2024), and never waste one sent before', () => {
    const all = makeItems(20_000 + 1000, 5);
    const b = new SortedVectorStorage(all);
    const a = new SortedVectorStorage(all.filter((_, i) => i % 21 !== 0));
    const d = b.size - a.size;
    const { diff, m } = decode(a, b, 50, 4 * d);
    expect(diff.complete).toBe(true);
    expect(diff.items.length).toBe(d);
    expect(m).toBeLessThanOrEqual(Math.ceil(1.7 * d) + 50);
  });

  it('random symbols never make a peel report more items than symbols, nor one item twice', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: SYMBOL_BYTES, maxLength: 200 * SYMBOL_BYTES }),
        fc.integer(),
        (bytes, s) => {
          const n = Math.floor(bytes.length / SYMBOL_BYTES);
          const ours = new SortedVectorStorage(makeItems(50, s));
          const diff = new SymbolDiff();
          diff.append(readSymbols(bytes, 0, 0, n), encodeSymbols(ours, 0, ours.size, 0, n));
          expect(diff.items.length).toBeLessThanOrEqual(n);
          expect(new Set(diff.items.map((x) => hex(x.id))).size).toBe(diff.items.length);
        },
      ),
      { seed: seed + 1, numRuns: 200 },
    );
  });
});
