/**
 * When a track's position counts as stale: the one rule the map (which dims stale tracks) and
 * fusion (which marks a fused track stale and lowers its confidence with age, docs/fusion.md,
 * "Age and staleness") both follow.
 */

/** A track whose position has not been refreshed for this long is stale. */
export const STALE_AFTER_MS = 120_000;

/** Stale: the position fixed at `fixedAt` (epoch ms) is older than STALE_AFTER_MS at `now`. */
export function isStaleFix(fixedAt: number, now: number): boolean {
  return now - fixedAt > STALE_AFTER_MS;
}
