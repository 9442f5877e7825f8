/**
 * Issue 8 ("zero divergence"): a batch's expiries merge before its other versions
 * (core/store/expiry-floor.ts expiriesFirst). A node fired p1's expiry (deadline T0+60, its floor);
 * then one delivery brings p2's expiry, p1's speed written at the deadline (covered by that floor)
 * and a twin of p2's expiry whose context supersedes p1's (taking the floor away). Merged in the
 * order given, the speed was dropped where it came before the twin and kept where it came after,
 * and a node reopened from its commit (which stores the delivery in another order) lacked what it
 * held before the crash (priority-meta-window.test.ts, SEED=1376236065).
 */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EXPIRY, expiriesFirst } from '../../../src/core/store/expiry-floor';
import { dump } from '../core/support/merge-sim';
import { settle } from '../support/restart-replay';
import { openTestNode, storeOf } from '../support/test-node';

const T0 = 1_700_000_000_000;
const at = (d: number, node: string): Timestamp => ({ ms: T0 + d, c: 0, node: node as NodeId });
const version = (kind: string, value: unknown, ts: Timestamp, seen: Timestamp[] = []): Version =>
  ({ entity: 'e' as EntityId, kind: kind as ComponentKind, value, ts, seen }) as Version;

const fired = version(EXPIRY, { at: T0 + 60 }, at(0, 'p1'));
const expiry = version(EXPIRY, { at: T0 + 48 }, at(43, 'p2'));
const speed = version('speed', { kts: 3 }, at(60, 'p1'));
const twin = version(EXPIRY, { at: T0 + 48 }, at(43, 'p2'), [at(42, 'p2')]);

const orders = (xs: readonly Version[]): Version[][] =>
  xs.length <= 1
    ? [[...xs]]
    : xs.flatMap((x, i) => orders([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));

async function after(batch: readonly Version[]): Promise<string> {
  const clock = { now: T0 + 42 };
  const node = await openTestNode({ nodeId: 'self' as NodeId, now: () => clock.now });
  node.applyRemote([structuredClone(fired)]);
  clock.now = T0 + 60;
  node.tick();
  await settle();
  node.applyRemote(structuredClone(batch));
  await node.durable();
  const state = dump(storeOf(node), true);
  await node.close();
  return state;
}

describe('a batch merges its expiries first', () => {
  it('keeps what a floor its expiries take away covered, in every order inside the batch', async () => {
    const states = new Set<string>();
    for (const order of orders([expiry, speed, twin])) states.add(await after(order));
    expect([...states]).toHaveLength(1);
    expect([...states][0]).toContain('speed:');
  });

  it('orders a batch stably, expiries ahead, and leaves one already in that order as it is', () => {
    const other = version('speed', { kts: 4 }, at(61, 'p3'));
    expect(expiriesFirst([speed, expiry, other, twin])).toEqual([expiry, twin, speed, other]);
    const ordered = [expiry, twin, speed, other];
    expect(expiriesFirst(ordered)).toBe(ordered);
    const none = [speed, other];
    expect(expiriesFirst(none)).toBe(none);
  });
});
