import type { IdCache } from './ascii-ids';

/** Bounds a decoder enforces on every batch from a peer (docs/requirements.md §9: limits on message size). */
export interface WireLimits {
  /** Largest batch accepted; 256 KiB is Chrome's data-channel message limit (docs/performance.md row 7). */
  readonly maxBytes: number;
  readonly maxVersions: number;
  /** Largest UTF-8 length of one string-table entry (a label of 64 UTF-16 units needs at most 192). */
  readonly maxStringBytes: number;
  /**
   * Most `seen` entries on one version: one per other node that ever wrote the component, so the
   * bound is on the number of writers of one component a lattice may have.
   */
  readonly maxSeen: number;
  /** Largest UTF-8 JSON of an unknown kind (the validator's 4096-unit limit, at most 3 bytes per unit). */
  readonly maxOpaqueBytes: number;
}

export const DEFAULT_LIMITS: WireLimits = {
  maxBytes: 256 * 1024,
  maxVersions: 65_536,
  maxStringBytes: 256,
  maxSeen: 1024,
  maxOpaqueBytes: 3 * 4096,
};

export interface DecodeOptions extends Partial<WireLimits> {
  /** Reuses id strings across batches (keep one per peer): faster, and stored versions share them. */
  readonly ids?: IdCache;
  /**
   * Also pass every decoded value through `validateComponent` (the store's own validator). The
   * decoder's checks already reject every value that validator rejects (tested against it), so this
   * is defence in depth; it costs 0.4–1.5 µs per value with the current validator (docs/benchmarks.md).
   */
  readonly revalidate?: boolean;
}

export function resolveLimits(options: DecodeOptions | undefined): WireLimits {
  if (options === undefined) return DEFAULT_LIMITS;
  return {
    maxBytes: options.maxBytes ?? DEFAULT_LIMITS.maxBytes,
    maxVersions: options.maxVersions ?? DEFAULT_LIMITS.maxVersions,
    maxStringBytes: options.maxStringBytes ?? DEFAULT_LIMITS.maxStringBytes,
    maxSeen: options.maxSeen ?? DEFAULT_LIMITS.maxSeen,
    maxOpaqueBytes: options.maxOpaqueBytes ?? DEFAULT_LIMITS.maxOpaqueBytes,
  };
}
