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
import { TrackClassifier } from '../../../../src/node/track-classifier';
import { approvalOf, threatOf, track } from './gate-fixtures';
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
});
