import { describe, expect, it } from 'vitest';
import type { Approval } from '../../../src/core/entity/component-types';
import type { NodeId } from '../../../src/core/ids';
import { summarize } from '../../../src/ui/format';
import { readable } from '../../../src/ui/readable';

const NODE = '3f9a1c2e7b6d4058a1e2c3d4e5f60718' as NodeId;
const decided: Approval = {
  requestId: `018bcfe5680000${'00'}${NODE}`,
  state: 'denied',
  reason: 'HOSTILE 0.90, closing 150 m/s',
  requestedAt: 1_700_000_000_000,
  deadline: 1_700_000_030_000,
  decidedBy: NODE,
  decidedOn: NODE,
  decidedAt: 1_700_000_010_000,
};

describe('an approval in the track list and the inspector', () => {
  it('names the decider by a short node id, as node ids show everywhere else', () => {
    expect(summarize('approval', decided)).toBe('denied by 3f9a1c2e…');
    expect(summarize('approval', { ...decided, state: 'timed_out', decidedBy: 'auto' })).toBe('timed_out by the gate');
    expect(readable('approval', decided, 'latlon')).toEqual([
      { label: 'State', text: 'denied' },
      { label: 'Decided by', text: '3f9a1c2e7b6d4058…' },
      { label: 'Decided on', text: 'node 3f9a1c2e7b6d4058…' },
    ]);
  });
});

describe('a fused track in the track list and the inspector', () => {
  const fusion = { sources: ['eo-1', 'radar-1'], position: { lat: 0, lon: 0 }, confidence: 0.42 };
  it('reads its sources and confidence, and says when its engine marked it stale', () => {
    expect(summarize('fusion', fusion as never)).toBe('2 sources · 42%');
    expect(summarize('fusion', { ...fusion, confidence: 0, stale: true } as never)).toBe('2 sources · 0% · stale');
  });
});
