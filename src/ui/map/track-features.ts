import Feature from 'ol/Feature';
import type { Coordinate } from 'ol/coordinate';
import Point from 'ol/geom/Point';
import { fromLonLat } from 'ol/proj';
import VectorSource from 'ol/source/Vector';
import type { Position, ThreatLevel, Velocity } from '../../core/entity/component-types';
import type { EntityView } from '../../node/node-api';
import { threatOf } from '../format';
import { sidcOf, type ClassificationLike } from './sidc';
import type { SpriteCell } from './sprite-atlas';
import { isStale } from './stale';
import { RING, TrackBuffer } from './track-buffer';
import { ellipseOf, leaderOf, type XY } from './track-geometry';
import { TRACK } from './track-props';
import { STALE_OPACITY, zOf } from './track-style';

interface Held {
  view: EntityView;
  readonly feature: Feature<Point>;
  /** The sync pass that last saw this track: a pass that does not see it removes it. */
  seen: number;
}

const isPosition = (p: unknown): p is Position =>
  typeof p === 'object' &&
  p !== null &&
  Number.isFinite((p as Position).lat) &&
  Number.isFinite((p as Position).lon) &&
  Math.abs((p as Position).lat) < 89;

/**
 * Keeps one map feature per positioned track, in step with the picture, updated in place: a
 * moved track moves its feature's point, nothing is re-created per frame. The map hands over the
 * ids changed since its last sync (picture.ts), so a batch that moves ten tracks out of ten
 * thousand touches ten features; a view that is the same object as the one held is skipped. The features serve taps, the ellipses and leaders, the pulse and the 2D canvas
 * fallback; what the GPU layer draws is written alongside into `buffer` (typed arrays, no events).
 * Stale flags of unchanged tracks are re-evaluated by `restale` (the map's stale tick: the clock
 * moves even when tracks do not), not on every frame.
 */
export class TrackFeatures {
  /**
   * The features, for the 2D canvas fallback's layer only (see `drawFromSource`): the GPU layer
   * reads `buffer`, and a source would announce every moved track to nobody. No spatial index:
   * with thousands of tracks moving every second an R-tree costs more than the renderer's scan.
   */
  readonly source = new VectorSource<Feature<Point>>({ wrapX: false, useSpatialIndex: false });
  /** What the GPU layer draws of each track (track-buffer.ts). */
  readonly buffer = new TrackBuffer();
  private inSource = false;
  /** HIGH threats, for the pulse (which must not scan every track each frame). */
  readonly high = new Set<Feature<Point>>();
  private readonly held = new Map<string, Held>();
  private selectedId: string | null = null;
  private pass = 0;

  /** @param cellOf where a SIDC's symbol is in the sprite (the WebGL layer draws that cell). */
  constructor(private readonly cellOf: (sidc: string) => SpriteCell) {}

  /** Keeps the features in `source` from now on, for a layer that draws them (the 2D canvas fallback). */
  drawFromSource(): void {
    if (this.inSource) return;
    this.inSource = true;
    this.source.addFeatures([...this.held.values()].map((h) => h.feature));
  }

  /**
   * Brings the features in step with the picture; true when tracks came or went. With `ids` (the
   * ids changed since the last call, picture.ts) only those are looked at; without, every view is,
   * and held tracks no longer in the picture leave.
   */
  sync(views: ReadonlyMap<string, EntityView>, ids: readonly string[] | undefined, now: number): boolean {
    return ids === undefined ? this.syncAll(views, now) : this.syncIds(views, ids, now);
  }

  /** Re-evaluates every held track's stale flag (the clock moved, the views did not). */
  restale(now: number): void {
    for (const held of this.held.values()) {
      const stale = isStale(held.view, now);
      if (held.feature.get(TRACK.stale) === stale) continue;
      held.feature.set(TRACK.stale, stale);
      this.buffer.setFade(held.view.id, alphaOf(stale), zOf(held.feature.get(TRACK.threat) as ThreatLevel, stale));
    }
  }

  private syncIds(views: ReadonlyMap<string, EntityView>, ids: readonly string[], now: number): boolean {
    const added: Feature<Point>[] = [];
    let left = false;
    for (const id of ids) {
      const view = views.get(id);
      const position = view?.components.position;
      if (view === undefined || !isPosition(position)) {
        left = this.drop(id) || left;
        continue;
      }
      const held = this.held.get(id);
      if (held === undefined) added.push(this.add(view, position, now));
      else if (held.view !== view) {
        held.view = view;
        this.apply(held.feature, view, position, now);
      }
    }
    if (added.length > 0 && this.inSource) this.source.addFeatures(added);
    return left || added.length > 0;
  }

