/**
 * What the node's classifier writes (src/node/track-classifier.ts, docs/c2-pipeline.md "Wiring").
 */
import { describe, expect, it } from 'vitest';
import { MAX_TEXT } from '../../../../src/core/entity/bounds';
import type { Classification } from '../../../../src/core/entity/component-types';
import { validateComponent } from '../../../../src/core/entity/validate-component';
import { asEntityId, asNodeId } from '../../../../src/core/ids';
import { offset } from '../../../../src/core/sim/geo';
import type { ComponentMeta, EntityView } from '../../../../src/core/store/entity-view';
import { DEFENDED_POINT } from '../../../../src/node/c2-pipeline';
import { OWNER_SILENT_MS, TrackClassifier } from '../../../../src/node/track-classifier';
import { approvalOf, refresh, threatOf, track } from './gate-fixtures';
import { ManualClock, openNode } from './manual-node';

describe('the classifier in the node', () => {
  it('a cue label longer than a classification label holds back neither the threat nor the request', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    const components = track();
    const label = 'x'.repeat(MAX_TEXT + 1);
    components.cue = { ...(components.cue as object), label };
    await node.create({ id: 'h1', components });
    await clock.advance(3_000);
    expect(await threatOf(node, 'h1')).toBe('HIGH');
    expect(await approvalOf(node, 'h1')).toMatchObject({ state: 'pending' });
    expect(await node.approvals()).toHaveLength(1);
    const c = (await node.get('h1'))!.components.classification as Classification;
    expect(c).toMatchObject({ disposition: 'HOSTILE', label: label.slice(0, MAX_TEXT) });
  });

  it('a label is cut between code points, never inside a surrogate pair', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    const components = track();
    // 63 units then a pair: a cut at 64 would leave a lone surrogate, which no write may carry.
    const label = 'x'.repeat(MAX_TEXT - 1) + '\u{1F6E9}tail';
    components.cue = { ...(components.cue as object), label };
    await node.create({ id: 'h1', components });
    await clock.advance(3_000);
    expect(await threatOf(node, 'h1')).toBe('HIGH');
    const c = (await node.get('h1'))!.components.classification as Classification;
    expect(c.label).toBe('x'.repeat(MAX_TEXT - 1));
  });

  it('a classification the store refuses is left out: the threat is written alone', async () => {
    // A label no write may carry (a lone surrogate) on a cue that reached the classifier unchecked.
    const id = asEntityId('h1');
    const self = asNodeId('nodeA');
    const components: Record<string, unknown> = {
      ...track(),
      position: { ...offset(DEFENDED_POINT, 0, 2_000), alt: 3_000 },
      cue: { label: 'bad \uD800', disposition: 'HOSTILE', environment: 'AIR', confidence: 0.95 },
    };
    const meta: Record<string, ComponentMeta> = {};
    for (const kind of Object.keys(components)) {
      meta[kind] = { version: '0', author: self, time: 0, conflict: false, heads: 1 };
    }
    const written: Record<string, unknown>[] = [];
    const classifier = new TrackClassifier({
      self,
      defended: DEFENDED_POINT,
      now: () => 0,
      view: () => ({ id, components: { ...components }, meta: { ...meta }, conflicts: [], updatedAt: 0 }) as EntityView,
      // The store refuses a write whole when one of its components is invalid.
      update: async (_id, writes) => {
        for (const [kind, value] of Object.entries(writes)) validateComponent(kind, value);
        written.push(writes);
        Object.assign(components, writes);
      },
      log: () => undefined,
    });
    classifier.changed(id, true);
    classifier.run();
    await Promise.resolve();
    expect(written).toEqual([{ threat: { level: 'HIGH' } }]);
  });

  it("another node's track is classified here once its position was last heard more than OWNER_SILENT_MS ago, not at it", async () => {
    const id = asEntityId('h1');
    const components: Record<string, unknown> = {
      ...track(),
      position: { ...offset(DEFENDED_POINT, 0, 2_000), alt: 3_000 },
    };
    const meta: Record<string, ComponentMeta> = {};
    for (const kind of Object.keys(components)) {
      meta[kind] = { version: '0', author: asNodeId('nodeA'), time: 0, conflict: false, heads: 1 };
    }
    // A wall clock (ms since 1970), started before the position is heard.
    const start = 1_767_000_000_123;
    let now = start;
    const written: Record<string, unknown>[] = [];
    const classifier = new TrackClassifier({
      self: asNodeId('nodeB'),
      defended: DEFENDED_POINT,
      now: () => now,
      view: () => ({ id, components: { ...components }, meta: { ...meta }, conflicts: [], updatedAt: 0 }) as EntityView,
      update: async (_id, writes) => void written.push(writes),
      log: () => undefined,
    });
    now = start + 7_000;
    classifier.changed(id, true);
    for (const at of [start + 7_000, start + 7_000 + OWNER_SILENT_MS]) {
      now = at;
      classifier.changed(id);
      classifier.run();
    }
    await Promise.resolve();
    expect(written).toEqual([]);
    now = start + 7_000 + OWNER_SILENT_MS + 1;
    classifier.changed(id);
    classifier.run();
    await Promise.resolve();
    expect(written).toHaveLength(1);
    expect(written[0]).toHaveProperty('threat');
    // Heard again: silent no more, whatever the time since the start.
    written.length = 0;
    now += 60_000;
    classifier.changed(id, true);
    classifier.run();
    await Promise.resolve();
    expect(written).toEqual([]);
  });

  it("a HIGH written by hand on the classifier's node gets `set by`, never the classifier's reason", async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    await node.create({ id: 'h1', components: track() });
    await clock.advance(1_000);
    expect((await approvalOf(node, 'h1'))!.reason).toMatch(/^HOSTILE/);
    // The sensor now says neutral: the classifier lowers the threat (and keeps why).
    await refresh(node, 'h1', 'NEUTRAL');
    await clock.advance(1_000);
    expect(await threatOf(node, 'h1')).not.toBe('HIGH');
    // An operator on this node sets it HIGH by hand: its request is not explained by the classifier.
    await node.update('h1', { threat: { level: 'HIGH' } });
    await clock.advance(0);
    const approval = (await approvalOf(node, 'h1'))!;
    expect(approval.state).toBe('pending');
    expect(approval.requestId).toBe((await node.get('h1'))!.meta.threat!.version);
    expect(approval.reason).toBe('threat HIGH set by nodeA');
  });

  it('a track whose cue faded to nothing is no longer judged on every pass', async () => {
    const id = asEntityId('h1');
    const self = asNodeId('nodeA');
    let now = 0;
    const components: Record<string, unknown> = {
      ...track(),
      position: { ...offset(DEFENDED_POINT, 0, 30_000), alt: 3_000 },
      velocity: { east: 150, north: 0 },
    };
    const meta: Record<string, ComponentMeta> = {};
    for (const kind of Object.keys(components)) {
      meta[kind] = { version: '0', author: self, time: 0, conflict: false, heads: 1 };
    }
    let views = 0;
    const classifier = new TrackClassifier({
      self,
      defended: DEFENDED_POINT,
      now: () => now,
      view: () => {
        views += 1;
        return { id, components: { ...components }, meta: { ...meta }, conflicts: [], updatedAt: 0 } as EntityView;
      },
      update: async (_id, writes) => void Object.assign(components, writes),
      log: () => undefined,
    });
    classifier.changed(id, true);
    for (now = 0; now <= 9_000; now += 1_000) classifier.run();
    // While the cue fades the track is judged on every pass, though nothing is written to it.
    views = 0;
    classifier.run();
    expect(views).toBeGreaterThan(0);
    // Faded to nothing (10 s): judged once more (its classification falls to unknown), then left alone.
    now = 10_000;
    classifier.run();
    await Promise.resolve();
    expect((components.classification as Classification).label).toBe('unknown');
    views = 0;
    for (now = 11_000; now <= 15_000; now += 1_000) classifier.run();
    expect(views).toBe(0);
    // A fresh cue brings it back.
    meta.cue = { ...meta.cue!, time: now };
    classifier.changed(id);
    classifier.run();
    views = 0;
    now += 1_000;
    classifier.run();
    expect(views).toBe(1);
  });
});
