/** The fusion engine: correlation, de-correlation, hysteresis, cascade, order independence, no duplicates. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Position } from '../../../../src/core/entity/component-types';
import { isStaleFix, STALE_AFTER_MS } from '../../../../src/core/entity/staleness';
import { associationProbability } from '../../../../src/core/fusion/confidence';
import { FusionEngine } from '../../../../src/core/fusion/engine';
import { AGE_DUE_GRID_MS, ageDueAt } from '../../../../src/core/fusion/freshness';
import { fusedId } from '../../../../src/core/fusion/fused-id';
import type { FusionChange, SourceTrack } from '../../../../src/core/fusion/types';
import { isEntityId, type EntityId } from '../../../../src/core/ids';
import { bearingDistance, offset } from '../../../../src/core/sim/geo';

const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
console.log(`fusion engine seed ${seed}; replay with SEED=${seed}`);

const BASE = { lat: 52.37, lon: 4.89 };
const T0 = 1_700_000_000_000;

function at(
  id: string,
  sensorId: string,
  east: number,
  north: number,
  time: number,
  extra: Partial<Position> = {},
): SourceTrack {
  const p = offset(BASE, east, north);
  return { id: id as EntityId, sensorId, time, position: { lat: p.lat, lon: p.lon, ...extra } };
}
const eo = (id: string, east: number, north: number, time: number): SourceTrack =>
  at(id, 'eo', east, north, time, { accuracy: 5 });
const radar = (id: string, east: number, north: number, time: number): SourceTrack =>
  at(id, 'radar', east, north, time, { covariance: [900, 0, 900] });

const kinds = (changes: readonly FusionChange[]): string[] => changes.map((c) => c.type);

describe('correlation and de-correlation', () => {
  it('fuses two sensors` tracks of one object after 3 of 5 scans, with both sources and a position between them', () => {
    const f = new FusionEngine();
    const out: FusionChange[][] = [];
    for (let k = 0; k < 4; k++) {
      const t = T0 + k * 1000;
      f.upsert(eo('eo.t1', 0, 0, t));
      f.upsert(radar('radar.t1', 20, 0, t));
      out.push(f.scan(t));
    }
    // The fourth scan updates it: new reports, a new time, more persistence.
    expect(out.map(kinds)).toEqual([[], [], ['created'], ['updated']]);
    const created = out[2]![0]!;
    if (created.type !== 'created') throw new Error('unreachable');
    const { fusion, id } = created.track;
    expect(fusion.sources).toEqual(['eo.t1', 'radar.t1']);
    expect(id).toBe(fusedId(['radar.t1', 'eo.t1']));
    expect(fusion.confidence).toBeGreaterThan(0.3);
    expect(fusion.confidence).toBeLessThanOrEqual(1);
    // EO (σ 5) is better than the radar (σ 30) in every direction: CI keeps it.
    const p = fusion.position;
    expect(bearingDistance(p, offset(BASE, 0, 0)).distance).toBeLessThan(0.05);
    expect(p.accuracy).toBeCloseTo(5, 1);
    expect(f.stats()).toMatchObject({
      fused: 1,
      sources: 2,
      greedyClusters: 0,
      assignmentWork: 0,
      ahead: 0,
      gateRefused: 0,
      gateCrowded: 0,
    });
  });

  it('splits when the sources diverge beyond the split gate for 3 scans, and the raw tracks stay apart', () => {
    const f = new FusionEngine();
    let t = T0;
    for (let k = 0; k < 3; k++, t += 1000) {
      f.upsert(eo('eo.t1', 0, 0, t));
      f.upsert(radar('radar.t1', 10, 0, t));
      f.scan(t);
    }
    expect(f.fused()).toHaveLength(1);
    const out: string[][] = [];
    for (let k = 0; k < 6; k++, t += 1000) {
      f.upsert(eo('eo.t1', 0, 0, t));
      f.upsert(radar('radar.t1', 2_000, 0, t));
      out.push(kinds(f.scan(t)));
    }
    // Two scans outside still fused (updated: confidence 0), the third splits, then nothing.
    expect(out).toEqual([['updated'], ['updated'], ['removed'], [], [], []]);
    expect(f.fused()).toEqual([]);
  });

  it('fuses three sensors into one entity, one track per sensor', () => {
    const f = new FusionEngine();
    let changes: FusionChange[] = [];
    for (let k = 0; k < 3; k++) {
      const t = T0 + k * 1000;
      f.upsert(eo('eo.t1', 0, 0, t));
      f.upsert(radar('radar.t1', 15, 5, t));
      f.upsert({ ...radar('radar2.t1', -10, 10, t), sensorId: 'radar-2' });
      // A second EO track near by: never in the same entity as the first.
      f.upsert(eo('eo.t2', 40, 0, t));
      changes = f.scan(t);
    }
    expect(f.fused().map((x) => x.fusion.sources)).toEqual([['eo.t1', 'radar.t1', 'radar2.t1']]);
    expect(kinds(changes)).toEqual(['created']);
  });
});

describe('hysteresis', () => {
  /** A pair whose squared Mahalanobis distance alternates between just inside and just outside the 9.21 gate. */
  function hover(f: FusionEngine, scans: number): { created: number; removed: number } {
    let created = 0;
    let removed = 0;
    // Summed variance 25 + 900 = 925: d² = d_m² / 925; 85 m → 7.8, 100 m → 10.8 (both inside the split gate).
    for (let k = 0; k < scans; k++) {
      const t = T0 + k * 1000;
      f.upsert(eo('eo.h', 0, 0, t));
      f.upsert(radar('radar.h', k % 3 === 2 ? 100 : 85, 0, t));
      for (const c of f.scan(t)) {
        if (c.type === 'created') created++;
        if (c.type === 'removed') removed++;
      }
    }
    return { created, removed };
  }

  it('a pair hovering at the gate fuses once and does not flap', () => {
    expect(hover(new FusionEngine(), 60)).toEqual({ created: 1, removed: 0 });
  });

  it('without hysteresis (1 of 1, split at the association gate) the same pair flaps', () => {
    const naive = new FusionEngine({
      confirmHits: 1,
      confirmWindow: 1,
      splitScans: 1,
      splitChi2: 9.21,
      splitMeters: 500,
    });
    const r = hover(naive, 60);
    expect(r.created).toBeGreaterThan(10);
    expect(r.removed).toBeGreaterThan(10);
  });

  it('a fused pair that leaves the split gate every other scan never splits', () => {
    const f = new FusionEngine();
    let removed = 0;
    for (let k = 0; k < 40; k++) {
      const t = T0 + k * 1000;
      f.upsert(eo('eo.h', 0, 0, t));
      f.upsert(radar('radar.h', k >= 3 && k % 2 === 0 ? 140 : 10, 0, t));
      removed += f.scan(t).filter((c) => c.type === 'removed').length;
    }
    expect(removed).toBe(0);
    expect(f.fused()).toHaveLength(1);
  });
});

