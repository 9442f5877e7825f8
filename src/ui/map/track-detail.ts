import type Feature from 'ol/Feature';
import type Point from 'ol/geom/Point';
import VectorSource from 'ol/source/Vector';

/** At most this many tracks in view get their ellipse and leader: beyond it the picture is too dense to read them. */
export const DETAIL_LIMIT = 300;

/**
 * Which tracks get an uncertainty ellipse and a heading leader (drawn on a canvas layer, as
 * vector shapes that change size with zoom): the selected track always, and every track in view
 * when there are at most DETAIL_LIMIT of them (`detailIds`). The set is worked out when the view
 * settles, when tracks come or go and when the selection changes, never per frame, so ten thousand
 * moving tracks cost the canvas nothing while zoomed out; only these tracks have OpenLayers
 * features on the GPU path (track-features.ts' `keepFeatures`).
 */
export class TrackDetail {
  readonly source = new VectorSource<Feature<Point>>({ wrapX: false, useSpatialIndex: false });
  private readonly shown = new Set<Feature<Point>>();

  /** Shows exactly these features' detail. */
  show(features: Iterable<Feature<Point>>): void {
    const want = new Set(features);
    const gone = [...this.shown].filter((f) => !want.has(f));
    const added = [...want].filter((f) => !this.shown.has(f));
    for (const f of gone) {
      this.source.removeFeature(f);
      this.shown.delete(f);
    }
    for (const f of added) this.shown.add(f);
    if (added.length > 0) this.source.addFeatures(added);
  }

  /** The ids of the tracks shown with detail, sorted. */
  ids(): string[] {
    return [...this.shown].map((f) => String(f.getId())).sort();
  }

  get size(): number {
    return this.shown.size;
  }
}

/**
 * The ids given detail: those in view (`inView`, undefined when more than DETAIL_LIMIT are) and
 * the selected track.
 */
export function detailIds(inView: readonly string[] | undefined, selected: string | null): string[] {
  const ids = inView === undefined || inView.length > DETAIL_LIMIT ? [] : [...inView];
  if (selected !== null && !ids.includes(selected)) ids.push(selected);
  return ids;
}
