/**
 * Bounds on what `simulate()` accepts (checked at the handle, offered by the simulator controls):
 * enough for the 1,000-track benchmark with room, not enough to drown the worker.
 */
export const SIM_MAX_TRACKS = 10_000;
export const SIM_MAX_HZ = 10;
