import {
  DISPOSITIONS,
  SENSOR_TYPES,
  THREAT_LEVELS,
  type Disposition,
  type SensorType,
  type ThreatLevel,
} from '../core/entity/component-types';
import type { EntityView } from '../node/node-api';
import { labelOf, threatOf } from './format';
import { isStale } from './map/stale';

/** Which tracks by age: all, only those with a fresh fix, or only the stale ones. */
export const STALENESS = ['any', 'fresh', 'stale'] as const;
export type Staleness = (typeof STALENESS)[number];

/**
 * What the operator narrowed the list to. Each set left empty means "any": picking HOSTILE shows
 * hostile tracks only, picking HOSTILE and SUSPICIOUS shows both; a track without the component
 * (no classification, no threat, no source) passes only an empty set.
 */
export interface TrackFilter {
  /** Case-insensitive substring of the id or the classification label. */
  readonly text: string;
  readonly dispositions: readonly Disposition[];
  readonly threats: readonly ThreatLevel[];
  /** The sensor type of a sensor track (its `source` component). */
  readonly sources: readonly SensorType[];
  /** Only fused tracks (a `fusion` component). */
  readonly fusedOnly: boolean;
  /** Only tracks with a component in conflict. */
  readonly conflictedOnly: boolean;
  readonly staleness: Staleness;
}

export const NO_FILTER: TrackFilter = {
  text: '',
  dispositions: [],
  threats: [],
  sources: [],
  fusedOnly: false,
  conflictedOnly: false,
  staleness: 'any',
};

/** How many of the filter's parts narrow the list (the search text not counted): shown on the filter button. */
export function activeFilters(f: TrackFilter): number {
  return (
    (f.dispositions.length > 0 ? 1 : 0) +
    (f.threats.length > 0 ? 1 : 0) +
    (f.sources.length > 0 ? 1 : 0) +
    (f.fusedOnly ? 1 : 0) +
    (f.conflictedOnly ? 1 : 0) +
    (f.staleness === 'any' ? 0 : 1)
  );
}

export interface FilteredTracks {
  readonly shown: readonly EntityView[];
  /** How many matched before the display cap. */
  readonly matched: number;
}

const rank = (v: EntityView): number => {
  const t = threatOf(v);
  return t === undefined ? -1 : THREAT_LEVELS.indexOf(t);
};

/** A component's field when it is one of the allowed values (components may come from any node). */
function fieldOf<T extends string>(v: EntityView, kind: string, field: string, allowed: readonly T[]): T | undefined {
  const value = (v.components[kind] as Record<string, unknown> | undefined)?.[field];
  return allowed.includes(value as T) ? (value as T) : undefined;
}

function passes<T>(chosen: readonly T[], value: T | undefined): boolean {
  return chosen.length === 0 || (value !== undefined && chosen.includes(value));
}

function matches(v: EntityView, f: TrackFilter, text: string, now: number): boolean {
  if (f.conflictedOnly && v.conflicts.length === 0) return false;
  if (f.fusedOnly && v.components.fusion === undefined) return false;
  if (!passes(f.threats, threatOf(v))) return false;
  if (!passes(f.dispositions, fieldOf(v, 'classification', 'disposition', DISPOSITIONS))) return false;
  if (!passes(f.sources, fieldOf(v, 'source', 'sensorType', SENSOR_TYPES))) return false;
  if (f.staleness !== 'any' && isStale(v, now) !== (f.staleness === 'stale')) return false;
  return text === '' || v.id.toLowerCase().includes(text) || labelOf(v).toLowerCase().includes(text);
}

/**
 * Matching tracks, most threatening first, at most `cap` of them. One linear pass with a bucket
 * per threat level instead of a sort, so a picture of 10k moving tracks costs well under a frame;
 * within a level the order is the caller's (arrival order), which keeps rows from jumping around.
 */
export function filterTracks(all: readonly EntityView[], f: TrackFilter, cap: number, now: number): FilteredTracks {
  const text = f.text.trim().toLowerCase();
  const buckets: EntityView[][] = THREAT_LEVELS.map(() => []);
  const unrated: EntityView[] = [];
  let matched = 0;
  for (const v of all) {
    if (!matches(v, f, text, now)) continue;
    matched++;
    const r = rank(v);
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

/** The set with `value` added, or removed when it was there (a chip's tap). */
export function toggled<T>(set: readonly T[], value: T): T[] {
  return set.includes(value) ? set.filter((x) => x !== value) : [...set, value];
}
