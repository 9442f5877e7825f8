import { encodeTs } from '../clock/timestamp';
import { DISPOSITIONS, ENVIRONMENTS, THREAT_LEVELS, type Fusion } from '../entity/component-types';
import type { NodeId } from '../ids';
import type { ComponentMeta, EntityView } from '../store/entity-view';
import type { TrackColumns } from './track-columns';

/**
 * A track view as one row of columns (track-columns.ts), and back. A row holds the part of a view
 * that changes with every report (position, velocity, their versions, the fused track's confidence
 * and stale flag, `updatedAt`) exactly, and, for readers that must not make a view per moved track
 * (the map), the few other things they need as codes: threat level, disposition, environment,
 * expiry, fused. `writeRow` fills a row from a view; `viewOfRow` makes the view back from the row
 * and a base view that holds everything else (the entity's last view sent whole). A row may stand
 * for its view only when `viewOfRow(base, row)` equals the view (feed-encoder.ts checks exactly
 * that); anything a row cannot hold (a position with a field of a newer release, a non-numeric
 * value) makes the equality fail, and the view travels whole.
 */

/** Row flags: which optional parts are present (and exactly representable). */
export const ROW = {
  /** The row's view travels whole (a batch's `views`); its columns describe it too. */
  FULL: 1 << 0,
  /** `position` with finite lat and lon; then its version's time, counter and author. */
  POSITION: 1 << 1,
  ALT: 1 << 2,
  ACCURACY: 1 << 3,
  COVARIANCE: 1 << 4,
  /** `velocity` with finite east and north; then its version's time, counter and author. */
  VELOCITY: 1 << 5,
  UP: 1 << 6,
  /** A `fusion` component (a fused track): its confidence; its position and version follow the track's. */
  FUSED: 1 << 7,
  /** The fusion component has a `stale` field, and (FUSION_STALE) it is true. */
  FUSION_STALE_SET: 1 << 8,
  FUSION_STALE: 1 << 9,
  /** An `expiry` with a numeric `at` (expiryAt). */
  EXPIRY: 1 << 10,
} as const;
/** Every flag a row may carry. */
export const ROW_FLAGS = (1 << 11) - 1;

/** No author (an index no table holds). */
export const NO_AUTHOR = 0xffffffff;

/** Code k + 1 is THREAT_LEVELS[k], DISPOSITIONS[k], ENVIRONMENTS[k]; 0 is none (absent or a value not in the list). */
export const THREAT_CODES = THREAT_LEVELS.length;
export const DISPOSITION_CODES = DISPOSITIONS.length;
export const ENVIRONMENT_CODES = ENVIRONMENTS.length;

const codeOf = (list: readonly string[], value: unknown): number =>
  typeof value === 'string' ? list.indexOf(value) + 1 : 0;

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const record = (x: unknown): Record<string, unknown> | undefined =>
  typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;

/** The counter of a version's text form (timestamp.ts: 12 hex digits of ms, 4 of counter, the node); NaN when it has none. */
function counterOf(version: unknown): number {
  return typeof version === 'string' ? parseInt(version.slice(12, 16), 16) : NaN;
}

/** The three columns that hold a part's version (time, counter, author). */
function metaColumns(c: TrackColumns, part: 'position' | 'velocity'): [Float64Array, Uint32Array, Uint32Array] {
  return part === 'position'
    ? [c.positionTime, c.positionCounter, c.positionAuthor]
    : [c.velocityTime, c.velocityCounter, c.velocityAuthor];
}

/** Row `i`'s version columns of `part` from its meta; no meta author files NO_AUTHOR. */
function writeMeta(
  c: TrackColumns,
  part: 'position' | 'velocity',
  i: number,
  meta: ComponentMeta | undefined,
  authorIndex: (author: NodeId) => number,
): void {
  const [time, counter, author] = metaColumns(c, part);
  time[i] = finite(meta?.time) ? meta.time : NaN;
  counter[i] = counterOf(meta?.version) || 0;
  author[i] = typeof meta?.author === 'string' ? authorIndex(meta.author) : NO_AUTHOR;
}

/** The meta of row `i`'s `part`, stamped from its columns onto `base`'s. */
function readMeta(
  base: ComponentMeta | undefined,
  c: TrackColumns,
  part: 'position' | 'velocity',
  i: number,
  authorOf: (k: number) => NodeId,
): ComponentMeta {
  const [time, counter, author] = metaColumns(c, part);
  return stamped(base, time[i]!, counter[i]!, authorOf(author[i]!));
}

