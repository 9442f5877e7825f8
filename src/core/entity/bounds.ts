/**
 * The ranges a component's fields may take, declared once: validate-component.ts checks writes
 * against them and the wire (wire/quantize.ts) sizes its integer fields from them.
 */
export const MAX_LAT = 90;
export const MAX_LON = 180;
/** Metres either side of sea level. */
export const MAX_ALT = 1e8;
export const MAX_ACCURACY = 1e7;
/** Fastest thing we expect to track, in m/s: low orbit is ~7.8 km/s. */
export const MAX_SPEED = 20_000;
export const MAX_COVARIANCE = 1e12;
/** Latest instant (ms since the epoch) a component may name: the wire keeps 47 bits. */
export const MAX_EPOCH_MS = 2 ** 47;
/** Longest short text field (labels, sensor ids, task names), in characters. */
export const MAX_TEXT = 64;
/** Most source tracks one fused track may name. */
export const MAX_FUSION_SOURCES = 64;
