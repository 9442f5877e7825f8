/**
 * Versions of the covered-expiry attacks (h27-honest-allowance-filled, h28-covered-expiry-refused):
 * an honest author's expiry carrying the floor its earlier one fired, and a member's expiry whose
 * rest marker covers it without carrying that floor (docs/security.md, "Twins and evidence").
 */
import type { Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';

export const EXPIRY = 'expiry' as ComponentKind;
export const POSITION = 'position' as ComponentKind;
export const T0 = 1_700_000_000_000;
/** The floor p1's first expiry fired, which its next one carries. */
export const F = T0 + 1_000;
export const FAR = T0 + 100_000_000;
export const ts = (ms: number, node: string, c = 0): Timestamp => ({ ms, c, node: node as NodeId });
export const v = (
  entity: string,
  kind: ComponentKind,
  value: unknown,
  t: Timestamp,
  seen: Timestamp[] = [],
): Version => ({
  entity: entity as EntityId,
  kind,
  value: value as Version['value'],
  ts: t,
  seen,
});
/** p1's expiry of `e` carrying the floor F. */
export const honest = (e: string): Version => v(e, EXPIRY, { at: T0 + 3_000, floor: F }, ts(T0 + 2_000, 'p1'));
/** m's expiry of `e` whose rest marker (at `at`) covers p1's, without its floor. */
export const cover = (e: string, at = T0 + 2_000): Version =>
  v(e, EXPIRY, { at: FAR }, ts(at + 100, 'm'), [ts(at, 'm')]);
