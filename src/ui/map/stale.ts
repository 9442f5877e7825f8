import { isStaleFix, STALE_AFTER_MS } from '../../core/entity/staleness';
import type { Expiry, Fusion } from '../../core/entity/component-types';
import type { EntityView } from '../../node/node-api';

/** A track whose position has not been refreshed for this long is drawn dimmed (the core's rule). */
export { STALE_AFTER_MS };

/**
 * Stale: its stale time (the `expiry` component, CoT `stale`) has passed, its position is older
 * than STALE_AFTER_MS, or it is a fused track its engine marked stale (the same rule, applied at
 * the last scan). Still shown, dimmed: the operator should see what was there, and that it is old.
 */
export function isStale(view: EntityView, now: number): boolean {
  const at = (view.components.expiry as Partial<Expiry> | undefined)?.at;
  const fusionStale = (view.components.fusion as Partial<Fusion> | undefined)?.stale === true;
  return staleOf(typeof at === 'number' ? at : NaN, fusionStale, view.meta.position?.time ?? view.updatedAt, now);
}

/**
 * The same rule from what a track's row holds (src/core/feed/track-row.ts): its expiry's `at` (NaN
 * without one), its fused stale flag, and when its position was fixed.
 */
export function staleOf(expiryAt: number, fusionStale: boolean, fixedAt: number, now: number): boolean {
  return expiryAt <= now || fusionStale || isStaleFix(fixedAt, now);
}