describe('hysteresis counts observations, not scans', () => {
  it('a burst of scans with no new report does not fuse a pair early; new reports do', () => {
    const f = new FusionEngine();
    f.upsert(eo('eo.b', 0, 0, T0));
    f.upsert(radar('radar.b', 10, 0, T0));
    const burst: FusionChange[] = [];
    for (let k = 0; k < 6; k++) burst.push(...f.scan(T0 + k * 20));
    // One observation of the pair, however many scans saw it.
    expect(burst).toEqual([]);
    // The same report again (its entity changed elsewhere, e.g. a classification) is no observation.
    f.upsert(eo('eo.b', 0, 0, T0));
    expect(f.scan(T0 + 200)).toEqual([]);
    const out: string[][] = [];
    for (let k = 1; k <= 2; k++) {
      f.upsert(eo('eo.b', 0, 0, T0 + k * 1000));
      f.upsert(radar('radar.b', 10, 0, T0 + k * 1000));
      out.push(kinds(f.scan(T0 + k * 1000)));
    }
    expect(out).toEqual([[], ['created']]);
  });

  it('an idle fused pair whose last reports are apart is scanned many times and does not split', () => {
    const f = new FusionEngine();
    let t = T0;
    for (let k = 0; k < 3; k++, t += 1000) {
      f.upsert(eo('eo.i', 0, 0, t));
      f.upsert(radar('radar.i', 10, 0, t));
      f.scan(t);
    }
    expect(f.fused()).toHaveLength(1);
    // One report of each outside the split gate: one observation towards a split (3 are needed).
    f.upsert(eo('eo.i', 0, 0, t));
    f.upsert(radar('radar.i', 2_000, 0, t));
    const out: string[] = [];
    for (let k = 0; k < 30; k++) out.push(...kinds(f.scan(t + k * 100)));
    expect(out).not.toContain('removed');
    expect(f.fused()).toHaveLength(1);
    // Two more observations outside split it.
    for (let k = 1; k <= 2; k++) {
      f.upsert(radar('radar.i', 2_000, 0, t + k * 1000));
      out.push(...kinds(f.scan(t + k * 1000)));
    }
    expect(out.at(-1)).toBe('removed');
  });
});

