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
/**
 * Longest longer text field (an approval's reason, a request id: 16 hex digits and a node id of at
 * most 64), in characters: 80 UTF-16 units are at most 240 bytes of UTF-8, within the wire's
 * 256-byte string-table entry.
 */
export const MAX_LONG_TEXT = 80;
/** Most source tracks one fused track may name. */
export const MAX_FUSION_SOURCES = 64;
/**
 * Most component kinds one entity may hold (its registers): the known kinds, the tombstone and room
 * for unknown ones. Each kind is a register every replica keeps for good; only unknown kinds are
 * capped, in all and per author (entity/kind-cap.ts, docs/security.md).
 */
export const MAX_KINDS_PER_ENTITY = 32;
