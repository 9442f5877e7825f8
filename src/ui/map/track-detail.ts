import type Feature from 'ol/Feature';
import type Point from 'ol/geom/Point';
import type { Extent } from 'ol/extent';
import { containsCoordinate } from 'ol/extent';
import VectorSource from 'ol/source/Vector';

/** At most this many tracks in view get their ellipse and leader: beyond it the picture is too dense to read them. */
export const DETAIL_LIMIT = 300;

/**
 * Which tracks get an uncertainty ellipse and a heading leader (drawn on a canvas layer, as
 * vector shapes that change size with zoom): the selected track always, and every track in view
 * when there are at most DETAIL_LIMIT of them. The set is worked out when the view settles, when
 * tracks come or go and when the selection changes, never per frame, so ten thousand moving
 * tracks cost the canvas nothing while zoomed out.
 */
export class TrackDetail {
  readonly source = new VectorSource<Feature<Point>>({ wrapX: false, useSpatialIndex: false });
  private readonly shown = new Set<Feature<Point>>();

  refresh(all: Iterable<Feature<Point>>, extent: Extent | undefined, selected: Feature<Point> | undefined): void {
    const want = new Set<Feature<Point>>();
    if (extent !== undefined) {
      for (const f of all) {
        if (!containsCoordinate(extent, f.getGeometry()!.getCoordinates())) continue;
        want.add(f);
        if (want.size > DETAIL_LIMIT) {
          want.clear();
          break;
        }
      }
    }
    if (selected !== undefined) want.add(selected);
    const gone = [...this.shown].filter((f) => !want.has(f));
    const added = [...want].filter((f) => !this.shown.has(f));
    for (const f of gone) {
      this.source.removeFeature(f);
      this.shown.delete(f);
    }
    for (const f of added) this.shown.add(f);
    if (added.length > 0) this.source.addFeatures(added);
  }

  get size(): number {
    return this.shown.size;
  }
}
