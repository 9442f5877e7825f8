/** The properties a track's map feature carries (read by the styles, set by TrackFeatures). */
export const TRACK = {
  id: 'trackId',
  sidc: 'sidc',
  threat: 'threat',
  stale: 'stale',
  selected: 'selected',
  /** The uncertainty ellipse's parameters (an Ellipse, metres), when the position has an accuracy or covariance. */
  ellipse: 'ellipse',
  /** The heading leader's far end (projected XY), when the track moves. */
  leader: 'leader',
  /** Latitude of the fix (Mercator's scale for the ellipse). */
  lat: 'lat',
} as const;
