import { describe, expect, it } from 'vitest';
import { Hlc } from '../../../src/core/clock/hlc';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { SkewHold } from '../../../src/node/skew-hold';

const ahead = (ms: number, c = 0): Version => ({
  entity: 'e1' as EntityId,
  kind: 'threat' as ComponentKind,
  value: { level: 'LOW' },
  ts: { ms, c, node: 'fast' as NodeId },
  seen: [],
});

describe('SkewHold', () => {
  it('holds a write re-offered by several neighbours once', () => {
    const hold = new SkewHold();
    for (let i = 0; i < 5; i++) hold.hold(ahead(500_000), 400_000);
    hold.hold(ahead(500_000, 1), 400_000);
    expect(hold.size).toBe(2);
    expect(hold.summary()).toEqual([{ author: 'fast', skewMs: 400_000, count: 2 }]);
  });

  it('releases writes once the wall clock catches up, and can hold them again afterwards', () => {
    let wall = 100_000;
    const clock = new Hlc({ node: 'me' as NodeId, now: () => wall, maxSkewMs: 60_000 });
    const hold = new SkewHold();
    hold.hold(ahead(500_000), 400_000);
    expect(hold.releaseDue(clock).size).toBe(0);
    wall = 450_000;
    expect([...hold.releaseDue(clock).values()].flat()).toHaveLength(1);
    expect(hold.size).toBe(0);
    hold.hold(ahead(500_000), 1);
    expect(hold.size).toBe(1);
    expect([...hold.releaseAuthor('fast' as NodeId).values()].flat()).toHaveLength(1);
    expect(hold.summary()).toEqual([]);
  });

  it('gives each released write back with the link and path it came by', () => {
    const clock = new Hlc({ node: 'me' as NodeId, now: () => 1_000_000, maxSkewMs: 60_000 });
    const hold = new SkewHold();
    const live = { via: {}, live: true };
    const repair = { via: {}, live: false };
    hold.hold(ahead(1_000), 1, live);
    hold.hold(ahead(2_000), 1, repair);
    hold.hold(ahead(3_000), 1, live);
    const out = hold.releaseDue(clock);
    expect(out.get(live)?.map((v) => v.ts.ms)).toEqual([1_000, 3_000]);
    expect(out.get(repair)?.map((v) => v.ts.ms)).toEqual([2_000]);
  });
});
