import Feature, { type FeatureLike } from 'ol/Feature';
import LineString from 'ol/geom/LineString';
import Point from 'ol/geom/Point';
import { fromLonLat } from 'ol/proj';
import VectorSource from 'ol/source/Vector';
import Fill from 'ol/style/Fill';
import CircleStyle from 'ol/style/Circle';
import RegularShape from 'ol/style/RegularShape';
import Stroke from 'ol/style/Stroke';
import Style from 'ol/style/Style';
import Text from 'ol/style/Text';
import type { Fusion, Position } from '../../core/entity/component-types';
import type { EntityView } from '../../node/node-api';
import { isPosition, type FusedIndex } from './fused-index';
import type { MapPalette } from './map-palette';
import { RING_RADIUS, SELECTED_RING_GAP } from './track-style';

/** Fused tracks beyond this many get no links: thousands of lines would hide the picture. */
export const LINK_LIMIT = 200;
/** The pending-approval marker: amber in both themes (amber keeps night vision, and is not the HIGH red). */
export const PENDING_AMBER = '#f59e0b';

const KIND = 'annotation';

/** How the map reads a hidden source track (fusion hides sources from the feed; `get` still has them). */
export type SourceReader = (id: string) => Promise<EntityView | undefined>;

const at = (p: Position): number[] => fromLonLat([p.lon, p.lat]);

/**
 * What the map draws over the tracks on a small canvas layer, for the few tracks it concerns:
 * - thin lines from each fused track to the position of each of its sources. Fused tracks exist
 *   only while fusion is on (a derived view, docs/fusion.md), so the links do too. The sources are
 *   hidden from the feed under their fused view, so their positions are read with `get`, one read
 *   pass at a time (a change during a pass causes one more pass after it);
 * - an amber diamond and an "APPROVAL" label on every track with a pending approval request, from
 *   the prompt's own feed (the shell passes its pending ids down); a request on a source hidden
 *   under a fused view marks the fused track.
 * Both are found from the pending ids and the fused tracks' index (fused-index.ts), never by a walk
 * of the picture; the map calls in only when a frame's changed ids concern them (`concerns`).
 */
export class MapAnnotations {
  readonly source = new VectorSource<Feature>({ wrapX: false, useSpatialIndex: false });
  private linkFeatures: Feature[] = [];
  private readonly pendingFeatures = new Map<string, Feature>();
  private links: Record<string, string[]> = {};
  private pending: string[] = [];
  private readonly marked = new Set<string>();
  private reading = false;
  private again: { views: ReadonlyMap<string, EntityView>; fused: FusedIndex } | undefined;
  private session = 0;

  constructor(private read: SourceReader | undefined) {}

  setReader(read: SourceReader | undefined): void {
    this.read = read;
    this.session++;
  }

  /** The fused tracks' links as drawn: fused id → the source ids a line goes to. */
  drawnLinks(): Record<string, string[]> {
    return structuredClone(this.links);
  }

  /** The ids of the tracks drawn with the pending-approval marker, sorted. */
  drawnPending(): string[] {
    return [...this.pending];
  }

  /**
   * What a change to `id` does to the pending marks: `moved` for a marked track (it moves, or is
   * removed), `set` for an unmarked one with a request (it may gain a mark), false for the rest.
   */
  concerns(id: string, ids: ReadonlySet<string>): 'moved' | 'set' | false {
    if (this.marked.has(id)) return 'moved';
    return ids.has(id) ? 'set' : false;
  }

  /**
   * Marks the positioned tracks among `ids` (those with a pending request), and the fused tracks over
   * them. While the set of marked tracks stays the same the marks' features are kept and only those
   * whose track moved get a new point (a removed or added feature, or a moved one, has OpenLayers draw
   * the whole map again, graticule labels and all); the features are replaced only when the set changes.
   */
  setPending(views: ReadonlyMap<string, EntityView>, ids: ReadonlySet<string>, fused: FusedIndex): void {
    if (ids.size === 0 && this.marked.size === 0) return;
    const marks: { id: string; xy: number[] }[] = [];
    const seen = new Set<string>();
    const mark = (id: string): void => {
      if (seen.has(id)) return;
      const p = views.get(id)?.components.position;
      if (!isPosition(p)) return;
      marks.push({ id, xy: at(p) });
      seen.add(id);
    };
    // A source hidden under its fused view is marked on the fused track, where the operator sees it.
    for (const id of ids) {
      mark(id);
      for (const over of fused.fusedOver(id)) mark(over);
    }
    if (seen.size === this.marked.size && [...seen].every((id) => this.marked.has(id))) {
      for (const { id, xy } of marks) {
        const point = this.pendingFeatures.get(id)!.getGeometry() as Point;
        const [x, y] = point.getCoordinates();
        if (x !== xy[0] || y !== xy[1]) point.setCoordinates(xy);
      }
      return;
    }
    for (const f of this.pendingFeatures.values()) this.source.removeFeature(f);
    this.pendingFeatures.clear();
    this.marked.clear();
    for (const { id, xy } of marks) {
      const f = new Feature({ geometry: new Point(xy) });
      f.set(KIND, 'pending');
      this.pendingFeatures.set(id, f);
      this.marked.add(id);
    }
    this.pending = [...this.marked].sort();
    if (this.pendingFeatures.size > 0) this.source.addFeatures([...this.pendingFeatures.values()]);
  }

