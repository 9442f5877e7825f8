/**
 * The age term of a fused track (docs/fusion.md, "Age and staleness"): a fused track whose
 * sources stopped reporting must not keep its confidence, nor look current, forever. Its age is
 * the scan's time minus its newest source's report time. Up to `freshForMs` the factor is 1; then
 * it falls in `FRESHNESS_STEPS` equal steps (0.9, 0.8, … 0.1) until `staleAfterMs`, past which
 * the track is stale and the factor 0. Steps, not a continuous decay, so that an idle picture
 * needs a scan only at each step (`changesAfter`), not at every tick, and a live feed whose
 * latency wobbles does not change its confidence at every scan.
 */
export const FRESHNESS_STEPS = 9;

export interface Freshness {
  readonly factor: number;
  readonly stale: boolean;
  /** The age past which the factor (or the mark) changes next; Infinity when it never does. */
  readonly changesAfter: number;
}

export function freshness(age: number, freshForMs: number, staleAfterMs: number): Freshness {
  if (age > staleAfterMs) return { factor: 0, stale: true, changesAfter: Infinity };
  if (!(age > freshForMs)) return { factor: 1, stale: false, changesAfter: Math.min(freshForMs, staleAfterMs) };
  const step = (staleAfterMs - freshForMs) / FRESHNESS_STEPS;
  const k = Math.min(FRESHNESS_STEPS, Math.ceil((age - freshForMs) / step));
  return {
    factor: 1 - k / (FRESHNESS_STEPS + 1),
    stale: false,
    changesAfter: k === FRESHNESS_STEPS ? staleAfterMs : freshForMs + k * step,
  };
}