describe('a picture written once (an import, a snapshot): the dwell', () => {
  const OBJECTS = 3;
  const DWELL = 5_000;
  /** One report of each object by each sensor, all at T0, never updated; objects 2 km apart. */
  function imported(f: FusionEngine): void {
    for (let n = 0; n < OBJECTS; n++) {
      f.upsert(eo(`eo.o${n}`, 2_000 * n, 0, T0));
      f.upsert(radar(`radar.o${n}`, 2_000 * n + 20, -10, T0));
    }
  }
  /** Scans once a second (a host's tick) from T0 + 100 ms until `until`; the changes of each. */
  function idle(f: FusionEngine, until: number): { at: number; changes: FusionChange[] }[] {
    const out: { at: number; changes: FusionChange[] }[] = [];
    for (let at = T0 + 100; at <= until; at += 1_000) out.push({ at, changes: f.scan(at) });
    return out;
  }

  it('is shown raw until the dwell, then as one fused track per object with its sources, and stays so', () => {
    const f = new FusionEngine();
    expect(f.config.confirmDwellMs).toBe(DWELL);
    imported(f);
    const scans = idle(f, T0 + 100 + 10 * 60_000);
    // Associated at every scan since the first (T0 + 100): confirmed at the first scan ≥ T0 + 5.1 s.
    const changed = scans.filter((s) => s.changes.length > 0);
    expect([changed[0]!.at - T0, kinds(changed[0]!.changes)]).toEqual([5_100, ['created', 'created', 'created']]);
    // After that only updates: the age term lowers the confidence (see "age and staleness").
    expect(changed.slice(1).flatMap((s) => kinds(s.changes).filter((k) => k !== 'updated'))).toEqual([]);
    expect(
      f
        .fused()
        .map((t) => t.fusion.sources.join(' '))
        .sort(),
    ).toEqual(Array.from({ length: OBJECTS }, (_, n) => `eo.o${n} radar.o${n}`));
    for (const c of changed[0]!.changes) {
      if (c.type !== 'created') throw new Error('unreachable');
      const t = c.track;
      // The probability of the association from its likelihood, however few the reports: the offset
      // (20, −10) m with S = (25 + 900) m² per axis, d² = 500 / 925.
      expect(t.fusion.confidence).toBe(
        Math.round(1000 * associationProbability(500 / 925, 2 * Math.log(925), 500)) / 1000,
      );
      expect(t.fusion.confidence).toBe(0.99);
      // Positioned as a fusion of these reports (the EO dominates: its report).
      const eoReport = offset(BASE, 2_000 * Number(t.fusion.sources[0]!.slice(-1)), 0);
      expect(bearingDistance(t.fusion.position, eoReport).distance).toBeLessThan(0.05);
    }
    // Ten minutes later, with no report since: still fused (no age expiry), marked stale with
    // confidence 0, nothing pending.
    expect(f.stats()).toMatchObject({
      fused: OBJECTS,
      sources: 2 * OBJECTS,
      greedyClusters: 0,
      assignmentWork: 0,
      ahead: 0,
    });
    for (const t of f.fused()) expect(t.fusion).toMatchObject({ stale: true, confidence: 0 });
    expect(f.nextDue()).toBe(Infinity);
  });

  it('without the dwell (off) the same picture is shown raw forever: the defect it fixes', () => {
    const f = new FusionEngine({ confirmDwellMs: Infinity });
    imported(f);
    expect(idle(f, T0 + 10 * 60_000).flatMap((s) => s.changes)).toEqual([]);
    expect(f.nextDue()).toBe(Infinity);
  });

  it('tells its host when the dwell ends, so an idle host scans then and not before', () => {
    const f = new FusionEngine();
    expect(f.nextDue()).toBe(-Infinity);
    imported(f);
    expect(f.scan(T0 + 100)).toEqual([]);
    expect(f.nextDue()).toBe(T0 + 100 + DWELL);
    expect(f.scan(T0 + 100 + DWELL - 1)).toEqual([]);
    expect(kinds(f.scan(T0 + 100 + DWELL))).toEqual(['created', 'created', 'created']);
    // Then when the fused tracks' age term first steps down (reports at T0, fresh for 10 s), on
    // the age steps' grid.
    expect(f.nextDue()).toBe(ageDueAt(T0 + f.config.freshForMs + 1));
  });

  it('needs no contradicting evidence: a report that finds the pair apart starts the dwell again', () => {
    const f = new FusionEngine();
    const both = (t: number, radarEast: number): void => {
      f.upsert(eo('eo.s', 0, 0, t));
      f.upsert(radar('radar.s', radarEast, 0, t));
    };
    // A slow feed: reports at 0, 3 and 4 s; at 3 s the radar is 300 m off (d² ≈ 97, apart).
    const feed = new Map([
      [0, 20],
      [3_000, 300],
      [4_000, 20],
    ]);
    const created: number[] = [];
    for (let at = 0; at <= 12_000; at += 1_000) {
      const east = feed.get(at);
      if (east !== undefined) both(T0 + at, east);
      if (f.scan(T0 + at).some((c) => c.type === 'created')) created.push(at);
    }
    // 2 of 3 reports associated: not 3 of 5. The dwell began again at 4 s and ends at 9 s (at 5 s
    // had the report at 3 s not counted against it).
    expect(created).toEqual([9_000]);
  });

  it('a pair fused by its dwell splits back when new reports diverge, as any other', () => {
    const f = new FusionEngine();
    imported(f);
    idle(f, T0 + 6_000);
    expect(f.fused()).toHaveLength(OBJECTS);
    const out: string[][] = [];
    for (let k = 1; k <= 3; k++) {
      const t = T0 + 6_000 + k * 1_000;
      f.upsert(eo('eo.o0', 0, 0, t));
      f.upsert(radar('radar.o0', 2_000, 900, t));
      out.push(kinds(f.scan(t)));
    }
    expect(out.at(-1)).toEqual(['removed']);
    expect(
      f
        .fused()
        .map((t) => t.fusion.sources.join(' '))
        .sort(),
    ).toEqual(['eo.o1 radar.o1', 'eo.o2 radar.o2']);
  });

  it('a pair fused by its dwell splits back after the same dwell when one rewrite puts it apart', () => {
    // A picture imported again with the radar track moved 5 km: one report, never another. The
    // report count (3 outside) would never be reached; the split's dwell mirrors the confirmation's.
    // (Fresh for a minute: the age term's own due times are tested on their own.)
    const f = new FusionEngine({ freshForMs: 60_000 });
    imported(f);
    idle(f, T0 + 6_000);
    expect(f.fused()).toHaveLength(OBJECTS);
    const moved = T0 + 6_500;
    f.upsert(radar('radar.o0', 5_000, 0, moved));
    // One report apart: not split at once (hysteresis), only the fused estimate moves.
    expect(kinds(f.scan(moved))).not.toContain('removed');
    expect(f.fused()).toHaveLength(OBJECTS);
    expect(f.nextDue()).toBe(moved + DWELL);
    expect(f.scan(moved + DWELL - 1)).toEqual([]);
    expect(kinds(f.scan(moved + DWELL))).toEqual(['removed']);
    expect(
      f
        .fused()
        .map((t) => t.fusion.sources.join(' '))
        .sort(),
    ).toEqual(['eo.o1 radar.o1', 'eo.o2 radar.o2']);
    // A rewrite that comes back inside the split gate before the dwell ends keeps the pair.
    const again = moved + DWELL + 1_000;
    f.upsert(eo('eo.o1', 2_000, 0, again));
    f.upsert(radar('radar.o1', 2_000 + 5_000, 0, again));
    expect(kinds(f.scan(again))).not.toContain('removed');
    f.upsert(eo('eo.o1', 2_000, 0, again + 2_000));
    f.upsert(radar('radar.o1', 2_000 + 20, -10, again + 2_000));
    f.scan(again + 2_000);
    expect(kinds(f.scan(again + 2_000 + DWELL + 1_000))).not.toContain('removed');
    expect(f.fused()).toHaveLength(OBJECTS - 1);
  });

  it('a clock stepped back restarts the dwell from the new time instead of holding it in the future', () => {
    const f = new FusionEngine();
    imported(f);
    expect(f.scan(T0 + 100)).toEqual([]);
    // Within the lead of the reports' stamps (T0): stepped back further, they would be held as
    // stamped ahead of the clock until it caught up (see "a report stamped ahead of the clock").
    const back = T0 - f.config.maxLeadMs + 100;
    expect(f.scan(back)).toEqual([]);
    expect(f.nextDue()).toBe(back + DWELL);
    expect(kinds(f.scan(back + DWELL))).toEqual(['created', 'created', 'created']);
  });

  it('a moving pair reported once a second is still decided by its reports (3 of 5), not the dwell', () => {
    // Hits at 0, 1, 2 s: fused at the third report, long before a dwell of 5 s would.
    const f = new FusionEngine();
    const at: number[] = [];
    for (let k = 0; k < 6; k++) {
      const t = T0 + k * 1000;
      f.upsert(eo('eo.m', 30 * k, 0, t));
      f.upsert(radar('radar.m', 30 * k + 15, 0, t));
      if (f.scan(t).some((c) => c.type === 'created')) at.push(k);
    }
    expect(at).toEqual([2]);
  });
});

