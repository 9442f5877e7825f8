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
  /*
   * Numbers for the WebGL layer, whose style expressions become shader attributes (numbers only):
   * the symbol's cell in the sprite, its opacity (stale tracks dimmed), and 1/0 for the rings.
   */
  spriteX: 'spriteX',
  spriteY: 'spriteY',
  alpha: 'alpha',
  highRing: 'highRing',
  selectedRing: 'selectedRing',
} as const;
