/**
 * A peer's tracks must not win associations by being vague, by claiming another author's sensor id,
 * or by a sensor id that sorts first (gate.ts pairCost and sepWithin, associate.ts roundOrder,
 * types.ts sensorKey; docs/fusion.md "What a peer's tracks can cost").
 */
import { describe, expect, it } from 'vitest';
import type { Position } from '../../../../src/core/entity/component-types';
import { FusionEngine } from '../../../../src/core/fusion/engine';
import type { SourceTrack } from '../../../../src/core/fusion/types';
import type { EntityId } from '../../../../src/core/ids';
import { offset } from '../../../../src/core/sim/geo';

const BASE = { lat: 52.37, lon: 4.89 };
const T0 = 1_700_000_000_000;

function track(id: string, author: string, sensorId: string, east: number, extra: Partial<Position>): SourceTrack {
  const p = offset(BASE, east, 0);
  return { id: id as EntityId, author, sensorId, time: T0, position: { lat: p.lat, lon: p.lon, ...extra } };
}
const eo = track('eo.1', 'node-eo', 'eo', 0, { accuracy: 5 });

/** Scans every 500 ms from T0 to T0 + 7 s, upserting `later` at T0 + 1 s; the fused groups' sources at the end. */
function run(first: readonly SourceTrack[], later: readonly SourceTrack[]): string[][] {
  const f = new FusionEngine();
  for (const t of first) f.upsert(t);
  for (let ms = 0; ms <= 7_000; ms += 500) {
    if (ms === 1_000) for (const t of later) f.upsert(t);
    f.scan(T0 + ms);
  }
  return f.fused().map((t) => [...t.fusion.sources]);
}

describe('association against hostile tracks', () => {
  const radar = track('radar.honest', 'node-radar', 'radar', 3, { covariance: [900, 0, 900] });

  it('a huge covariance under the honest radar`s sensor id, written first, does not take the EO: the honest pair fuses', () => {
    const hostile = track('radar.hostile', 'mallory', 'radar', -450, { covariance: [1e12, 0, 1e12] });
    expect(run([eo, hostile], [radar])).toEqual([['eo.1', 'radar.honest']]);
  });

  it('a third sensor named to sort first, 450 m from the EO on the far side, does not keep EO and radar apart', () => {
    const far = track('radar.far', 'node-radar', 'radar', 60, { covariance: [900, 0, 900] });
    const aaa = track('aaa.1', 'mallory', 'aaa', -450, { covariance: [40_000, 0, 40_000] });
    expect(run([eo, aaa, far], [])).toEqual([['eo.1', 'radar.far']]);
  });
});