describe('cascade', () => {
  function fusedPair(): FusionEngine {
    const f = new FusionEngine({ maxAgeMs: 5_000 });
    for (let k = 0; k < 3; k++) {
      const t = T0 + k * 1000;
      f.upsert(eo('eo.t1', 0, 0, t));
      f.upsert(radar('radar.t1', 10, 0, t));
      f.scan(t);
    }
    expect(f.fused()).toHaveLength(1);
    return f;
  }

  it('a fused entity goes when a source is removed', () => {
    const f = fusedPair();
    f.remove('radar.t1' as EntityId);
    expect(f.scan(T0 + 3000)).toEqual([{ type: 'removed', id: fusedId(['eo.t1', 'radar.t1']) }]);
    expect(f.stats().fused).toBe(0);
  });

  it('a fused entity goes when a source expires', () => {
    const f = fusedPair();
    // The radar's last report was at 2 s; it expires once more than 5 s old. The EO keeps reporting
    // (within the 2-s time gate of the radar's last report until then).
    f.upsert(eo('eo.t1', 0, 0, T0 + 3000));
    expect(kinds(f.scan(T0 + 7000))).toEqual(['updated']);
    expect(f.scan(T0 + 7001)).toEqual([{ type: 'removed', id: fusedId(['eo.t1', 'radar.t1']) }]);
    expect(f.fused()).toEqual([]);
  });

  it('a source that stops reporting while the other goes on splits on the time gate', () => {
    const f = fusedPair();
    const out: string[][] = [];
    for (let k = 3; k < 8; k++) {
      f.upsert(eo('eo.t1', 0, 0, T0 + k * 1000));
      out.push(kinds(f.scan(T0 + k * 1000)));
    }
    // 3 and 4 s: within 2 s of the radar's 2 s; 5, 6, 7 s: outside, and the third scan splits.
    expect(out).toEqual([['updated'], ['updated'], ['updated'], ['updated'], ['removed']]);
  });

  it('a re-added source must earn its hits again', () => {
    const f = fusedPair();
    f.remove('radar.t1' as EntityId);
    f.scan(T0 + 3000);
    f.upsert(radar('radar.t1', 10, 0, T0 + 4000));
    f.upsert(eo('eo.t1', 0, 0, T0 + 4000));
    expect(f.scan(T0 + 4000)).toEqual([]);
  });
});

