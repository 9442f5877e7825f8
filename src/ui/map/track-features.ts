import Feature from 'ol/Feature';
import type { Coordinate } from 'ol/coordinate';
import type { Extent } from 'ol/extent';
import Point from 'ol/geom/Point';
import { getTransform } from 'ol/proj';
import VectorSource from 'ol/source/Vector';
import { THREAT_LEVELS, type Position, type ThreatLevel, type Velocity } from '../../core/entity/component-types';
import type { TrackColumns } from '../../core/feed/track-columns';
import { ROW } from '../../core/feed/track-row';
import type { PictureFrame } from '../picture';
import { sidcOfCodes } from './sidc';
import type { SpriteCell } from './sprite-atlas';
import { staleOf } from './stale';
import { RING, TrackBuffer } from './track-buffer';
import { ellipseOf, leaderOf, type XY } from './track-geometry';
import { TRACK } from './track-props';
import { STALE_OPACITY, zOf } from './track-style';

/** What the map holds of a track between frames: plain fields, no map object, no events. */
interface Held {
  readonly id: string;
  /** Map coordinates (EPSG:3857) and the fix's latitude. */
  x: number;
  y: number;
  lat: number;
  sidc: string;
  threat: ThreatLevel | undefined;
  stale: boolean;
  /** What the stale rule reads (stale.ts), kept so that the stale tick reads no row: expiry (NaN: none), fused flag, fix time. */
  expiryAt: number;
  fusionStale: boolean;
  fixedAt: number;
  /** The track's OpenLayers feature, only while something draws it as one (detail, the 2D fallback). */
  feature: Feature<Point> | undefined;
  /** The sync pass that last saw this track: a pass that does not see it removes it. */
  seen: number;
}

/** A held track as tests and the map read it. */
export interface TrackState {
  readonly x: number;
  readonly y: number;
  readonly lat: number;
  readonly sidc: string;
  readonly threat: ThreatLevel | undefined;
  readonly stale: boolean;
}

/** The picture as the map reads it: rows for every track, a view only for the few it draws as features. */
export type TrackSource = Pick<PictureFrame, 'rows' | 'views'>;

/** A row the map can place: a finite fix off the poles (Web Mercator ends there). */
const placed = (c: TrackColumns, slot: number): boolean =>
  slot >= 0 && (c.flags[slot]! & ROW.POSITION) !== 0 && Math.abs(c.lat[slot]!) < 89;

const threatOfCode = (code: number): ThreatLevel | undefined => THREAT_LEVELS[code - 1];

/** OpenLayers' own lon/lat → Web Mercator transform, looked up once (fromLonLat looks it up per call). */
const toMap = getTransform('EPSG:4326', 'EPSG:3857')!;

/**
 * Keeps the map's tracks in step with the picture. The map hands over the ids changed since its
 * last sync (picture.ts), so a batch that moves ten tracks out of ten thousand touches ten. What the
 * GPU layer draws of a track is written straight from its row in the picture's columns (position,
 * threat, disposition and environment codes, expiry, fused stale flag: src/core/feed/track-row.ts)
 * into `buffer` (typed arrays, no events), and the few fields the map reads again (position, SIDC,
 * threat, stale) are kept as plain fields: a moved track costs a few column reads, its slot write and
 * a projection, and no object, neither a view nor an OpenLayers feature update with its change
 * events (docs/ui.md, "Rendering"). OpenLayers features exist only where something draws a track as one: the tracks
 * given their ellipse and leader (`keepFeatures`, a few hundred at most) and, without WebGL, every
 * track (`drawFromSource`, the 2D fallback's layer). Taps are matched on the held positions
 * (`nearest`). Stale flags of unchanged tracks are re-evaluated by `restale` (the map's stale tick:
 * the clock moves even when tracks do not), not on every frame.
 */
