import { add, apply, inverse, scale, trace, type Sym2 } from './matrix2';

/**
 * Covariance intersection (Julier & Uhlmann): P⁻¹ = ω A⁻¹ + (1 − ω) B⁻¹, x = P (ω A⁻¹ a + (1 − ω) B⁻¹ b).
 * Chosen over a Kalman update because two sensor tracks of one object are not independent: they
 * share the object's manoeuvres, and a track relayed by a peer may already contain the other's
 * data; a Kalman update assumes independence and, on correlated inputs, reports a covariance
 * smaller than the real error (and double-counts a track that was already fused). CI is consistent
 * for any unknown correlation. ω minimises the trace of P (golden-section search: the trace is
 * convex in ω), so the result is never worse than the better input by that measure.
 */
export interface Estimate {
  /** East, north (m) in a common plane. */
  readonly x: readonly [number, number];
  readonly cov: Sym2;
}

const PHI = (Math.sqrt(5) - 1) / 2;
const ITERATIONS = 30;

/** Whether b − a is positive semi-definite: a is no worse than b in any direction. */
export function dominates(a: Sym2, b: Sym2): boolean {
  const d0 = b[0] - a[0];
  const d1 = b[1] - a[1];
  const d2 = b[2] - a[2];
  return d0 >= 0 && d2 >= 0 && d0 * d2 - d1 * d1 >= 0;
}

function combine(ai: Sym2, bi: Sym2, w: number): Sym2 | undefined {
  return inverse(add(scale(ai, w), scale(bi, 1 - w)));
}

export function intersect(a: Estimate, b: Estimate): Estimate & { readonly omega: number } {
  const ai = inverse(a.cov);
  const bi = inverse(b.cov);
  if (!ai) return { ...b, omega: 0 };
  if (!bi) return { ...a, omega: 1 };
  // When one input is at least as good in every direction (B − A positive semi-definite), every
  // ω < 1 gives P ⪰ A, so ω = 1 is the optimum: no search (the usual EO-against-radar case).
  if (dominates(a.cov, b.cov)) return { ...a, omega: 1 };
  if (dominates(b.cov, a.cov)) return { ...b, omega: 0 };
  const cost = (w: number): number => {
    const p = combine(ai, bi, w);
    return p ? trace(p) : Infinity;
  };
  let lo = 0;
  let hi = 1;
  let m1 = hi - PHI * (hi - lo);
  let m2 = lo + PHI * (hi - lo);
  let f1 = cost(m1);
  let f2 = cost(m2);
  for (let i = 0; i < ITERATIONS; i++) {
    if (f1 <= f2) {
      hi = m2;
      m2 = m1;
      f2 = f1;
      m1 = hi - PHI * (hi - lo);
      f1 = cost(m1);
    } else {
      lo = m1;
      m1 = m2;
      f1 = f2;
      m2 = lo + PHI * (hi - lo);
      f2 = cost(m2);
    }
  }
  // The ends are candidates too: when one input is better in every direction, ω is exactly 0 or 1.
  const candidates: [number, number][] = [
    [0, trace(b.cov)],
    [(lo + hi) / 2, cost((lo + hi) / 2)],
    [1, trace(a.cov)],
  ];
  const [omega] = candidates.reduce((best, c) => (c[1] < best[1] ? c : best));
  if (omega === 0) return { ...b, omega };
  if (omega === 1) return { ...a, omega };
  const p = combine(ai, bi, omega)!;
  const ya = apply(ai, a.x[0], a.x[1]);
  const yb = apply(bi, b.x[0], b.x[1]);
  const x = apply(p, omega * ya[0] + (1 - omega) * yb[0], omega * ya[1] + (1 - omega) * yb[1]);
  return { x, cov: p, omega };
}