  /** Brings the links in step with the fused tracks (reads their sources). */
  setFused(views: ReadonlyMap<string, EntityView>, fused: FusedIndex): void {
    if (this.reading) {
      this.again = { views, fused };
      return;
    }
    if (fused.size === 0 || fused.size > LINK_LIMIT || this.read === undefined) {
      this.draw([]);
      return;
    }
    this.reading = true;
    const read = this.read;
    const session = this.session;
    const wanted: { v: EntityView; sources: readonly string[] }[] = [];
    for (const id of fused.ids()) {
      const v = views.get(id);
      if (v !== undefined) wanted.push({ v, sources: (v.components.fusion as Fusion).sources });
    }
    Promise.all(wanted.map(({ sources }) => Promise.all(sources.map((s) => read(s).catch(() => undefined))))).then(
      (found) => {
        this.reading = false;
        if (session === this.session) {
          this.draw(
            wanted.map(({ v }, i) => ({
              id: v.id,
              from: v.components.position as Position,
              to: found[i]!.filter((s): s is EntityView => s !== undefined && isPosition(s.components.position)),
            })),
          );
        }
        const next = this.again;
        this.again = undefined;
        if (next !== undefined) this.setFused(next.views, next.fused);
      },
      () => {
        this.reading = false;
      },
    );
  }

  private draw(links: readonly { id: string; from: Position; to: readonly EntityView[] }[]): void {
    for (const f of this.linkFeatures) this.source.removeFeature(f);
    const features: Feature[] = [];
    const drawn: Record<string, string[]> = {};
    for (const { id, from, to } of links) {
      drawn[id] = to.map((s) => s.id).sort();
      for (const s of to) {
        const f = new Feature({ geometry: new LineString([at(from), at(s.components.position as Position)]) });
        f.set(KIND, 'link');
        features.push(f);
      }
    }
    this.linkFeatures = features;
    this.links = drawn;
    if (features.length > 0) this.source.addFeatures(features);
  }
}

/** Links dashed in the palette's leader colour with a ring at each source, under the symbols; the pending marker unmistakable. */
export function annotationStyle(palette: MapPalette): (feature: FeatureLike) => Style | Style[] {
  const ink = `rgba(${palette.leader}, 0.9)`;
  const link = [
    new Style({ stroke: new Stroke({ color: ink, width: 2, lineDash: [5, 4] }), zIndex: 0 }),
    // Each source's reported position, a small open circle at the link's end: where that sensor
    // puts the target, apart from the fused symbol whenever the view is close enough to tell.
    new Style({
      geometry: (f) => new Point((f.getGeometry() as LineString).getLastCoordinate()),
      image: new CircleStyle({ radius: 5, stroke: new Stroke({ color: ink, width: 2 }) }),
      zIndex: 0,
    }),
  ];
  const pending = [
    new Style({
      image: new RegularShape({
        points: 4,
        radius: RING_RADIUS + SELECTED_RING_GAP * 2,
        angle: 0,
        stroke: new Stroke({ color: PENDING_AMBER, width: 4 }),
      }),
      zIndex: 1,
    }),
    new Style({
      text: new Text({
        text: 'APPROVAL',
        font: 'bold 12px system-ui, sans-serif',
        offsetY: RING_RADIUS + SELECTED_RING_GAP * 2 + 10,
        fill: new Fill({ color: PENDING_AMBER }),
        stroke: new Stroke({ color: '#000000', width: 4 }),
      }),
      zIndex: 1,
    }),
  ];
  return (feature) => (feature.get(KIND) === 'pending' ? pending : link);
}
