/** The optimal assignment, covariance intersection and OSPA / GOSPA against hand-computed and brute-force answers. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intersect } from '../../../../src/core/fusion/covariance-intersection';
import { assign } from '../../../../src/core/fusion/hungarian';
import { det, trace, type Sym2 } from '../../../../src/core/fusion/matrix2';
import { gospa, ospa } from '../../../../src/core/fusion/ospa';

const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
console.log(`fusion assignment seed ${seed}; replay with SEED=${seed}`);

function bruteForce(cost: number[][]): number {
  const rows = cost.length;
  const cols = cost[0]!.length;
  let best = Infinity;
  const used = new Array<boolean>(cols).fill(false);
  const go = (r: number, sum: number, assigned: number): void => {
    if (r === rows) {
      if (assigned === Math.min(rows, cols)) best = Math.min(best, sum);
      return;
    }
    if (rows - r > cols - assigned || rows > cols) go(r + 1, sum, assigned); // row r unassigned
    for (let c = 0; c < cols; c++) {
      if (used[c]) continue;
      used[c] = true;
      go(r + 1, sum + cost[r]![c]!, assigned + 1);
      used[c] = false;
    }
  };
  go(0, 0, 0);
  return best;
}

describe('Hungarian assignment', () => {
  it('property: matches brute force on small rectangular matrices, negative costs included', () => {
    const matrix = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })).chain(([r, c]) =>
      fc.array(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: c, maxLength: c }), {
        minLength: r,
        maxLength: r,
      }),
    );
    fc.assert(
      fc.property(matrix, (cost) => {
        const pick = assign(cost);
        const cols = pick.filter((c) => c >= 0);
        expect(new Set(cols).size).toBe(cols.length);
        expect(cols.length).toBe(Math.min(cost.length, cost[0]!.length));
        const sum = pick.reduce((s, c, r) => (c >= 0 ? s + cost[r]![c]! : s), 0);
        expect(sum).toBe(bruteForce(cost));
      }),
      { seed, numRuns: 300 },
    );
  });

  it('a hand case: the greedy first pick is not optimal', () => {
    // Greedy takes (0,0)=1 and is left with (1,1)=10: 11. Optimal: (0,1)+(1,0) = 2+3 = 5.
    expect(
      assign([
        [1, 2],
        [3, 10],
      ]),
    ).toEqual([1, 0]);
  });
});

describe('covariance intersection', () => {
  const a = { x: [0, 0] as const, cov: [25, 0, 25] as Sym2 };

  it('keeps the better input when it is better in every direction (ω = 1)', () => {
    const r = intersect(a, { x: [10, 0], cov: [900, 0, 400] });
    expect(r.omega).toBe(1);
    expect(r.x).toEqual([0, 0]);
  });

  it('two crossed ellipses give an estimate better than either along both axes', () => {
    const long1 = { x: [0, 0] as const, cov: [10_000, 0, 100] as Sym2 };
    const long2 = { x: [0, 0] as const, cov: [100, 0, 10_000] as Sym2 };
    const r = intersect(long1, long2);
    expect(r.omega).toBeCloseTo(0.5, 3);
    expect(trace(r.cov)).toBeLessThan(Math.min(trace(long1.cov), trace(long2.cov)) / 10);
    // CI's bound (not a Kalman update's): each axis is at most twice the better input's variance.
    expect(r.cov[0]).toBeLessThanOrEqual(200 + 1e-6);
    expect(r.cov[2]).toBeLessThanOrEqual(200 + 1e-6);
  });

  it('property: the fused trace is never above the better input, and the covariance stays positive definite', () => {
    const cov = fc
      .tuple(
        fc.double({ min: 1, max: 1e4, noNaN: true }),
        fc.double({ min: 1, max: 1e4, noNaN: true }),
        fc.double({ min: -0.95, max: 0.95, noNaN: true }),
      )
      .map(([x, y, r]): Sym2 => [x, r * Math.sqrt(x * y), y]);
    fc.assert(
      fc.property(cov, cov, (ca, cb) => {
        const r = intersect({ x: [0, 0], cov: ca }, { x: [5, -5], cov: cb });
        expect(trace(r.cov)).toBeLessThanOrEqual(Math.min(trace(ca), trace(cb)) * (1 + 1e-9));
        expect(det(r.cov)).toBeGreaterThan(0);
        expect(r.omega).toBeGreaterThanOrEqual(0);
        expect(r.omega).toBeLessThanOrEqual(1);
      }),
      { seed, numRuns: 300 },
    );
  });
});

describe('OSPA and GOSPA', () => {
  const d = (x: number, y: number): number => Math.abs(x - y);

  it('hand-computed cases', () => {
    expect(ospa([], [], d, 100, 2).distance).toBe(0);
    // One estimate, no truth: pure cardinality error, c.
    expect(ospa([1], [], d, 100, 2).distance).toBe(100);
    // {0, 10} vs {3}: the best pair is 0↔3, 3² = 9 (p = 2); the extra point costs c² = 10,000.
    // ((9 + 10,000) / 2)^(1/2) = 70.74…
    expect(ospa([0, 10], [3], d, 100, 2).distance).toBeCloseTo(Math.sqrt(10_009 / 2), 9);
    // Order 1, perfect cardinality: the mean of the optimal pairing (|0-1| + |5-4| = 2 → 1).
    expect(ospa([0, 5], [4, 1], d, 100, 1).distance).toBe(1);
    // The cut-off: a pair 500 apart counts as c.
    expect(ospa([0], [500], d, 100, 1).distance).toBe(100);
  });

  it('GOSPA (α = 2): a miss or a false track costs c^p / 2, a pair beyond c counts as both', () => {
    expect(gospa([], [], d, 10, 1).distance).toBe(0);
    // {0, 10} vs {3}: 3 for the pair, 5 for the false track.
    expect(gospa([0, 10], [3], d, 10, 1).distance).toBe(8);
    // p = 2: (3² + 10² / 2)^(1/2).
    expect(gospa([0, 10], [3], d, 10, 2).distance).toBeCloseTo(Math.sqrt(59), 12);
    // A pair 50 apart with c = 10: one miss + one false = 10.
    expect(gospa([0], [50], d, 10, 1).distance).toBe(10);
    // Unlike OSPA it is not normalised: 100 perfect pairs plus one miss still cost c^p / 2.
    const many = Array.from({ length: 100 }, (_, i) => i * 1000);
    expect(gospa(many, [...many, 1e9], d, 10, 1).distance).toBe(5);
    expect(ospa(many, [...many, 1e9], d, 10, 1).distance).toBeCloseTo(10 / 101, 12);
  });

  it('refuses a cut-off ≤ 0 or an order < 1', () => {
    expect(() => ospa([1], [1], d, 0, 1)).toThrow(RangeError);
    expect(() => gospa([1], [1], d, 1, 0.5)).toThrow(RangeError);
  });
});