/** Row `i` of `c` from `view`; `authorIndex` numbers a version's author (a table of the caller's). */
export function writeRow(c: TrackColumns, i: number, view: EntityView, authorIndex: (author: NodeId) => number): void {
  let flags = 0;
  const components = view.components;
  const p = record(components.position);
  if (p !== undefined && finite(p.lat) && finite(p.lon)) {
    flags |= ROW.POSITION;
    c.lat[i] = p.lat;
    c.lon[i] = p.lon;
    if (finite(p.alt)) {
      flags |= ROW.ALT;
      c.alt[i] = p.alt;
    }
    if (finite(p.accuracy)) {
      flags |= ROW.ACCURACY;
      c.accuracy[i] = p.accuracy;
    }
    const cov = p.covariance;
    if (Array.isArray(cov) && cov.length === 3 && cov.every(finite)) {
      flags |= ROW.COVARIANCE;
      c.cov0[i] = cov[0] as number;
      c.cov1[i] = cov[1] as number;
      c.cov2[i] = cov[2] as number;
    }
    writeMeta(c, 'position', i, view.meta.position, authorIndex);
  } else {
    // A fresh buffer holds 0 here, which names the feed's first author.
    c.positionAuthor[i] = NO_AUTHOR;
  }
  const v = record(components.velocity);
  if (v !== undefined && finite(v.east) && finite(v.north)) {
    flags |= ROW.VELOCITY;
    c.east[i] = v.east;
    c.north[i] = v.north;
    if (finite(v.up)) {
      flags |= ROW.UP;
      c.up[i] = v.up;
    }
    writeMeta(c, 'velocity', i, view.meta.velocity, authorIndex);
  } else {
    c.velocityAuthor[i] = NO_AUTHOR;
  }
  const fusion = record(components.fusion);
  if (fusion !== undefined && Array.isArray(fusion.sources)) {
    flags |= ROW.FUSED;
    c.confidence[i] = finite(fusion.confidence) ? fusion.confidence : NaN;
    if (Object.hasOwn(fusion, 'stale')) flags |= ROW.FUSION_STALE_SET;
    if (fusion.stale === true) flags |= ROW.FUSION_STALE;
  }
  const at = record(components.expiry)?.at;
  if (typeof at === 'number') {
    flags |= ROW.EXPIRY;
    c.expiryAt[i] = at;
  }
  c.threat[i] = codeOf(THREAT_LEVELS, record(components.threat)?.level);
  const classification = record(components.classification);
  c.disposition[i] = codeOf(DISPOSITIONS, classification?.disposition);
  c.environment[i] = codeOf(ENVIRONMENTS, classification?.environment);
  c.updatedAt[i] = view.updatedAt;
  c.flags[i] = flags;
}

/**
 * A component's meta with the version a row gives it (the rest of it, conflict and heads, as
 * before; a component the base lacks gets those of a register with one head, as viewOf gives them).
 */
function stamped(meta: ComponentMeta | undefined, time: number, counter: number, author: NodeId): ComponentMeta {
  const version = encodeTs({ ms: time, c: counter, node: author });
  if (meta === undefined) return { version, author, time, conflict: false, heads: 1 };
  return { ...meta, version, author, time };
}

/**
 * The base of an id new to a feed, before any view of it was sent whole: nothing but its id. A
 * row completes it into the view when the entity is no more than what a row holds (a new track
 * with a position and a velocity, each of one head), so such a view need not travel whole
 * (docs/benchmarks.md, scenario 7: cloning each new entity's whole view to the page was a few µs of
 * the writing worker's time per create). The encoder and the decoder both start an id from it.
 */
export function freshBase(id: string): EntityView {
  const base: EntityView = { id: id as EntityView['id'], components: {}, meta: {}, conflicts: [], updatedAt: 0 };
  fresh.add(base);
  return base;
}

const fresh = new WeakSet<EntityView>();

/**
 * False when no row can complete `base` into `view`: `base` is a fresh base and `view` has a
 * conflict or a component other than a position or a velocity (viewOfRow adds nothing else to a
 * fresh base). The encoder then sends the view whole without building the row's view to compare.
 */
export function mayComplete(base: EntityView, view: EntityView): boolean {
  if (!fresh.has(base)) return true;
  if (view.conflicts.length > 0) return false;
  for (const kind in view.components) if (kind !== 'position' && kind !== 'velocity') return false;
  return true;
}

/**
 * The view row `i` of `c` stands for: `base` (the entity's last whole view) with its position,
 * velocity, fused confidence and stale flag, their versions and `updatedAt` as the row has them.
 * `authorOf` reads the author table the row's author indices point into.
 */
export function viewOfRow(base: EntityView, c: TrackColumns, i: number, authorOf: (k: number) => NodeId): EntityView {
  const flags = c.flags[i]!;
  const components = { ...base.components };
  const meta = { ...base.meta };
  if ((flags & ROW.POSITION) !== 0) {
    const p: { lat: number; lon: number; alt?: number; accuracy?: number; covariance?: [number, number, number] } = {
      lat: c.lat[i]!,
      lon: c.lon[i]!,
    };
    if ((flags & ROW.ALT) !== 0) p.alt = c.alt[i]!;
    if ((flags & ROW.ACCURACY) !== 0) p.accuracy = c.accuracy[i]!;
    if ((flags & ROW.COVARIANCE) !== 0) p.covariance = [c.cov0[i]!, c.cov1[i]!, c.cov2[i]!];
    components.position = p;
    meta.position = readMeta(base.meta.position, c, 'position', i, authorOf);
  }
  if ((flags & ROW.VELOCITY) !== 0) {
    const v: { east: number; north: number; up?: number } = { east: c.east[i]!, north: c.north[i]! };
    if ((flags & ROW.UP) !== 0) v.up = c.up[i]!;
    components.velocity = v;
    meta.velocity = readMeta(base.meta.velocity, c, 'velocity', i, authorOf);
  }
  if ((flags & ROW.FUSED) !== 0) {
    // A fused track's `fusion` holds its position, and its meta is the position's (fusion-view.ts).
    const fusion: Record<string, unknown> = { ...(base.components.fusion as Fusion), confidence: c.confidence[i]! };
    if ((flags & ROW.FUSION_STALE_SET) !== 0) fusion.stale = (flags & ROW.FUSION_STALE) !== 0;
    else delete fusion.stale;
    if ((flags & ROW.POSITION) !== 0) {
      fusion.position = components.position;
      if (base.meta.fusion !== undefined) meta.fusion = readMeta(base.meta.fusion, c, 'position', i, authorOf);
    }
    components.fusion = fusion as unknown as Fusion;
  }
  return { ...base, components, meta, updatedAt: c.updatedAt[i]! };
}
