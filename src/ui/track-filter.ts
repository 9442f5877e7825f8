import {
  DISPOSITIONS,
  SENSOR_TYPES,
  THREAT_LEVELS,
  type Disposition,
  type SensorType,
  type ThreatLevel,
} from '../core/entity/component-types';
import type { TrackColumns } from '../core/feed/track-columns';
import { ROW, THREAT_CODES } from '../core/feed/track-row';
import type { EntityView } from '../node/node-api';
import { fieldOf, labelOf } from './format';
import { staleOf } from './map/stale';

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

/**
 * What the list reads of the picture (src/ui/picture.ts): each entity's slot in arrival order, its
 * row in the columns (threat and disposition codes, flags, fix time, expiry) and its base view,
 * which is current in everything a row does not hold (label, source, fusion, conflicts).
 */
export interface ListedRows {
  readonly size: number;
  readonly columns: TrackColumns;
  base(slot: number): EntityView;
  /** Every entity's id and slot, in the order the ids came. */
  forEachSlot(fn: (id: string, slot: number) => void): void;
}

/** Which codes of a list a filter lets through (code k + 1 is list[k], 0 is none: track-row.ts). */
function codesPassing<T>(list: readonly T[], chosen: readonly T[]): Uint8Array | undefined {
  if (chosen.length === 0) return undefined;
  const ok = new Uint8Array(list.length + 1);
  list.forEach((value, k) => (ok[k + 1] = chosen.includes(value) ? 1 : 0));
  return ok;
}

/** The track's row is stale by the map's rule (stale.ts), read from its columns. */
export function rowStale(c: TrackColumns, slot: number, now: number): boolean {
  const flags = c.flags[slot]!;
  const fixed = c.positionTime[slot]!;
  return staleOf(
    (flags & ROW.EXPIRY) !== 0 ? c.expiryAt[slot]! : NaN,
    (flags & ROW.FUSION_STALE) !== 0,
    (flags & ROW.POSITION) !== 0 && Number.isFinite(fixed) ? fixed : c.updatedAt[slot]!,
    now,
  );
}

/**
 * The ids of the tracks that pass the filter, most threatening first; within a threat level in
 * arrival order, which keeps rows from jumping around. One pass over the picture's columns (a bucket
 * per threat level instead of a sort) that makes no view: the codes and flags are read from the row,
 * the rest (label, source, fusion, conflicts) from the base view, only for a filter that asks.
 */
export function orderTracks(rows: ListedRows, f: TrackFilter, now: number): string[] {
  const text = f.text.trim().toLowerCase();
  const c = rows.columns;
  const threats = codesPassing(THREAT_LEVELS, f.threats);
  const dispositions = codesPassing(DISPOSITIONS, f.dispositions);
  const sources = f.sources.length > 0 ? f.sources : undefined;
  const staleWanted = f.staleness === 'any' ? undefined : f.staleness === 'stale';
  // Bucket k + 1 holds threat code k + 1 (THREAT_LEVELS[k]); bucket 0 the unrated.
  const buckets: string[][] = Array.from({ length: THREAT_CODES + 1 }, () => []);
  rows.forEachSlot((id, slot) => {
    const threat = c.threat[slot]!;
    if (threats !== undefined && threats[threat] !== 1) return;
    if (dispositions !== undefined && dispositions[c.disposition[slot]!] !== 1) return;
    if (staleWanted !== undefined && rowStale(c, slot, now) !== staleWanted) return;
    if (f.conflictedOnly || f.fusedOnly || sources !== undefined || text !== '') {
      const base = rows.base(slot);
      if (f.conflictedOnly && base.conflicts.length === 0) return;
      if (f.fusedOnly && base.components.fusion === undefined) return;
      if (sources !== undefined) {
        const sensor = fieldOf(base, 'source', 'sensorType', SENSOR_TYPES);
        if (sensor === undefined || !sources.includes(sensor)) return;
      }
      if (text !== '' && !id.toLowerCase().includes(text) && !labelOf(base).toLowerCase().includes(text)) return;
    }
    buckets[threat]!.push(id);
  });
  const ids: string[] = [];
  for (let code = THREAT_CODES; code > 0; code--) for (const id of buckets[code]!) ids.push(id);
  for (const id of buckets[0]!) ids.push(id);
  return ids;
}

/** The set with `value` added, or removed when it was there (a chip's tap). */
export function toggled<T>(set: readonly T[], value: T): T[] {
  return set.includes(value) ? set.filter((x) => x !== value) : [...set, value];
}
