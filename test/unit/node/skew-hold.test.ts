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

const by = (author: string, ms: number, c = 0, value: unknown = { level: 'LOW' }): Version => ({
  entity: 'e1' as EntityId,
  kind: 'threat' as ComponentKind,
  value: value as never,
  ts: { ms, c, node: author as NodeId },
  seen: [],
});

describe('SkewHold bounds', () => {
  it('gives each author its own quota, so a flood from one does not crowd out another', () => {
    const hold = new SkewHold({ maxPerAuthor: 100 }, () => 0);
    for (let c = 0; c < 500; c++) hold.hold(by('wild', 2 ** 47, c), 2 ** 47);
    expect(hold.hold(by('honest', 500_000), 400_000)).toBeUndefined();
    expect(hold.summary().map((s) => [s.author, s.count])).toEqual([
      ['wild', 100],
      ['honest', 1],
    ]);
    expect(hold.refused['author-quota']).toBe(400);
  });

  it('bounds the bytes held per author and in all', () => {
    const big = { text: 'x'.repeat(1000) };
    const hold = new SkewHold({ maxBytesPerAuthor: 10_000, maxBytes: 25_000 }, () => 0);
    for (let c = 0; c < 20; c++) hold.hold(by('a', 500_000, c, big), 400_000);
    expect(hold.summary()[0]!.count).toBeLessThan(10);
    for (const author of ['b', 'c', 'd']) for (let c = 0; c < 20; c++) hold.hold(by(author, 500_000, c, big), 400_000);
    expect(hold.size).toBeLessThanOrEqual(25);
    expect(hold.refused.bytes).toBeGreaterThan(0);
  });

  it('drops held writes after their time, counting them', () => {
    let now = 0;
    const clock = new Hlc({ node: 'me' as NodeId, now: () => 100_000, maxSkewMs: 60_000 });
    const hold = new SkewHold({ expireAfterMs: 1_000 }, () => now);
    hold.hold(by('a', 500_000), 400_000);
    now = 999;
    expect(hold.releaseDue(clock).size).toBe(0);
    expect(hold.size).toBe(1);
    now = 1_001;
    expect(hold.releaseDue(clock).size).toBe(0);
    expect([hold.size, hold.refused.expired, hold.summary()]).toEqual([0, 1, []]);
  });

  it('holds two contents under one timestamp apart', () => {
    const hold = new SkewHold({}, () => 0);
    hold.hold(by('a', 500_000, 0, { level: 'LOW' }), 400_000);
    hold.hold(by('a', 500_000, 0, { level: 'HIGH' }), 400_000);
    expect(hold.size).toBe(2);
  });
});

describe('SkewHold per link', () => {
  it('counts held writes by the link they came by, down to zero as they leave', () => {
    let wall = 100_000;
    const clock = new Hlc({ node: 'me' as NodeId, now: () => wall, maxSkewMs: 60_000 });
    const hold = new SkewHold();
    const [x, y] = [
      { via: {}, live: true },
      { via: {}, live: false },
    ];
    hold.hold(ahead(500_000), 1, x);
    hold.hold(ahead(500_000, 1), 1, x);
    hold.hold(ahead(900_000), 1, y);
    hold.hold(ahead(500_000, 2), 1);
    expect([hold.heldFrom(x.via), hold.heldFrom(y.via), hold.heldFrom({})]).toEqual([2, 1, 0]);
    wall = 450_000;
    hold.releaseDue(clock);
    expect([hold.heldFrom(x.via), hold.heldFrom(y.via)]).toEqual([0, 1]);
    hold.releaseAuthor('fast' as NodeId);
    expect(hold.heldFrom(y.via)).toBe(0);
  });
});
