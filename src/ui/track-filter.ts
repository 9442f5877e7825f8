import { THREAT_LEVELS, type ThreatLevel } from '../core/entity/component-types';
import type { EntityView } from '../node/node-api';
import { labelOf, threatOf } from './format';

export interface TrackFilter {
  /** Case-insensitive substring of the id or the classification label. */
  readonly text: string;
  readonly minThreat: ThreatLevel | '';
  readonly conflictedOnly: boolean;
}

export const NO_FILTER: TrackFilter = { text: '', minThreat: '', conflictedOnly: false };

export interface FilteredTracks {
  readonly shown: readonly EntityView[];
  /** How many matched before the display cap. */
  readonly matched: number;
}

const rank = (v: EntityView): number => {
  const t = threatOf(v);
  return t === undefined ? -1 : THREAT_LEVELS.indexOf(t);
};

/**
 * Matching tracks, most threatening first, at most `cap` of them. One linear pass with a bucket
 * per threat level instead of a sort, so a picture of 10k moving tracks costs well under a frame;
 * within a level the order is the caller's (arrival order), which keeps rows from jumping around.
 */
export function filterTracks(all: readonly EntityView[], f: TrackFilter, cap: number): FilteredTracks {
  const text = f.text.trim().toLowerCase();
  const min = f.minThreat === '' ? -1 : THREAT_LEVELS.indexOf(f.minThreat);
  const buckets: EntityView[][] = THREAT_LEVELS.map(() => []);
  const unrated: EntityView[] = [];
  let matched = 0;
  for (const v of all) {
    if (f.conflictedOnly && v.conflicts.length === 0) continue;
    const r = rank(v);
    if (r < min) continue;
    if (text !== '' && !v.id.toLowerCase().includes(text) && !labelOf(v).toLowerCase().includes(text)) continue;
    matched++;
    (r < 0 ? unrated : buckets[r]!).push(v);
  }
  const shown: EntityView[] = [];
  for (const bucket of [...buckets.reverse(), unrated]) {
    for (const v of bucket) {
      if (shown.length >= cap) return { shown, matched };
      shown.push(v);
    }
  }
  return { shown, matched };
}
