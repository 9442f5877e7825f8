import Feature from 'ol/Feature';
import Point from 'ol/geom/Point';
import { fromLonLat } from 'ol/proj';
import VectorSource from 'ol/source/Vector';
import type { Position, Velocity } from '../../core/entity/component-types';
import type { EntityView } from '../../node/node-api';
import { threatOf } from '../format';
import { sidcOf, type ClassificationLike } from './sidc';
import { isStale } from './stale';
import { ellipseOf, leaderOf, type XY } from './track-geometry';
import { TRACK } from './track-props';

interface Held {
  view: EntityView;
  readonly feature: Feature<Point>;
}

const isPosition = (p: unknown): p is Position =>
  typeof p === 'object' &&
  p !== null &&
  Number.isFinite((p as Position).lat) &&
  Number.isFinite((p as Position).lon) &&
  Math.abs((p as Position).lat) < 89;

/**
 * Keeps one map feature per positioned track, in step with the picture. A view that is the same
 * object as last time is skipped, so a batch that moves ten tracks out of ten thousand touches ten
 * features; stale flags are re-evaluated on every sync (the clock moves even when tracks do not).
 */
export class TrackFeatures {
  /**
   * No spatial index: with thousands of tracks moving every second, keeping an R-tree up to date
   * costs more than the renderer's scan of every feature.
   */
  readonly source = new VectorSource<Feature<Point>>({ wrapX: false, useSpatialIndex: false });
  /** HIGH threats, for the pulse (which must not scan every track each frame). */
  readonly high = new Set<Feature<Point>>();
  private readonly held = new Map<string, Held>();
  private selectedId: string | null = null;

  sync(views: Iterable<EntityView>, now: number): void {
    const seen = new Set<string>();
    const added: Feature<Point>[] = [];
    for (const view of views) {
      const position = view.components.position;
      if (!isPosition(position)) continue;
      seen.add(view.id);
      let held = this.held.get(view.id);
      if (held === undefined) {
        const feature = new Feature<Point>({ geometry: new Point([0, 0]) });
        feature.setId(view.id);
        held = { view, feature };
        this.held.set(view.id, held);
        this.apply(held.feature, view, position, now);
        added.push(feature);
      } else if (held.view !== view) {
        held.view = view;
        this.apply(held.feature, view, position, now);
      } else {
        setIfChanged(held.feature, TRACK.stale, isStale(view, now));
      }
    }
    for (const [id, held] of this.held) {
      if (seen.has(id)) continue;
      this.source.removeFeature(held.feature);
      this.high.delete(held.feature);
      this.held.delete(id);
    }
    if (added.length > 0) this.source.addFeatures(added);
  }

  select(id: string | null): void {
    if (id === this.selectedId) return;
    if (this.selectedId !== null) this.held.get(this.selectedId)?.feature.set(TRACK.selected, false);
    this.selectedId = id;
    if (id !== null) this.held.get(id)?.feature.set(TRACK.selected, true);
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

  get size(): number {
    return this.held.size;
  }

  private apply(feature: Feature<Point>, view: EntityView, p: Position, now: number): void {
    const centre = fromLonLat([p.lon, p.lat]) as unknown as XY;
    feature.getGeometry()!.setCoordinates([centre[0], centre[1]]);
    const velocity = view.components.velocity as Velocity | undefined;
    const leader = velocity === undefined ? undefined : leaderOf(centre, p.lat, velocity);
    const threat = threatOf(view);
    if (threat === 'HIGH') this.high.add(feature);
    else this.high.delete(feature);
    // Ellipse and leader are kept as numbers; their geometries are built at render time, and only
    // when they are big enough on screen to be seen (track-style.ts).
    feature.setProperties(
      {
        [TRACK.id]: view.id,
        [TRACK.sidc]: sidcOf(view.components.classification as ClassificationLike | undefined),
        [TRACK.threat]: threat,
        [TRACK.stale]: isStale(view, now),
        [TRACK.selected]: view.id === this.selectedId,
        [TRACK.ellipse]: ellipseOf(p),
        [TRACK.leader]: leader?.[1],
        [TRACK.lat]: p.lat,
      },
      true,
    );
    // No feature.changed(): moving the point already announced the change, and the style
    // re-reads the properties on the render it causes.
  }
}

function setIfChanged(feature: Feature, key: string, value: unknown): void {
  if (feature.get(key) !== value) feature.set(key, value);
}
