/**
 * Hostile review (low, fixed): a floor taken away (EntityState.liftFloor) sets the tombstone time again from the
 * tombstones held, but the floor had dropped them: a replica that fired the first floor before the
 * lifting expiry came ends with no tombstone time (or an older one), one that never fired it keeps
 * the latest tombstone's. Same delivered set, different EntityState.deletedAt (stored in the meta,
 * in snapshots). Benign while the new floor is above it; visible wherever deletedAt is compared.
 */
import { expect, it } from 'vitest';
import type { Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import { DELETED, type Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';

const X = 'x' as EntityId;
const EXPIRY = 'expiry' as ComponentKind;
const T0 = 1_700_000_000_000;
const ts = (ms: number, node: string): Timestamp => ({ ms: T0 + ms, c: 0, node: node as NodeId });
const v = (kind: ComponentKind, value: unknown, t: Timestamp, seen: Timestamp[] = []): Version => ({
  entity: X,
  kind,
  value: value as Version['value'],
  ts: t,
  seen,
});

it('replicas with the same versions hold the same tombstone time after a floor is lifted', () => {
  const e1 = v(EXPIRY, { at: T0 + 100 }, ts(10, 'a'));
  const d1 = v(DELETED, true, ts(40, 'h1'));
  const lift = v(EXPIRY, { at: T0 + 3_000 }, ts(90, 'a'));
  const now = T0 + 6_000;
  const a = new EntityStore();
  for (const x of [e1, d1]) a.apply(x);
  a.purgeExpired(T0 + 200);
  a.apply(lift);
  a.purgeExpired(now);
  const b = new EntityStore();
  for (const x of [e1, lift, d1]) b.apply(x);
  b.purgeExpired(now);
  expect(a.state(X)?.floor).toBe(b.state(X)?.floor);
  expect(a.state(X)?.deletedAt).toEqual(b.state(X)?.deletedAt);
});
