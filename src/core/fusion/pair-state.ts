/**
 * The hysteresis of one pair of source tracks. `history` holds whether the pair was associated in
 * each of the last `window` scans (bit 0: the latest). A pair is confirmed (fused) once `hits` of
 * them are set, and a confirmed pair splits only after `outside` reaches the configured count of
 * consecutive scans beyond the split gate, which is wider than the association gate: a pair that
 * hovers at the association gate neither fuses and splits nor flaps.
 */
export interface PairState {
  history: number;
  confirmed: boolean;
  outside: number;
}

export function popcount(x: number): number {
  let c = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) c++;
  return c;
}

/** Pairs are keyed by their two ids in order, joined by a character ids cannot contain. */
export const pairKey = (a: string, b: string): string => (a < b ? `${a} ${b}` : `${b} ${a}`);
