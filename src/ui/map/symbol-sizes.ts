/**
 * The sizes a symbol and its rings are drawn at, in CSS pixels, on their own (no drawing library)
 * so that the symbol layer's worker (sprite-worker.ts) takes them without OpenLayers or milsymbol.
 */

/** Symbol size in CSS pixels (milsymbol's `size`: the frame's height): readable at arm's length in daylight. */
export const SYMBOL_SIZE = 32;
/** The radius of the rings drawn around a symbol, in CSS pixels. */
export const RING_RADIUS = SYMBOL_SIZE * 0.95;
/** The selection ring sits this far outside the HIGH ring, so both show on a selected HIGH threat. */
export const SELECTED_RING_GAP = 6;
/** How far a HIGH threat's pulse grows beyond its ring (threat-pulse.ts). */
export const GROWTH_PX = 22;
