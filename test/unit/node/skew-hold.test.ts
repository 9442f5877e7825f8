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
    expect(hold.releaseDue(clock)).toEqual([]);
    wall = 450_000;
    expect(hold.releaseDue(clock)).toHaveLength(1);
    expect(hold.size).toBe(0);
    hold.hold(ahead(500_000), 1);
    expect(hold.size).toBe(1);
    expect(hold.releaseAuthor('fast' as NodeId)).toHaveLength(1);
    expect(hold.summary()).toEqual([]);
  });
});
