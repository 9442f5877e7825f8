/** The classifier: threat rises for an approaching hostile, falls when it turns away or the cue goes, with hysteresis. */
import { describe, expect, it } from 'vitest';
import { validateComponent } from '../../../../src/core/entity/validate-component';
import type { ThreatLevel } from '../../../../src/core/entity/component-types';
import {
  DEFAULT_CLASSIFIER,
  HOSTILITY,
  classify,
  type ClassifierConfig,
  type Cue,
} from '../../../../src/core/classify/classifier';
import { threatLevel } from '../../../../src/core/classify/threat-level';
import { destination } from '../../../../src/core/sim/geo';
import { Simulation } from '../../../../src/core/sim/simulation';

const DEFENDED = { lat: 52.37, lon: 4.89 };
const cfg: ClassifierConfig = { ...DEFAULT_CLASSIFIER, defended: DEFENDED };
const RANK: Record<ThreatLevel, number> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3 };
const hostile: Cue = { label: 'uav', disposition: 'HOSTILE', environment: 'AIR', confidence: 0.9, ageMs: 0 };

/** A target `range` m out on bearing `from` (rad), flying at `speed` m/s toward (+1) or away (-1) from the point. */
function at(range: number, from: number, speed: number, sense: 1 | -1) {
  const p = destination(DEFENDED, from, range);
  const course = from + (sense === 1 ? Math.PI : 0);
  return {
    position: { ...p, alt: 1_000 },
    velocity: { east: speed * Math.sin(course), north: speed * Math.cos(course) },
  };
}

