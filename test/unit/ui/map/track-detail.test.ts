import Feature from 'ol/Feature';
import Point from 'ol/geom/Point';
import { describe, expect, it } from 'vitest';
import { DETAIL_LIMIT, TrackDetail } from '../../../../src/ui/map/track-detail';

const at = (x: number, y: number): Feature<Point> => new Feature<Point>({ geometry: new Point([x, y]) });

describe('which tracks get an ellipse and a leader', () => {
  it('gives them to every track in view while they are few, and to the selected one always', () => {
    const inView = [at(1, 1), at(2, 2)];
    const outside = at(50, 50);
    const detail = new TrackDetail();
    detail.refresh([...inView, outside], [0, 0, 10, 10], undefined);
    expect(new Set(detail.source.getFeatures())).toEqual(new Set(inView));
    detail.refresh([...inView, outside], [0, 0, 10, 10], outside);
    expect(new Set(detail.source.getFeatures())).toEqual(new Set([...inView, outside]));
  });

  it('gives them to none but the selected track when more than DETAIL_LIMIT are in view', () => {
    const crowd = Array.from({ length: DETAIL_LIMIT + 1 }, (_, i) => at(i % 10, 1));
    const detail = new TrackDetail();
    detail.refresh(crowd, [0, 0, 10, 10], undefined);
    expect(detail.size).toBe(0);
    detail.refresh(crowd, [0, 0, 10, 10], crowd[3]);
    expect(detail.source.getFeatures()).toEqual([crowd[3]]);
    // Zoomed in on a few: they get their detail back, and tracks gone from the picture leave.
    detail.refresh(crowd.slice(0, 5), [0, 0, 10, 10], undefined);
    expect(detail.size).toBe(5);
  });
});