export class TrackFeatures {
  /**
   * The features, for the 2D canvas fallback's layer only (see `drawFromSource`). No spatial
   * index: with thousands of tracks moving every second an R-tree costs more than the renderer's scan.
   */
  readonly source = new VectorSource<Feature<Point>>({ wrapX: false, useSpatialIndex: false });
  /** What the GPU layer draws of each track (track-buffer.ts). */
  readonly buffer = new TrackBuffer();
  /** Every track has a feature, in `source` (the 2D fallback draws them). */
  private everyFeature = false;
  /** The ids kept as features for the detail layer (without the 2D fallback). */
  private kept = new Set<string>();
  /** HIGH threats' features, for the 2D fallback's pulse (which must not scan every track each frame). */
  readonly high = new Set<Feature<Point>>();
  private readonly held = new Map<string, Held>();
  /** The picture last synced: its views are read for the few tracks drawn as features. */
  private picture: TrackSource | undefined;
  private selectedId: string | null = null;
  private pass = 0;
  private readonly xy = [0, 0];

  /** @param cellOf where a SIDC's symbol is in the sprite (the WebGL layer draws that cell). */
  constructor(private readonly cellOf: (sidc: string) => SpriteCell) {}

  /** Gives every track a feature, kept in `source` from now on, for a layer that draws them (the 2D canvas fallback). */
  drawFromSource(): void {
    if (this.everyFeature) return;
    this.everyFeature = true;
    this.source.addFeatures([...this.held.values()].map((h) => this.featureOf(h)));
  }

  /**
   * Brings the tracks in step with the picture; true when tracks came or went. With `ids` (the
   * ids changed since the last call, picture.ts) only those are looked at; without, every track is,
   * and held tracks no longer in the picture leave.
   */
  sync(picture: TrackSource, ids: readonly string[] | undefined, now: number): boolean {
    this.picture = picture;
    return ids === undefined ? this.syncAll(picture, now) : this.syncIds(picture, ids, now);
  }

  /** Re-evaluates every held track's stale flag (the clock moved, the rows did not). */
  restale(now: number): void {
    for (const held of this.held.values()) {
      const stale = staleOf(held.expiryAt, held.fusionStale, held.fixedAt, now);
      if (held.stale === stale) continue;
      held.stale = stale;
      held.feature?.set(TRACK.stale, stale);
      this.buffer.setFade(held.id, alphaOf(stale), zOf(held.threat, stale));
    }
  }

  private syncIds(picture: TrackSource, ids: readonly string[], now: number): boolean {
    const added: Feature<Point>[] = [];
    let came = false;
    let left = false;
    const rows = picture.rows;
    for (const id of ids) {
      const slot = rows.slotOf(id);
      const c = rows.columns;
      if (!placed(c, slot)) {
        left = this.drop(id) || left;
        continue;
      }
      const held = this.held.get(id);
      if (held === undefined) {
        came = true;
        const f = this.add(id, c, slot, now).feature;
        if (f !== undefined) added.push(f);
      } else this.apply(held, c, slot, now);
    }
    if (added.length > 0) this.source.addFeatures(added);
    return left || came;
  }

  private syncAll(picture: TrackSource, now: number): boolean {
    const pass = ++this.pass;
    const added: Feature<Point>[] = [];
    let came = false;
    const rows = picture.rows;
    const c = rows.columns;
    for (const id of picture.views.keys()) {
      const slot = rows.slotOf(id);
      if (!placed(c, slot)) continue;
      let held = this.held.get(id);
      if (held === undefined) {
        came = true;
        held = this.add(id, c, slot, now);
        if (held.feature !== undefined) added.push(held.feature);
      } else this.apply(held, c, slot, now);
      held.seen = pass;
    }
    // Every held track not seen this pass has left the picture (or lost its fix).
    let left = false;
    for (const [id, held] of this.held) if (held.seen !== pass) left = this.drop(id) || left;
    if (added.length > 0) this.source.addFeatures(added);
    return left || came;
  }

