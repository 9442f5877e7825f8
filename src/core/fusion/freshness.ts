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

/**
 * Age steps are applied on a grid of the clock: the scan for a step is asked for at the next
 * multiple of this after it, so fused tracks whose reports stopped at different moments share
 * their scans (an idle picture is scanned at most once per grid cell while its tracks age, not
 * once a tick), at the price of a step shown up to this late. The map dims by its own clock.
 */
export const AGE_DUE_GRID_MS = 5_000;

/** When to scan for an age step that falls at `at`: the next grid time at or after it. */
export function ageDueAt(at: number): number {
  return Number.isFinite(at) ? Math.ceil(at / AGE_DUE_GRID_MS) * AGE_DUE_GRID_MS : at;
}

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
