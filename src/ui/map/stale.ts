import type { Expiry } from '../../core/entity/component-types';
import type { EntityView } from '../../node/node-api';

/** A track whose position has not been refreshed for this long is drawn dimmed. */
export const STALE_AFTER_MS = 120_000;

/**
 * Stale: its stale time (the `expiry` component, CoT `stale`) has passed, or its position is older
 * than STALE_AFTER_MS. Still shown, dimmed: the operator should see what was there, and that it is old.
 */
export function isStale(view: EntityView, now: number): boolean {
  const at = (view.components.expiry as Partial<Expiry> | undefined)?.at;
  if (typeof at === 'number' && at <= now) return true;
  const fixed = view.meta.position?.time ?? view.updatedAt;
  return now - fixed > STALE_AFTER_MS;
}
