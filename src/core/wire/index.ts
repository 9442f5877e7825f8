/** The wire codec: compact, versioned binary batches of component versions (layout: format.ts). */
export { encodeVersions } from './encode';
export { decodeVersions } from './decode';
export { WireError } from './errors';
export { IdCache } from './ascii-ids';
export { DEFAULT_LIMITS, type DecodeOptions, type WireLimits } from './limits';
export { FORMAT_VERSION } from './format';
export { quantizeValue, quantizeVersion } from './quantize';
