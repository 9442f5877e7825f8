/**
 * A sensor's "cannot tell" does not undo an identity it reported a moment before (identityCue in
 * src/core/classify/classifier.ts, docs/c2-pipeline.md "Classifier"). The EO simulator sends an
 * unsure UNKNOWN cue in about one report of twenty; judged on that cue alone, a hostile closing
 * on the defended point fell from HIGH for one second, its approval request was cancelled, and a
 * new one with a fresh deadline was raised on the next report.
 */
import { describe, expect, it } from 'vitest';
import type { Cue } from '../../../../src/core/classify/classifier';
import { identityCue } from '../../../../src/core/classify/classifier';
import type { ComponentMeta, EntityView } from '../../../../src/core/store/entity-view';
import { asEntityId, asNodeId } from '../../../../src/core/ids';
import { offset } from '../../../../src/core/sim/geo';
import { TrackClassifier } from '../../../../src/node/track-classifier';

const SELF = asNodeId('node-a');
const DEFENDED = { lat: 51.4775, lon: -0.4614 };
const HOSTILE_CUE = { label: 'uav', disposition: 'HOSTILE', environment: 'AIR', confidence: 0.74 } as const;
const UNSURE_CUE = { label: 'unknown', disposition: 'UNKNOWN', environment: 'AIR', confidence: 0.3 } as const;
const FRIENDLY_CUE = { label: 'blue', disposition: 'FRIENDLY', environment: 'AIR', confidence: 0.9 } as const;

/** 10 km north of the defended point, flying south at 200 m/s: 50 s to go. */
function setup() {
  let now = 10_000;
  const components: Record<string, unknown> = {
    source: { sensorId: 'eo-1', sensorType: 'eo' },
    position: offset(DEFENDED, 0, 10_000),
    velocity: { east: 0, north: -200 },
  };
  const meta: Record<string, ComponentMeta> = {};
  const stamp = (kind: string): void => {
    meta[kind] = { version: '0', author: SELF, time: now, conflict: false, heads: 1 };
  };
  for (const kind of Object.keys(components)) stamp(kind);
  const id = asEntityId('trk');
  const classifier = new TrackClassifier({
    self: SELF,
    defended: DEFENDED,
    now: () => now,
    view: () => ({ id, components: { ...components }, meta: { ...meta }, conflicts: [], updatedAt: now }) as EntityView,
    update: (_id, writes) => {
      for (const [kind, value] of Object.entries(writes)) {
        components[kind] = value;
        stamp(kind);
      }
      return Promise.resolve();
    },
    log: () => undefined,
  });
  /** A sensor report with `cue` at `at` ms, then one classifier pass. */
  const report = (at: number, cue: Omit<Cue, 'ageMs'>): void => {
    now = at;
    components.cue = cue;
    stamp('cue');
    classifier.changed(id, true);
    classifier.run();
  };
  /** A classifier pass at `at` ms with nothing new written (the host's 1-s tick). */
  const tick = (at: number): void => {
    now = at;
    classifier.run();
  };
  const level = (): string => (components.threat as { level: string } | undefined)?.level ?? 'NONE';
  const disposition = (): string => (components.classification as { disposition: string }).disposition;
  return { report, tick, level, disposition };
}

describe('an unsure cue between confident ones', () => {
  it('keeps a closing hostile HIGH and HOSTILE through one unsure report', () => {
    const t = setup();
    t.report(10_000, HOSTILE_CUE);
    expect(t.level()).toBe('HIGH');
    t.report(11_000, UNSURE_CUE);
    expect(t.level()).toBe('HIGH');
    expect(t.disposition()).toBe('HOSTILE');
    t.report(12_000, HOSTILE_CUE);
    expect(t.level()).toBe('HIGH');
  });

  it('lets the identity fade when only unsure reports follow it', () => {
    const t = setup();
    t.report(10_000, HOSTILE_CUE);
    expect(t.level()).toBe('HIGH');
    for (let at = 11_000; at <= 20_000; at += 1_000) t.report(at, UNSURE_CUE);
    // 10 s after the last hostile report its confidence has faded below the unsure cue's.
    expect(t.disposition()).toBe('UNKNOWN');
    expect(t.level()).not.toBe('HIGH');
  });

  it('takes a cue naming another identity at once', () => {
    const t = setup();
    t.report(10_000, HOSTILE_CUE);
    t.report(11_000, FRIENDLY_CUE);
    expect(t.disposition()).toBe('FRIENDLY');
    expect(t.level()).toBe('NONE');
    t.tick(12_000);
    expect(t.level()).toBe('NONE');
  });
});

describe('identityCue', () => {
  const at = (cue: Omit<Cue, 'ageMs'>, ageMs: number): Cue => ({ ...cue, ageMs });
  it('keeps the latest cue when it names an identity, or when nothing named one before', () => {
    expect(identityCue(at(FRIENDLY_CUE, 0), at(HOSTILE_CUE, 1_000), 10_000).disposition).toBe('FRIENDLY');
    expect(identityCue(at(UNSURE_CUE, 0), undefined, 10_000).disposition).toBe('UNKNOWN');
  });
  it('keeps the remembered identity only while its faded confidence is at least the unsure cue’s', () => {
    // 0.74 × (1 − 5/10) = 0.37 ≥ 0.3
    expect(identityCue(at(UNSURE_CUE, 0), at(HOSTILE_CUE, 5_000), 10_000).disposition).toBe('HOSTILE');
    // 0.74 × (1 − 7/10) = 0.22 < 0.3
    expect(identityCue(at(UNSURE_CUE, 0), at(HOSTILE_CUE, 7_000), 10_000).disposition).toBe('UNKNOWN');
  });
});