describe('determinism across nodes', () => {
  it('fused ids are a function of the sorted sources and are valid entity ids', () => {
    const id = fusedId(['sim-radar.t7', 'sim-eo.t7']);
    expect(id).toBe(fusedId(['sim-eo.t7', 'sim-radar.t7']));
    expect(isEntityId(id)).toBe(true);
    expect(fusedId(['a', 'b'])).not.toBe(fusedId(['a', 'c']));
  });

  it('property: two engines fed the same tracks in different orders emit identical changes, and no source is fused twice', () => {
    const object = fc.record({
      east: fc.integer({ min: -3000, max: 3000 }),
      north: fc.integer({ min: -3000, max: 3000 }),
      sensors: fc.subarray(['eo', 'radar', 'radar-2'], { minLength: 1 }),
    });
    const world = fc.record({
      objects: fc.array(object, { minLength: 1, maxLength: 25 }),
      scans: fc.integer({ min: 3, max: 8 }),
      noise: fc.integer({ min: 0, max: 0xffffffff }),
      drop: fc.integer({ min: 0, max: 24 }),
    });
    fc.assert(
      fc.property(world, fc.integer(), ({ objects, scans, noise, drop }, shuffleSeed) => {
        const a = new FusionEngine();
        const b = new FusionEngine();
        let h = noise;
        const jitter = (): number => {
          h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
          return (h / 2 ** 32 - 0.5) * 60;
        };
        for (let k = 0; k < scans; k++) {
          const t = T0 + k * 1000;
          const tracks = objects.flatMap((o, n) =>
            o.sensors.map((s) =>
              s === 'eo'
                ? eo(`eo.o${n}`, o.east + jitter() / 6, o.north, t)
                : { ...radar(`${s}.o${n}`, o.east + jitter(), o.north + jitter(), t), sensorId: s },
            ),
          );
          const shuffled = shuffle(tracks, shuffleSeed + k);
          for (const x of tracks) a.upsert(x);
          for (const x of shuffled) b.upsert(x);
          if (k === scans - 1 && drop < objects.length) {
            a.remove(`radar.o${drop}` as EntityId);
            b.remove(`radar.o${drop}` as EntityId);
          }
          expect(b.scan(t)).toEqual(a.scan(t));
          const seen = new Set<string>();
          for (const f of a.fused()) {
            const sensors = f.fusion.sources.map((s) => s.split('.')[0]);
            expect(new Set(sensors).size).toBe(sensors.length);
            for (const s of f.fusion.sources) {
              expect(seen.has(s), `${s} fused twice`).toBe(false);
              seen.add(s);
            }
          }
        }
      }),
      { seed, numRuns: 60 },
    );
  });

  it('a pathological cluster falls back to greedy and still fuses each source at most once', () => {
    const f = new FusionEngine({ maxClusterSide: 20 });
    for (let k = 0; k < 3; k++) {
      const t = T0 + k * 1000;
      for (let n = 0; n < 60; n++) {
        f.upsert(eo(`eo.s${n}`, (n % 8) * 3, Math.floor(n / 8) * 3, t));
        f.upsert(radar(`radar.s${n}`, (n % 8) * 3 + 1, Math.floor(n / 8) * 3, t));
      }
      f.scan(t);
    }
    expect(f.stats().greedyClusters).toBeGreaterThan(0);
    const sources = f.fused().flatMap((x) => x.fusion.sources);
    expect(new Set(sources).size).toBe(sources.length);
    expect(f.fused().length).toBeGreaterThan(40);
  });
});

