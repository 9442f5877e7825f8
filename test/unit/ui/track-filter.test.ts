import { describe, expect, it } from 'vitest';
import { STALE_AFTER_MS } from '../../../src/core/entity/staleness';
import type { EntityView } from '../../../src/node/node-api';
import { Picture } from '../../../src/ui/picture';
import { activeFilters, NO_FILTER, orderTracks, rowStale, type TrackFilter } from '../../../src/ui/track-filter';

const NOW = 1_800_000_000_000;
const NODE = 'nodeAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** A track view as the node sends it; `fixedAgo` how long ago its position was written. */
function track(
  id: string,
  parts: Record<string, unknown>,
  opts: { conflicts?: string[]; fixedAgo?: number } = {},
): EntityView {
  const time = NOW - (opts.fixedAgo ?? 1000);
  const meta: Record<string, unknown> = {};
  for (const kind of Object.keys(parts)) {
    meta[kind] = {
      version: `${time.toString(16).padStart(12, '0')}0000${NODE}`,
      author: NODE,
      time,
      conflict: false,
      heads: 1,
    };
  }
  return { id, components: parts, meta, conflicts: opts.conflicts ?? [], updatedAt: time } as unknown as EntityView;
}

const here = { lat: 59.33, lon: 18.06 };
const cls = (label: string, disposition: string) => ({ label, disposition, environment: 'SURFACE', confidence: 1 });

function picture(): Picture {
  const p = new Picture();
  p.replace([
    track('quiet', { position: here }),
    track('eo-friend', {
      classification: cls('Blue 1', 'FRIENDLY'),
      threat: { level: 'NONE' },
      source: { sensorId: 'c1', sensorType: 'eo' },
      position: here,
    }),
    track('radar-hostile', {
      classification: cls('Gunboat', 'HOSTILE'),
      threat: { level: 'HIGH' },
      source: { sensorId: 'r1', sensorType: 'radar' },
      position: here,
    }),
    track('fused-suspect', {
      classification: cls('Skiff', 'SUSPICIOUS'),
      threat: { level: 'MEDIUM' },
      fusion: { sources: ['a', 'b'], position: here, confidence: 0.8 },
      position: here,
    }),
    track('old-contact', { classification: cls('Ferry', 'NEUTRAL'), position: here }, { fixedAgo: STALE_AFTER_MS + 1 }),
    track('argued', { threat: { level: 'HIGH' } }, { conflicts: ['threat'] }),
    track('expired', { position: here, expiry: { at: NOW - 1 } }),
  ]);
  return p;
}

const order = (f: Partial<TrackFilter>): string[] => orderTracks(picture(), { ...NO_FILTER, ...f }, NOW);

describe('the track list order over the picture columns', () => {
  it('puts the most threatening first, in arrival order within a level, the unrated last', () => {
    expect(order({})).toEqual([
      'radar-hostile',
      'argued',
      'fused-suspect',
      'eo-friend',
      'quiet',
      'old-contact',
      'expired',
    ]);
  });

  it('filters by identity, threat, source, fused, conflicts, age and text, a missing component passing only "any"', () => {
    expect(order({ dispositions: ['HOSTILE', 'SUSPICIOUS'] })).toEqual(['radar-hostile', 'fused-suspect']);
    expect(order({ threats: ['HIGH'] })).toEqual(['radar-hostile', 'argued']);
    expect(order({ threats: ['NONE'] })).toEqual(['eo-friend']);
    expect(order({ sources: ['eo'] })).toEqual(['eo-friend']);
    expect(order({ sources: ['eo', 'radar'] })).toEqual(['radar-hostile', 'eo-friend']);
    expect(order({ fusedOnly: true })).toEqual(['fused-suspect']);
    expect(order({ conflictedOnly: true })).toEqual(['argued']);
    expect(order({ staleness: 'stale' })).toEqual(['old-contact', 'expired']);
    expect(order({ staleness: 'fresh' })).toEqual(['radar-hostile', 'argued', 'fused-suspect', 'eo-friend', 'quiet']);
    expect(order({ text: ' SKIFF ' })).toEqual(['fused-suspect']);
    expect(order({ text: 'hostile' })).toEqual(['radar-hostile']);
    expect(order({ threats: ['HIGH'], text: 'arg' })).toEqual(['argued']);
    expect(activeFilters({ ...NO_FILTER, threats: ['HIGH'], staleness: 'fresh', text: 'x' })).toBe(2);
  });

  it('reads a moved track from its row, not its base view', () => {
    const p = picture();
    const slot = p.slotOf('quiet');
    expect(rowStale(p.columns, slot, NOW)).toBe(false);
    // The row's fix time as a batch would write it: ten minutes old.
    p.columns.positionTime[slot] = NOW - STALE_AFTER_MS - 1;
    expect(orderTracks(p, { ...NO_FILTER, staleness: 'stale' }, NOW)).toContain('quiet');
  });

  it('keeps to the order the ids came in after one is removed and its slot reused', () => {
    const p = picture();
    p.delete('eo-friend');
    p.set(track('late-none', { threat: { level: 'NONE' } }));
    expect(orderTracks(p, NO_FILTER, NOW).slice(3, 5)).toEqual(['late-none', 'quiet']);
  });
});