  private add(id: string, c: TrackColumns, slot: number, now: number): Held {
    const held: Held = {
      id,
      x: 0,
      y: 0,
      lat: 0,
      sidc: '',
      threat: undefined,
      stale: false,
      expiryAt: NaN,
      fusionStale: false,
      fixedAt: 0,
      feature: undefined,
      seen: this.pass,
    };
    this.held.set(id, held);
    this.apply(held, c, slot, now);
    if (this.everyFeature) this.featureOf(held);
    return held;
  }

  /** Takes a track off the map; false when it was not on it. */
  private drop(id: string): boolean {
    const held = this.held.get(id);
    if (held === undefined) return false;
    if (held.feature !== undefined) {
      if (this.everyFeature) this.source.removeFeature(held.feature);
      this.high.delete(held.feature);
    }
    this.kept.delete(id);
    this.buffer.remove(id);
    this.held.delete(id);
    return true;
  }

  select(id: string | null): void {
    if (id === this.selectedId) return;
    if (this.selectedId !== null) this.mark(this.selectedId, false);
    this.selectedId = id;
    if (id !== null) this.mark(id, true);
  }

  /** The SIDC each drawn track carries, by entity id. */
  sidcs(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [id, held] of this.held) out[id] = held.sidc;
    return out;
  }

  /** A held track's state (undefined: not on the map). */
  state(id: string): TrackState | undefined {
    return this.held.get(id);
  }

  /** A track's feature, if it has one now (the detail layer's tracks, or every track on the 2D fallback). */
  feature(id: string): Feature<Point> | undefined {
    return this.held.get(id)?.feature;
  }

  /** The ids of the tracks inside `extent`, or undefined as soon as there are more than `limit`. */
  idsIn(extent: Extent, limit: number): string[] | undefined {
    const [minX, minY, maxX, maxY] = extent as [number, number, number, number];
    const ids: string[] = [];
    for (const [id, h] of this.held) {
      if (h.x < minX || h.x > maxX || h.y < minY || h.y > maxY) continue;
      if (ids.length === limit) return undefined;
      ids.push(id);
    }
    return ids;
  }

  /**
   * The features of `ids` (the detail layer's tracks), made for those without one; tracks no longer
   * among them let theirs go (the 2D fallback keeps every feature). Features of kept tracks are
   * updated as the tracks move.
   */
  keepFeatures(ids: Iterable<string>): Feature<Point>[] {
    const next = new Set<string>();
    const out: Feature<Point>[] = [];
    for (const id of ids) {
      const held = this.held.get(id);
      if (held === undefined || next.has(id)) continue;
      next.add(id);
      out.push(this.featureOf(held));
    }
    if (!this.everyFeature) {
      for (const id of this.kept) {
        if (next.has(id)) continue;
        const held = this.held.get(id);
        if (held?.feature === undefined) continue;
        this.high.delete(held.feature);
        held.feature = undefined;
      }
    }
    this.kept = next;
    return out;
  }

  /** The bounding box of every track [minX, minY, maxX, maxY], or undefined with none. */
  extent(): Extent | undefined {
    if (this.held.size === 0) return undefined;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const h of this.held.values()) {
      if (h.x < minX) minX = h.x;
      if (h.y < minY) minY = h.y;
      if (h.x > maxX) maxX = h.x;
      if (h.y > maxY) maxY = h.y;
    }
    return [minX, minY, maxX, maxY];
  }

  get size(): number {
    return this.held.size;
  }

  /**
   * The track nearest a map coordinate within `tolerance` map units, or undefined: taps are
   * matched here, one scan of the held positions per tap (about a tenth of a millisecond at ten
   * thousand tracks), rather than in the renderer (the GPU layer's hit buffer has no tolerance, and
   * a gloved finger needs one); a spatial index would have to be kept up to date on every move.
   * Of the tracks within the tolerance, the one drawn on top is taken.
   */
  nearest(at: Coordinate, tolerance: number): string | undefined {
    const ax = at[0]!;
    const ay = at[1]!;
    let best: string | undefined;
    let bestD = Infinity;
    let bestZ = -Infinity;
    // The symbol drawn on top wins (zOf: HIGH over lower threats, fresh over stale), then the
    // nearest: what the finger covers is what it gets, so a decoy placed on a HIGH track (or
    // written after it) cannot take its tap.
    for (const [id, h] of this.held) {
      const d = Math.hypot(h.x - ax, h.y - ay);
      if (d > tolerance) continue;
      const z = zOf(h.threat, h.stale);
      if (z > bestZ || (z === bestZ && d < bestD)) {
        best = id;
        bestD = d;
        bestZ = z;
      }
    }
    return best;
  }

  private mark(id: string, selected: boolean): void {
    this.held.get(id)?.feature?.set(TRACK.selected, selected);
    this.buffer.setRing(id, RING.selected, selected);
  }

  /** The track's feature, made (with its properties) when it has none. */
  private featureOf(held: Held): Feature<Point> {
    if (held.feature !== undefined) return held.feature;
    const feature = new Feature<Point>({ geometry: new Point([held.x, held.y]) });
    feature.setId(held.id);
    held.feature = feature;
    this.describe(held);
    return feature;
  }

  /** Writes a track's feature properties and point from what is held and its view (only tracks that have a feature). */
  private describe(held: Held): void {
    const feature = held.feature!;
    // The few tracks drawn as features read their view (ellipse, leader); it is the picture's, made once per change.
    const view = this.picture?.views.get(held.id);
    const p = view?.components.position as Position | undefined;
    const velocity = view?.components.velocity as Velocity | undefined;
    const centre: XY = [held.x, held.y];
    const leader = velocity === undefined ? undefined : leaderOf(centre, held.lat, velocity);
    if (held.threat === 'HIGH') this.high.add(feature);
    else this.high.delete(feature);
    // Properties first, silently; then moving the point announces the one change.
    feature.setProperties(
      {
        [TRACK.id]: held.id,
        [TRACK.sidc]: held.sidc,
        [TRACK.threat]: held.threat,
        [TRACK.stale]: held.stale,
        [TRACK.selected]: held.id === this.selectedId,
        [TRACK.ellipse]: p === undefined ? undefined : ellipseOf(p),
        [TRACK.leader]: leader?.[1],
        [TRACK.lat]: held.lat,
      },
      true,
    );
    feature.getGeometry()!.setCoordinates([held.x, held.y]);
  }

  /** Brings a held track in step with its row: its fields, its GPU slot, and its feature if it has one. */
  private apply(held: Held, c: TrackColumns, slot: number, now: number): void {
    const xy = this.xy;
    const lat = c.lat[slot]!;
    xy[0] = c.lon[slot]!;
    xy[1] = lat;
    toMap(xy, xy, 2);
    held.x = xy[0]!;
    held.y = xy[1]!;
    held.lat = lat;
    held.threat = threatOfCode(c.threat[slot]!);
    held.sidc = sidcOfCodes(c.disposition[slot]!, c.environment[slot]!);
    const flags = c.flags[slot]!;
    const fixed = c.positionTime[slot]!;
    held.expiryAt = (flags & ROW.EXPIRY) !== 0 ? c.expiryAt[slot]! : NaN;
    held.fusionStale = (flags & ROW.FUSION_STALE) !== 0;
    held.fixedAt = Number.isFinite(fixed) ? fixed : c.updatedAt[slot]!;
    held.stale = staleOf(held.expiryAt, held.fusionStale, held.fixedAt, now);
    const cell = this.cellOf(held.sidc);
    const selected = held.id === this.selectedId;
    const rings = (held.threat === 'HIGH' ? RING.high : 0) | (selected ? RING.selected : 0);
    this.buffer.put(
      held.id,
      held.x,
      held.y,
      cell.x,
      cell.y,
      alphaOf(held.stale),
      zOf(held.threat, held.stale),
      rings,
      cell.halfWidth,
      cell.halfHeight,
    );
    if (held.feature !== undefined) this.describe(held);
  }
}

const alphaOf = (stale: boolean): number => (stale ? STALE_OPACITY : 1);
