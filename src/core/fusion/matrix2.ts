/**
 * Symmetric 2×2 matrices in the local (east, north) plane, stored as [ee, en, nn] (m²). The store's
 * `covariance` is [varNorth, covNorthEast, varEast]; `fromStore` / `toStore` convert.
 */
export type Sym2 = readonly [number, number, number];

export const fromStore = (c: readonly [number, number, number]): Sym2 => [c[2], c[1], c[0]];
export const toStore = (m: Sym2): [number, number, number] => [m[2], m[1], m[0]];

export const add = (a: Sym2, b: Sym2): Sym2 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const scale = (a: Sym2, k: number): Sym2 => [a[0] * k, a[1] * k, a[2] * k];
export const det = (a: Sym2): number => a[0] * a[2] - a[1] * a[1];
export const trace = (a: Sym2): number => a[0] + a[2];

/** The inverse, or undefined when the matrix is singular (or not finite). */
export function inverse(a: Sym2): Sym2 | undefined {
  const d = det(a);
  if (!(d > 0) || !Number.isFinite(d)) return undefined;
  return [a[2] / d, -a[1] / d, a[0] / d];
}

/** Largest eigenvalue. */
export const maxEigen = (a: Sym2): number => maxEigenOf(a[0], a[1], a[2]);

/** Largest eigenvalue of [[ee, en], [en, nn]], on numbers (the scan's columns). */
export function maxEigenOf(ee: number, en: number, nn: number): number {
  const m = (ee + nn) / 2;
  return m + Math.sqrt(((ee - nn) / 2) ** 2 + en * en);
}

/** xᵀ A x for x = (e, n). */
export const quad = (a: Sym2, e: number, n: number): number => a[0] * e * e + 2 * a[1] * e * n + a[2] * n * n;

/** A x. */
export const apply = (a: Sym2, e: number, n: number): readonly [number, number] => [
  a[0] * e + a[1] * n,
  a[1] * e + a[2] * n,
];

/**
 * R A Rᵀ for the rotation that turns every bearing clockwise by `delta` rad: a vector at bearing θ
 * ends at bearing θ + δ. Used to carry a covariance from one point's north-up frame into another's.
 */
export function rotate(a: Sym2, delta: number): Sym2 {
  if (delta === 0) return a;
  const c = Math.cos(delta);
  const s = Math.sin(delta);
  // R = [[c, s], [-s, c]] on (east, north).
  const ee = c * c * a[0] + 2 * c * s * a[1] + s * s * a[2];
  const en = -c * s * a[0] + (c * c - s * s) * a[1] + c * s * a[2];
  const nn = s * s * a[0] - 2 * c * s * a[1] + c * c * a[2];
  return [ee, en, nn];
}
