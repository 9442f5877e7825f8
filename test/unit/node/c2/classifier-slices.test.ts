/**
 * The classifier's pass in slices (src/node/track-classifier.ts, docs/c2-pipeline.md "The priority
 * lane"): with a host that gives later tasks, a pass over more tracks than CLASSIFY_SLICE judges at
 * most that many per task, so the worker's other ready work (a peer's frame, the approvals cue)
 * runs between slices instead of behind the whole pass.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentMeta, EntityView } from '../../../../src/core/store/entity-view';
import { asEntityId, asNodeId, type EntityId } from '../../../../src/core/ids';
import { CLASSIFY_SLICE, TrackClassifier } from '../../../../src/node/track-classifier';

const SELF = asNodeId('node-a');

function track(id: string, lat: number): EntityView {
  const meta: ComponentMeta = { version: '0', author: SELF, time: 1_000, conflict: false, heads: 1 };
  return {
    id: asEntityId(id),
    components: { source: { sensorId: 'eo-1', sensorType: 'eo' }, position: { lat, lon: 10 } },
    meta: { source: meta, position: meta },
    conflicts: [],
    updatedAt: 1_000,
  };
}

function setup(withSlices: boolean) {
  const n = 2 * CLASSIFY_SLICE + 50;
  const views = new Map<EntityId, EntityView>();
  for (let i = 0; i < n; i++) views.set(asEntityId(`t${i.toString()}`), track(`t${i.toString()}`, 40 + i / 1000));
  const written: string[] = [];
  const slices: (() => void)[] = [];
  const classifier = new TrackClassifier({
    self: SELF,
    defended: { lat: 51.4775, lon: -0.4614 },
    now: () => 2_000,
    view: (id) => views.get(id),
    update: (id) => {
      written.push(id);
      return Promise.resolve();
    },
    log: () => undefined,
    ...(withSlices ? { nextSlice: () => new Promise<void>((resolve) => slices.push(resolve)) } : {}),
  });
  for (const id of views.keys()) classifier.changed(id, true);
  const release = async (): Promise<void> => {
    slices.shift()!();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { n, written, slices, classifier, release };
}

describe('the classifier pass in slices', () => {
  it('judges at most CLASSIFY_SLICE tracks per task, the rest in later tasks, each track once', async () => {
    const s = setup(true);
    s.classifier.run();
    // Every track is new (no classification yet): each judged track is written.
    expect(s.written).toHaveLength(CLASSIFY_SLICE);
    expect(s.slices).toHaveLength(1);
    // A run while the pass is under way starts no second pass.
    s.classifier.run();
    expect(s.written).toHaveLength(CLASSIFY_SLICE);
    await s.release();
    expect(s.written).toHaveLength(2 * CLASSIFY_SLICE);
    await s.release();
    expect(s.written).toHaveLength(s.n);
    expect(new Set(s.written).size).toBe(s.n);
    expect(s.slices).toHaveLength(0);
  });

  it('stops between slices when the node stops', async () => {
    const s = setup(true);
    s.classifier.run();
    s.classifier.stop();
    await s.release();
    expect(s.written).toHaveLength(CLASSIFY_SLICE);
  });

  it('without a host for later tasks, judges the whole pass at once', () => {
    const s = setup(false);
    s.classifier.run();
    expect(s.written).toHaveLength(s.n);
  });
});
