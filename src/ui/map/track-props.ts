/** The properties a track's map feature carries (read by the style, set by TrackFeatures). */
export const TRACK = {
  id: 'trackId',
  sidc: 'sidc',
  threat: 'threat',
  stale: 'stale',
  selected: 'selected',
  /** The uncertainty ellipse (a Polygon), when the position has an accuracy or covariance. */
  ellipse: 'ellipse',
  /** The heading leader (a LineString), when the track moves. */
  leader: 'leader',
} as const;
