/**
 * Page input a hostile or buggy page can hand the handle: writeMany and setSkewLimit must refuse,
 * whole and with a clear error, whatever exceeds their bounds, before doing work proportional to it,
 * and leave nothing written. Also the approval loop's deadline schedule under a peer that keeps
 * moving one entity's deadline.
 */
import { describe, expect, it } from 'vitest';
import { MAX_UNKNOWN_KINDS_PER_AUTHOR } from '../../../src/core/entity/kind-cap';
import { DeadlineSchedule } from '../../../src/core/task/deadline-schedule';
import { MAX_COMPONENTS_PER_WRITE } from '../../../src/node/prepare-write';
import { MAX_WRITE_MANY_COMPONENTS, MAX_WRITE_MANY_ITEMS } from '../../../src/node/write-many';
import { ManualClock, openNode } from '../node/c2/manual-node';

const seed = Number(process.env.SEED ?? Date.now()) >>> 0;
console.log('page input attack seed', seed);

describe('attack: page input to writeMany and setSkewLimit', () => {
  it('refuses too many items, too many components, holes and bad shapes, writing nothing', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    const full = (i: number) => {
      const components: Record<string, unknown> = {};
      for (let k = 0; k < MAX_COMPONENTS_PER_WRITE; k++) components[`c${k}`] = { n: i };
      return { id: `x${i}`, components };
    };
    const tooMany = Array.from({ length: MAX_WRITE_MANY_ITEMS + 1 }, (_, i) => ({
      id: `t${i}`,
      components: { c: { n: i } },
    }));
    // A sparse array claims a huge length without holding anything.
    const sparse = new Array<unknown>(2 ** 31);
    const heavy = Array.from({ length: Math.ceil(MAX_WRITE_MANY_COMPONENTS / MAX_COMPONENTS_PER_WRITE) + 1 }, (_, i) =>
      full(i),
    );
    const holes: unknown[] = [{ id: 'ok', components: { c: { n: 1 } } }];
    holes[2] = { id: 'ok2', components: { c: { n: 2 } } };
    const tooWide = [{ id: 'w', components: full(0).components && { ...full(0).components, extra: { n: 1 } } }];
    for (const bad of [
      tooMany,
      sparse,
      heavy,
      holes,
      tooWide,
      'x',
      null,
      { length: 3 },
      [{ id: 'a', components: {}, more: 1 }],
    ]) {
      await expect(node.writeMany(bad as never)).rejects.toMatchObject({ name: 'ValidationError' });
    }
    expect(await node.list()).toEqual([]);
  });

  it('refuses a write of more unknown kinds than peers take of one author on one entity (peers would refuse them)', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    const kinds = (from: number, n: number): Record<string, unknown> =>
      Object.fromEntries(Array.from({ length: n }, (_, k) => [`zz_k${from + k}`, { n: k }]));
    await node.create({ id: 'wide', components: kinds(0, MAX_UNKNOWN_KINDS_PER_AUTHOR) });
    await expect(node.update('wide', kinds(MAX_UNKNOWN_KINDS_PER_AUTHOR, 1))).rejects.toThrow(
      /at most 4 unknown component kinds/,
    );
    // Writing the kinds it holds again is fine, and so are the known kinds and the delete.
    await node.update('wide', kinds(0, 1));
    await node.update('wide', { position: { lat: 1, lon: 2 } });
    expect(Object.keys((await node.get('wide'))!.components)).toHaveLength(MAX_UNKNOWN_KINDS_PER_AUTHOR + 1);
    await node.remove('wide');
    expect(await node.get('wide')).toBeUndefined();
  });

  it('setSkewLimit refuses every value outside whole milliseconds within its bounds', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    for (const bad of [NaN, Infinity, -Infinity, -1, 0, 99, 3_600_001, 1e308, 100.5, '5000', null, undefined, {}]) {
      await expect(node.setSkewLimit(bad as never)).rejects.toMatchObject({ name: 'ValidationError' });
    }
    await node.setSkewLimit(5_000);
  });
});

describe('attack: a peer moving one entity deadline again and again', () => {
  it("keeps the schedule's memory proportional to the live deadlines", () => {
    let x = seed || 1;
    const next = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
    const s = new DeadlineSchedule<string>();
    let most = 0;
    for (let i = 0; i < 100_000; i++) {
      s.schedule(`e${i % 3}`, Math.floor(next() * 2 ** 47));
      most = Math.max(most, s.held);
    }
    expect(s.size).toBe(3);
    expect(most).toBeLessThanOrEqual(65);
  });
});