describe('classifier', () => {
  it('threat rises monotonically for an approaching hostile and reaches HIGH well before it arrives', () => {
    let level: ThreatLevel = 'NONE';
    const seen: ThreatLevel[] = [];
    for (let range = 60_000; range >= 2_000; range -= 2_000) {
      const out = classify({ cue: hostile, ...at(range, 0.3, 150, 1) }, level, cfg);
      expect(RANK[out.threat]).toBeGreaterThanOrEqual(RANK[level]);
      level = out.threat;
      seen.push(level);
      if (range === 14_000) expect(level).toBe('HIGH'); // 93 s to go
    }
    expect(seen[0]).not.toBe('HIGH');
    expect(new Set(seen).size).toBeGreaterThanOrEqual(3);
  });

  it('threat falls when the hostile turns away, and keeps falling as it opens', () => {
    let level: ThreatLevel = classify({ cue: hostile, ...at(12_000, 1, 150, 1) }, 'NONE', cfg).threat;
    expect(level).toBe('HIGH');
    const out = classify({ cue: hostile, ...at(12_000, 1, 150, -1) }, level, cfg);
    expect(RANK[out.threat]).toBeLessThan(RANK.HIGH);
    expect(out.reason).toMatch(/not closing/);
    level = out.threat;
    for (let range = 12_000; range <= 45_000; range += 3_000)
      level = classify({ cue: hostile, ...at(range, 1, 150, -1) }, level, cfg).threat;
    expect(RANK[level]).toBeLessThanOrEqual(RANK.LOW);
  });

  it('lowers the threat when the cue goes away (ages out), and the classification turns UNKNOWN', () => {
    const geo = at(15_000, 2, 200, 1);
    const high = classify({ cue: hostile, ...geo }, 'NONE', cfg);
    expect(high.threat).toBe('HIGH');
    expect(high.classification).toMatchObject({ disposition: 'HOSTILE', label: 'uav', confidence: 0.9 });
    const fading = classify({ cue: { ...hostile, ageMs: 5_000 }, ...geo }, 'HIGH', cfg);
    expect(fading.classification.confidence).toBeCloseTo(0.45, 2);
    const gone = classify({ cue: { ...hostile, ageMs: 20_000 }, ...geo }, fading.threat, cfg);
    expect(gone.classification).toMatchObject({ disposition: 'UNKNOWN', confidence: 0, label: 'unknown' });
    expect(RANK[gone.threat]).toBeLessThan(RANK.HIGH);
    expect(classify({ ...geo }, 'HIGH', cfg).threat).toBe(gone.threat);
  });

  it('friendly and neutral traffic heading straight in stays below HIGH; an unknown one never reaches HIGH', () => {
    for (const disposition of ['FRIENDLY', 'NEUTRAL', 'UNKNOWN'] as const) {
      let level: ThreatLevel = 'NONE';
      for (let range = 40_000; range >= 500; range -= 500) {
        level = classify({ cue: { ...hostile, disposition }, ...at(range, 4, 200, 1) }, level, cfg).threat;
        expect(level).not.toBe('HIGH');
      }
    }
  });

  it('hysteresis: a score wobbling around a threshold does not flap the level', () => {
    const levels: ThreatLevel[] = [];
    let l: ThreatLevel = 'NONE';
    for (const score of [0.62, 0.55, 0.52, 0.58, 0.5, 0.49, 0.58, 0.59, 0.6, 0.3, 0.26, 0.2, 0.06, 0.04]) {
      l = threatLevel(score, l);
      levels.push(l);
    }
    expect(levels).toEqual([
      'HIGH',
      'HIGH',
      'HIGH',
      'HIGH',
      'HIGH',
      'MEDIUM',
      'MEDIUM',
      'MEDIUM',
      'HIGH',
      'MEDIUM',
      'MEDIUM',
      'LOW',
      'LOW',
      'NONE',
    ]);
  });

  it('works on any track: no cue and no velocity gives UNKNOWN with a distance-only threat; outputs validate', () => {
    const far = classify({ position: destination(DEFENDED, 0, 30_000) }, 'NONE', cfg);
    expect(far.classification.disposition).toBe('UNKNOWN');
    expect(far.threat).toBe('NONE');
    // Anything unidentified inside the inner radius is worth a look, but never HIGH without a cue.
    const close = classify({ position: destination(DEFENDED, 0, 1_000) }, 'NONE', cfg);
    expect(close.threat).toBe('MEDIUM');
    for (const out of [far, close]) {
      expect(validateComponent('classification', out.classification)).toEqual(out.classification);
      expect(validateComponent('threat', { level: out.threat })).toEqual({ level: out.threat });
    }
  });

  it('on simulated EO tracks, some inbound hostile turns HIGH and later drops again', () => {
    const start = 1_700_000_000_000;
    const sim = new Simulation({ seed: 7, start, defended: DEFENDED, eo: { tracks: 40, hz: 1 } });
    const level = new Map<string, ThreatLevel>();
    const lastCue = new Map<string, { cue: Omit<Cue, 'ageMs'>; time: number }>();
    const rose = new Set<string>();
    const fell = new Set<string>();
    for (let t = start; t <= start + 1_200_000; t += 5_000) {
      for (const r of sim.advance(t)) {
        const c = r.components;
        if (c.cue) lastCue.set(r.entity, { cue: c.cue, time: r.time });
        const held = lastCue.get(r.entity);
        const cue = held ? { ...held.cue, ageMs: r.time - held.time } : undefined;
        const prev = level.get(r.entity) ?? 'NONE';
        const out = classify({ cue, position: c.position, velocity: c.velocity }, prev, cfg);
        if (out.threat === 'HIGH') rose.add(r.entity);
        if (prev === 'HIGH' && out.threat !== 'HIGH') fell.add(r.entity);
        level.set(r.entity, out.threat);
      }
    }
    expect(rose.size).toBeGreaterThan(0);
    expect(fell.size).toBeGreaterThan(0);
    // Only targets that really are hostile (or suspicious) ever went HIGH.
    const falseHigh = [...rose].filter((id) => {
      const t = sim.targets.find((x) => `sim-eo.${x.id}` === id)!;
      return HOSTILITY[t.identity.disposition] < HOSTILITY.SUSPICIOUS;
    });
    expect(falseHigh).toEqual([]);
  });
});
