/**
 * The simulator's bounds, defined once: what `Simulation` accepts, what `simulate()` accepts
 * (checked at the handle) and what the simulator controls offer. Enough for the 1,000-track
 * benchmark with room, not enough to drown the worker; at ≤ 10 Hz every report lands in a tick of
 * its own (SIM_TICK_MS).
 */
export const SIM_MAX_TRACKS = 10_000;
export const SIM_MAX_HZ = 10;
