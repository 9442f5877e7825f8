import { assign } from './hungarian';

/**
 * Set-to-set distances between an estimated picture and the truth, for any point type given a
 * base distance (metres here: great-circle). With m ≤ n points, d_c = min(c, d), and π ranging
 * over assignments of the smaller set into the larger:
 *
 * - OSPA (Schuhmacher, Vo & Vo 2008): ( (min_π Σ d_c(xᵢ, y_π(i))^p + c^p (n − m)) / n )^(1/p).
 *   Localisation and cardinality errors on one scale, bounded by c; 0 for two empty sets.
 * - GOSPA with α = 2 (Rahmathullah, García-Fernández & Svensson 2017):
 *   ( min_π Σ d_c^p + c^p / 2 × (number of unassigned points in either set) )^(1/p),
 *   assigned pairs with d ≥ c counted as one miss plus one false track. Not normalised: it grows
 *   with the number of errors, so it separates "one miss among 100" from "one miss among 2".
 *
 * The optimal assignment is the Hungarian method (hungarian.ts): these are metrics for tests and
 * reports, not for the per-scan path.
 */
export interface SetDistance {
  readonly distance: number;
  /** Σ of min(c, d)^p over the optimal assignment. */
  readonly localisation: number;
  /** Points of the larger set left without a partner. */
  readonly cardinality: number;
}

export function ospa<X, Y>(
  xs: readonly X[],
  ys: readonly Y[],
  d: (x: X, y: Y) => number,
  c: number,
  p: number,
): SetDistance {
  check(c, p);
  const m = Math.min(xs.length, ys.length);
  const n = Math.max(xs.length, ys.length);
  if (n === 0) return { distance: 0, localisation: 0, cardinality: 0 };
  const { loc } = assignedCost(xs, ys, d, c, p);
  return { distance: ((loc + c ** p * (n - m)) / n) ** (1 / p), localisation: loc, cardinality: n - m };
}

export function gospa<X, Y>(
  xs: readonly X[],
  ys: readonly Y[],
  d: (x: X, y: Y) => number,
  c: number,
  p: number,
): SetDistance {
  check(c, p);
  if (xs.length === 0 && ys.length === 0) return { distance: 0, localisation: 0, cardinality: 0 };
  const miss = c ** p / 2;
  // An assigned pair at or beyond c costs a miss plus a false track: c^p, the same as min(c, d)^p.
  const { loc, pairs } = assignedCost(xs, ys, d, c, p);
  const unassigned = xs.length + ys.length - 2 * pairs;
  return { distance: (loc + miss * unassigned) ** (1 / p), localisation: loc, cardinality: unassigned };
}

/** The optimal assignment under the cost min(c, d)^p: its summed cost and how many pairs it made. */
function assignedCost<X, Y>(
  xs: readonly X[],
  ys: readonly Y[],
  d: (x: X, y: Y) => number,
  c: number,
  p: number,
): { loc: number; pairs: number } {
  if (xs.length === 0 || ys.length === 0) return { loc: 0, pairs: 0 };
  const cost = xs.map((x) => ys.map((y) => Math.min(c, d(x, y)) ** p));
  let loc = 0;
  let pairs = 0;
  assign(cost).forEach((j, i) => {
    if (j < 0) return;
    loc += cost[i]![j]!;
    pairs += 1;
  });
  return { loc, pairs };
}

function check(c: number, p: number): void {
  if (!(c > 0) || !(p >= 1)) throw new RangeError(`OSPA needs c > 0 and p ≥ 1, got c ${c}, p ${p}`);
}