  private syncAll(views: ReadonlyMap<string, EntityView>, now: number): boolean {
    const pass = ++this.pass;
    const added: Feature<Point>[] = [];
    for (const view of views.values()) {
      const position = view.components.position;
      if (!isPosition(position)) continue;
      let held = this.held.get(view.id);
      if (held === undefined) {
        added.push(this.add(view, position, now));
        held = this.held.get(view.id)!;
      } else if (held.view !== view) {
        held.view = view;
        this.apply(held.feature, view, position, now);
      }
      held.seen = pass;
    }
    // Every held track not seen this pass has left the picture (or lost its fix).
    let left = false;
    for (const [id, held] of this.held) if (held.seen !== pass) left = this.drop(id) || left;
    if (added.length > 0 && this.inSource) this.source.addFeatures(added);
    return left || added.length > 0;
  }

  private add(view: EntityView, position: Position, now: number): Feature<Point> {
    const feature = new Feature<Point>({ geometry: new Point([0, 0]) });
    feature.setId(view.id);
    this.held.set(view.id, { view, feature, seen: this.pass });
    this.apply(feature, view, position, now);
    return feature;
  }

  /** Takes a track off the map; false when it was not on it. */
  private drop(id: string): boolean {
    const held = this.held.get(id);
    if (held === undefined) return false;
    if (this.inSource) this.source.removeFeature(held.feature);
    this.buffer.remove(id);
    this.high.delete(held.feature);
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
    for (const [id, held] of this.held) out[id] = held.feature.get(TRACK.sidc) as string;
    return out;
  }

  feature(id: string): Feature<Point> | undefined {
    return this.held.get(id)?.feature;
  }

  *features(): IterableIterator<Feature<Point>> {
    for (const held of this.held.values()) yield held.feature;
  }

  get size(): number {
    return this.held.size;
  }

  /**
   * The track nearest a map coordinate within `tolerance` map units, or undefined: taps are
   * matched here, one scan per tap, rather than in the renderer (the GPU layer's hit buffer has no
   * tolerance, and a gloved finger needs one).
   */
  nearest(at: Coordinate, tolerance: number): string | undefined {
    let best: string | undefined;
    let bestD = tolerance;
    for (const [id, held] of this.held) {
      const [x, y] = held.feature.getGeometry()!.getCoordinates();
      const d = Math.hypot(x! - at[0]!, y! - at[1]!);
      if (d <= bestD) {
        best = id;
        bestD = d;
      }
    }
    return best;
  }

  private mark(id: string, selected: boolean): void {
    this.held.get(id)?.feature.set(TRACK.selected, selected);
    this.buffer.setRing(id, RING.selected, selected);
  }

  private apply(feature: Feature<Point>, view: EntityView, p: Position, now: number): void {
    const centre = fromLonLat([p.lon, p.lat]) as unknown as XY;
    const velocity = view.components.velocity as Velocity | undefined;
    const leader = velocity === undefined ? undefined : leaderOf(centre, p.lat, velocity);
    const threat = threatOf(view);
    if (threat === 'HIGH') this.high.add(feature);
    else this.high.delete(feature);
    const sidc = sidcOf(view.components.classification as ClassificationLike | undefined);
    const cell = this.cellOf(sidc);
    const stale = isStale(view, now);
    const selected = view.id === this.selectedId;
    // Properties first, silently; then moving the point announces the one change (to the canvas
    // fallback's layer, when there is one: the GPU layer reads the buffer written last).
    feature.setProperties(
      {
        [TRACK.id]: view.id,
        [TRACK.sidc]: sidc,
        [TRACK.threat]: threat,
        [TRACK.stale]: stale,
        [TRACK.selected]: selected,
        [TRACK.ellipse]: ellipseOf(p),
        [TRACK.leader]: leader?.[1],
        [TRACK.lat]: p.lat,
      },
      true,
    );
    feature.getGeometry()!.setCoordinates([centre[0], centre[1]]);
    const rings = (threat === 'HIGH' ? RING.high : 0) | (selected ? RING.selected : 0);
    this.buffer.put(
      view.id,
      centre[0],
      centre[1],
      cell.x,
      cell.y,
      alphaOf(stale),
      zOf(threat, stale),
      rings,
      cell.halfWidth,
      cell.halfHeight,
    );
  }
}

const alphaOf = (stale: boolean): number => (stale ? STALE_OPACITY : 1);
