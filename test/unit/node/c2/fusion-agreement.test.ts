/**
 * Two nodes holding the same versions show the same fused picture (docs/fusion.md, "Time basis"
 * and "Replication"), however the versions reached them: in other orders, in other batches, at
 * other moments. The clusters are ambiguous on purpose (one EO track, two radar tracks a few tens
 * of metres apart, reported up to 1.5 s apart without a velocity), so which radar track the EO
 * pairs with depends on the reports' times: when each node's times were its own receipt times,
 * the two nodes confirmed different pairs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Position } from '../../../../src/core/entity/component-types';
import type { EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { offset } from '../../../../src/core/sim/geo';
import type { EntityView } from '../../../../src/core/store/entity-view';
import { DEFENDED_POINT } from '../../../../src/node/c2-pipeline';
import { ManualClock, openNode, T0 } from './manual-node';
import { isFused, seedFor } from './fusion-support';

const seed = seedFor('fusion agreement');

interface Track {
  readonly id: string;
  readonly author: string;
  readonly sensorId: string;
  readonly north: number;
  readonly east: number;
  readonly accuracy: number;
  /** Stamp, ms after T0. */
  readonly at: number;
}

/** A cluster c, 3 km from the others: an EO track and two radar tracks close to it. */
const cluster = (c: number) =>
  fc
    .tuple(
      fc.integer({ min: 0, max: 1_500 }),
      fc.array(
        fc.record({
          north: fc.integer({ min: -60, max: 60 }),
          east: fc.integer({ min: -60, max: 60 }),
          accuracy: fc.integer({ min: 15, max: 40 }),
          at: fc.integer({ min: 0, max: 1_500 }),
        }),
        { minLength: 2, maxLength: 2 },
      ),
    )
    .map(([eoAt, radars]): Track[] => [
      { id: `eo-${c}`, author: 'writer-eo', sensorId: 'eo', north: 0, east: 3_000 * c, accuracy: 5, at: eoAt },
      ...radars.map((r, k) => ({
        id: `radar-${c}-${k}`,
        author: 'writer-radar',
        sensorId: 'radar',
        north: r.north,
        east: 3_000 * c + r.east,
        accuracy: r.accuracy,
        at: r.at,
      })),
    ]);

/** Each track as the two versions its writer made (source and position), stamped by its writer. */
function versionsOf(tracks: readonly Track[]): Version[] {
  return tracks.flatMap((t, k) => {
    const ts = { ms: T0 + t.at, c: k, node: t.author as NodeId };
    const p = offset(DEFENDED_POINT, t.east, 4_000 + t.north);
    const position: Position = { lat: p.lat, lon: p.lon, accuracy: t.accuracy };
    const entity = t.id as EntityId;
    return [
      { entity, kind: 'source', value: { sensorId: t.sensorId, sensorType: t.sensorId }, ts, seen: [] },
      { entity, kind: 'position', value: position, ts, seen: [] },
    ] as unknown as Version[];
  });
}

/** A delivery plan: the versions in some order, cut into batches, each batch at a time after T0. */
const plan = (count: number) =>
  fc.record({
    order: fc.shuffledSubarray(
      Array.from({ length: count }, (_, k) => k),
      { minLength: count, maxLength: count },
    ),
    cuts: fc.uniqueArray(fc.integer({ min: 1, max: count - 1 }), { maxLength: count - 1 }),
    // Delivered between 1.5 and 4 s after T0: before any pair's 5-s dwell could end.
    times: fc.array(fc.integer({ min: 1_500, max: 4_000 }), { minLength: count, maxLength: count }),
  });

type Plan = { order: number[]; cuts: number[]; times: number[] };

/** What fusion shows that must agree: every id shown and each fused track's value. */
function fusedPicture(list: readonly EntityView[]): unknown {
  return list
    .map((v) => (isFused(v.id) ? { id: v.id, fusion: v.components.fusion } : { id: v.id }))
    .sort((x, y) => (x.id < y.id ? -1 : 1));
}

async function observe(name: string, versions: readonly Version[], p: Plan): Promise<unknown[]> {
  const clock = new ManualClock();
  const { node } = await openNode(clock, name);
  const cuts = [0, ...[...p.cuts].sort((a, b) => a - b), versions.length];
  const batches = cuts.slice(1).map((end, k) => p.order.slice(cuts[k], end).map((i) => versions[i]!));
  const times = p.times.slice(0, batches.length).sort((a, b) => a - b);
  for (const [k, batch] of batches.entries()) {
    await clock.advance(T0 + times[k]! - clock.now);
    node.applyRemote(batch);
  }
  // Past every dwell (the last batch's plus a tick), then long after the reports went stale.
  const out: unknown[] = [];
  for (const at of [11_000, 200_000]) {
    await clock.advance(T0 + at - clock.now);
    out.push(fusedPicture(await node.list()));
  }
  await node.close();
  return out;
}

describe('two nodes holding the same versions show the same fused picture', () => {
  it('property: versions delivered in different orders and batches at different moments give identical fused tracks', async () => {
    let fusedSeen = 0;
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 3 })
          .chain((clusters) => fc.tuple(...Array.from({ length: clusters }, (_, c) => cluster(c))))
          .map((cs) => cs.flat())
          .chain((tracks) => fc.tuple(fc.constant(tracks), plan(2 * tracks.length), plan(2 * tracks.length))),
        async ([tracks, planA, planB]) => {
          const versions = versionsOf(tracks);
          const a = await observe('observer-a', versions, planA);
          const b = await observe('observer-b', versions, planB);
          expect(b).toEqual(a);
          fusedSeen += (a[0] as { id: string }[]).filter((v) => isFused(v.id)).length;
          // Long after the last report every fused track is marked stale, with confidence 0.
          for (const v of a[1] as { id: string; fusion?: unknown }[])
            if (isFused(v.id)) expect(v.fusion).toMatchObject({ stale: true, confidence: 0 });
        },
      ),
      { seed, numRuns: 40 },
    );
    // The property is not vacuous: clusters did fuse.
    expect(fusedSeen).toBeGreaterThan(0);
  });
});
