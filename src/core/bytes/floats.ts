/** Scratch views for moving floats to and from bytes; the wire order is little-endian. */
export const F64 = new Float64Array(1);
export const F64_BYTES = new Uint8Array(F64.buffer);
export const F32 = new Float32Array(1);
export const F32_BYTES = new Uint8Array(F32.buffer);
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
