import Feature from 'ol/Feature';
import Point from 'ol/geom/Point';
import { describe, expect, it } from 'vitest';
import { DETAIL_LIMIT, TrackDetail, detailIds } from '../../../../src/ui/map/track-detail';

const at = (x: number, y: number): Feature<Point> => new Feature<Point>({ geometry: new Point([x, y]) });

describe('which tracks get an ellipse and a leader', () => {
  it('gives them to every track in view while they are few, and to the selected one always', () => {
    expect(detailIds(['a', 'b'], null)).toEqual(['a', 'b']);
    expect(detailIds(['a', 'b'], 'far')).toEqual(['a', 'b', 'far']);
    expect(detailIds(['a', 'b'], 'a')).toEqual(['a', 'b']);
  });

  it('gives them to none but the selected track when more than DETAIL_LIMIT are in view', () => {
    const crowd = Array.from({ length: DETAIL_LIMIT + 1 }, (_, i) => `t${i.toString()}`);
    expect(detailIds(crowd, null)).toEqual([]);
    expect(detailIds(undefined, 't3')).toEqual(['t3']);
    expect(detailIds(crowd.slice(0, DETAIL_LIMIT), null)).toHaveLength(DETAIL_LIMIT);
  });

  it('shows exactly the features it is given, adding and removing from its source', () => {
    const [a, b, c] = [at(1, 1), at(2, 2), at(3, 3)];
    const detail = new TrackDetail();
    detail.show([a, b]);
    expect(new Set(detail.source.getFeatures())).toEqual(new Set([a, b]));
    detail.show([b, c]);
    expect(new Set(detail.source.getFeatures())).toEqual(new Set([b, c]));
    expect(detail.size).toBe(2);
    detail.show([]);
    expect(detail.source.getFeatures()).toEqual([]);
  });
});