function shuffle<T>(xs: readonly T[], s: number): T[] {
  const out = [...xs];
  let h = s >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    h = (Math.imul(h ^ (h >>> 16), 0x45d9f3b) + 1) >>> 0;
    const j = h % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('a report stamped ahead of the clock (docs/fusion.md, "Time basis")', () => {
  it('is left out until now is within maxLeadMs of its stamp, then timed by its stamp: engines upserting it at different scans agree', () => {
    const lead = new FusionEngine().config.maxLeadMs;
    const stamp = T0 + 59_000;
    const pair = [eo('eo.1', 0, 0, stamp - 300), radar('radar.1', 20, 0, stamp)];
    const early = new FusionEngine();
    const late = new FusionEngine();
    for (const t of pair) early.upsert(t);
    let fusedAt: number | undefined;
    for (let now = T0; now <= stamp + 20_000; now += 500) {
      if (now === T0 + 7_000) for (const t of pair) late.upsert(t);
      early.scan(now);
      late.scan(now);
      if (now >= T0 + 7_000) expect(late.fused()).toEqual(early.fused());
      if (now < stamp - lead) {
        // Held: counted, and the engine asks to be scanned when the earlier stamp comes within the lead.
        expect(early.fused()).toEqual([]);
        expect(early.stats().ahead).toBe(now < stamp - 300 - lead ? 2 : 1);
        expect(early.nextDue()).toBeLessThanOrEqual(now < stamp - 300 - lead ? stamp - 300 - lead : stamp - lead);
      } else expect(early.stats().ahead).toBe(0);
      if (fusedAt === undefined && early.fused().length > 0) fusedAt = now;
    }
    expect(fusedAt).toBe(stamp - lead + early.config.confirmDwellMs);
    // Timed by its stamp, not by any arrival.
    expect(early.fused()[0]!.time).toBe(stamp);
  });

  it('a fused source whose new version is stamped ahead leaves the fused track, and fuses again once within the lead', () => {
    const f = new FusionEngine();
    for (let k = 0; k < 3; k++) {
      f.upsert(eo('eo.1', 0, 0, T0 + k * 1000));
      f.upsert(radar('radar.1', 20, 0, T0 + k * 1000));
      f.scan(T0 + k * 1000);
    }
    expect(f.fused()).toHaveLength(1);
    f.upsert(radar('radar.1', 20, 0, T0 + 30_000));
    expect(kinds(f.scan(T0 + 3_000))).toEqual(['removed']);
    expect(f.stats().ahead).toBe(1);
    expect(f.nextDue()).toBe(T0 + 30_000 - f.config.maxLeadMs);
  });
});

describe('gating edge cases, end to end', () => {
  /** Three scans of two tracks at fixed positions; the fused tracks after them. */
  function fuseAt(a: Position, b: Position): ReturnType<FusionEngine['fused']> {
    const f = new FusionEngine();
    for (let k = 0; k < 3; k++) {
      const t = T0 + k * 1000;
      f.upsert({ id: 'eo.x' as EntityId, sensorId: 'eo', time: t, position: a });
      f.upsert({ id: 'radar.x' as EntityId, sensorId: 'radar', time: t, position: b });
      f.scan(t);
    }
    return f.fused();
  }

  it('fuses across the antimeridian, and the fused longitude stays in range', () => {
    const fused = fuseAt({ lat: 10, lon: 179.99995, accuracy: 5 }, { lat: 10, lon: -179.99995, accuracy: 20 });
    expect(fused).toHaveLength(1);
    const p = fused[0]!.fusion.position;
    expect(p.lon).toBeGreaterThanOrEqual(-180);
    expect(p.lon).toBeLessThanOrEqual(180);
    expect(bearingDistance(p, { lat: 10, lon: 179.99995 }).distance).toBeLessThan(0.05);
  });

  it('fuses two tracks either side of the north pole, and two 4.4 km apart there do not', () => {
    expect(fuseAt({ lat: 89.9999, lon: 0, accuracy: 5 }, { lat: 89.9999, lon: 180, accuracy: 20 })).toHaveLength(1);
    expect(fuseAt({ lat: 89.98, lon: 0, accuracy: 5 }, { lat: 89.98, lon: 180, accuracy: 20 })).toEqual([]);
  });

  it('a track without covariance or accuracy, or with a covariance that is not positive definite, gates on the default σ', () => {
    const eoAt = offset(BASE, 0, 0);
    const far = offset(BASE, 100, 0);
    // 100 m apart: d² = 100² / (25 + 50²) ≈ 4 inside the gate at the default σ 50 m.
    expect(fuseAt({ ...eoAt, accuracy: 5 }, { ...far })).toHaveLength(1);
    expect(fuseAt({ ...eoAt, accuracy: 5 }, { ...far, covariance: [0, 0, 0] })).toHaveLength(1);
    expect(fuseAt({ ...eoAt, accuracy: 5 }, { ...far, covariance: [100, 200, 100] })).toHaveLength(1);
    // With a real covariance of σ 5 m, the same 100 m is far outside.
    expect(fuseAt({ ...eoAt, accuracy: 5 }, { ...far, covariance: [25, 0, 25] })).toEqual([]);
  });
});

describe('age and staleness: a fused track whose sources stopped', () => {
  /** An EO and a radar track of one object reported together each second from T0 to T0 + 4 s, then never again. */
  function fusedThenSilent(): { f: FusionEngine; last: number } {
    const f = new FusionEngine();
    let last = T0;
    for (let k = 0; k < 5; k++) {
      last = T0 + k * 1_000;
      f.upsert(eo('eo.a', 0, 0, last));
      f.upsert(radar('radar.a', 20, 0, last));
      f.scan(last);
    }
    expect(f.fused()).toHaveLength(1);
    return { f, last };
  }
  const only = (f: FusionEngine) => f.fused()[0]!.fusion;

  it('keeps its confidence while fresh, loses it in steps with age, and is marked stale when the map dims its sources', () => {
    const { f, last } = fusedThenSilent();
    const live = only(f).confidence;
    expect(live).toBeGreaterThan(0.5);
    expect(only(f).stale).toBeUndefined();
    const { freshForMs, staleAfterMs } = f.config;
    expect(staleAfterMs).toBe(STALE_AFTER_MS);
    // Up to freshForMs of silence nothing changes, and the engine asks for a scan after it (at the
    // next time on the age steps' grid, which fused tracks aging at different moments share).
    expect(f.scan(last + freshForMs)).toEqual([]);
    expect(f.nextDue()).toBe(ageDueAt(last + freshForMs + 1));
    expect(f.nextDue() - (last + freshForMs + 1)).toBeLessThan(AGE_DUE_GRID_MS);
    // From then on the confidence falls at every step the engine asks to be scanned at, never rises.
    const seen: number[] = [];
    let at = f.nextDue();
    while (Number.isFinite(at)) {
      expect(kinds(f.scan(at))).toEqual(['updated']);
      seen.push(only(f).confidence);
      at = f.nextDue();
    }
    expect(seen.length).toBeGreaterThanOrEqual(9);
    for (let k = 1; k < seen.length; k++) expect(seen[k]!).toBeLessThan(seen[k - 1]!);
    expect(seen[0]!).toBeLessThan(live);
    // Past the stale age (the map's rule: older than STALE_AFTER_MS): stale, confidence 0, still
    // fused at its last position (its sources are still in the picture), and nothing more to scan for.
    expect(only(f)).toMatchObject({ stale: true, confidence: 0 });
    expect(isStaleFix(f.fused()[0]!.time, last + staleAfterMs)).toBe(false);
    expect(isStaleFix(f.fused()[0]!.time, last + staleAfterMs + 1)).toBe(true);
    expect(f.scan(last + staleAfterMs + 60_000)).toEqual([]);
  });

  it('fused tracks that fell silent at different moments share their age scans (a grid of the clock)', () => {
    // Ten objects whose reports stop one after another, 1.3 s apart.
    const f = new FusionEngine();
    let t = T0;
    for (let k = 0; k < 5; k++) {
      t = T0 + k * 1_000;
      for (let n = 0; n < 10; n++) {
        f.upsert(eo(`eo.g${n}`, 2_000 * n, 0, t + 1_300 * n));
        f.upsert(radar(`radar.g${n}`, 2_000 * n + 20, 0, t + 1_300 * n));
      }
      f.scan(t + 1_300 * 9);
    }
    expect(f.fused()).toHaveLength(10);
    // Scanned only when due, until every fused track is stale: one scan per grid cell at most,
    // where one per step per track would be ~10 × 10.
    let scans = 0;
    for (let at = f.nextDue(); Number.isFinite(at); at = f.nextDue()) {
      f.scan(at);
      scans++;
    }
    expect(f.fused().every((x) => x.fusion.stale === true)).toBe(true);
    expect(scans).toBeLessThanOrEqual(Math.ceil((STALE_AFTER_MS + 1_300 * 9) / AGE_DUE_GRID_MS) + 1);
  });

  it('a report from either source makes it fresh again', () => {
    const { f, last } = fusedThenSilent();
    const live = only(f).confidence;
    f.scan(last + STALE_AFTER_MS + 1);
    expect(only(f).stale).toBe(true);
    const back = last + STALE_AFTER_MS + 2_000;
    f.upsert(eo('eo.a', 0, 0, back));
    f.upsert(radar('radar.a', 20, 0, back));
    f.scan(back);
    expect(only(f).stale).toBeUndefined();
    expect(only(f).confidence).toBe(live);
  });

  it('a live feed never ages: the same confidence at every scan', () => {
    const f = new FusionEngine();
    const confidences = new Set<number>();
    for (let k = 0; k < 300; k++) {
      const t = T0 + k * 1_000;
      f.upsert(eo('eo.a', 0, 0, t));
      f.upsert(radar('radar.a', 20, 0, t));
      // Scanned 0.5 s after the reports (a host's latency).
      f.scan(t + 500);
      if (k >= 10) confidences.add(only(f).confidence);
    }
    expect(confidences.size).toBe(1);
    expect(only(f).stale).toBeUndefined();
  });
});

describe('a decoy: a third sensor`s track that comes and goes near a pair written once', () => {
  /**
   * An EO and a radar track of one object, written once at T0. A third sensor (an AIS report, which
   * the sequential assignment takes first: "ais" < "eo") appears for a second every 4 s 30 m south
   * of the EO, gated with the EO but not with the radar, and takes the EO into its group while it
   * is there. The pair EO + radar is the better match throughout (d² 1.8 against 7.2).
   */
  function run(f: FusionEngine): string[] {
    f.upsert(at('eo.d', 'eo', 0, 0, T0, { accuracy: 5 }));
    f.upsert(at('radar.d', 'radar', 0, 15, T0, { accuracy: 10 }));
    for (let ms = 0; ms <= 30_000; ms += 500) {
      const phase = ms % 4_000;
      if (phase === 1_000) f.upsert(at('ais.x', 'ais', 0, -30, T0, { accuracy: 10 }));
      if (phase === 2_000) f.remove('ais.x' as EntityId);
      f.scan(T0 + ms);
    }
    return f.fused().map((t) => t.fusion.sources.join(' '));
  }

  it('does not keep the pair from fusing: a scan that leaves it apart without outscoring it keeps its dwell', () => {
    expect(run(new FusionEngine())).toEqual(['eo.d radar.d']);
  });

  it('a rival of the radar`s own sensor that beats it does restart the dwell (the pair is outscored)', () => {
    const f = new FusionEngine();
    f.upsert(at('eo.d', 'eo', 0, 0, T0, { accuracy: 5 }));
    f.upsert(at('radar.d', 'radar', 0, 15, T0, { accuracy: 10 }));
    const fusedAt: number[] = [];
    for (let ms = 0; ms <= 30_000; ms += 500) {
      const phase = ms % 4_000;
      // A closer radar track, 3 m from the EO, for a second every 4 s.
      if (phase === 1_000) f.upsert(at('radar.x', 'radar', 0, 3, T0, { accuracy: 10 }));
      if (phase === 2_000) f.remove('radar.x' as EntityId);
      f.scan(T0 + ms);
      if (f.fused().length > 0) fusedAt.push(ms);
    }
    expect(fusedAt).toEqual([]);
  });
});
