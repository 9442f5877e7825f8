/**
 * A fused pair's position and association probability are reused while neither of its reports
 * changed (engine.ts, PairState.cache). The cache must be invisible: at every scan, each fused pair
 * of an engine whose pairs report at different moments equals what a fresh engine computes from
 * the two reports held, with nothing cached.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FusionEngine } from '../../../../src/core/fusion/engine';
import type { SourceTrack } from '../../../../src/core/fusion/types';
import type { EntityId } from '../../../../src/core/ids';
import { offset } from '../../../../src/core/sim/geo';

const BASE = { lat: 52.37, lon: 4.89 };
const T0 = 1_700_000_000_000;

/**
 * A report of a stationary object (a velocity, so that reports seconds apart stay precise once
 * aligned in time, and a fresh engine gates them as readily as the fused pair keeps them).
 */
function report(id: string, sensor: 'eo' | 'radar', east: number, north: number, time: number): SourceTrack {
  const p = offset(BASE, east, north);
  const velocity = { east: 0, north: 0 };
  return sensor === 'eo'
    ? {
        id: id as EntityId,
        sensorId: 'eo',
        sensorType: 'eo',
        time,
        velocity,
        position: { lat: p.lat, lon: p.lon, accuracy: 5 },
      }
    : {
        id: id as EntityId,
        sensorId: 'radar',
        sensorType: 'radar',
        time,
        velocity,
        position: { lat: p.lat, lon: p.lon, covariance: [900, 120, 400] },
      };
}

/**
 * What an engine with nothing cached fuses from these two reports alone, at `now`: fused at once
 * (no dwell), and with no time gate, since a fused pair whose reports drifted apart in time stays
 * fused until its split (neither changes the fused value).
 */
function fresh(a: SourceTrack, b: SourceTrack, now: number): unknown {
  const f = new FusionEngine({ confirmDwellMs: 0, maxTimeDiffMs: Infinity });
  f.upsert(a);
  f.upsert(b);
  f.scan(now);
  return f.fused()[0];
}

describe('the fused pair cache', () => {
  it('property: a fused pair equals the fresh computation from its held reports, whichever of them reported', () => {
    fc.assert(
      fc.property(
        // Per scan and object: 0 none reports, 1 the EO, 2 the radar, 3 both; and an offset step.
        fc.array(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -8, max: 8 })), {
            minLength: 4,
            maxLength: 4,
          }),
          {
            minLength: 3,
            maxLength: 8,
          },
        ),
        (plan) => {
          const f = new FusionEngine();
          const held = new Map<string, SourceTrack>();
          const put = (r: SourceTrack): void => {
            f.upsert(r);
            held.set(r.id, r);
          };
          // Four objects 2 km apart, both sensors every second until every pair is fused.
          let t = T0;
          for (let k = 0; k < 4; k++, t += 1000) {
            for (let o = 0; o < 4; o++) {
              put(report(`eo.${o}`, 'eo', 2000 * o, 0, t));
              put(report(`radar.${o}`, 'radar', 2000 * o + 10, 5, t));
            }
            f.scan(t);
          }
          expect(f.fused()).toHaveLength(4);
          for (const step of plan) {
            step.forEach(([who, d], o) => {
              if (who & 1) put(report(`eo.${o}`, 'eo', 2000 * o + d, d, t));
              if (who & 2) put(report(`radar.${o}`, 'radar', 2000 * o - d, 5, t));
            });
            f.scan(t);
            for (const track of f.fused()) {
              const [a, b] = track.fusion.sources;
              expect(track).toEqual(fresh(held.get(a!)!, held.get(b!)!, t));
            }
            t += 1000;
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
