import type { Decoder } from './decoder';
import type { Encoder } from './encoder';

const encoder = new TextEncoder();
// fatal: malformed UTF-8 from a peer is an error, not silently replaced with U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: true });

/** False for strings with lone surrogates: UTF-8 cannot carry them, so encoding them would be lossy. */
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false;
    const next = s.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

export function writeString(w: Encoder, s: string): void {
  if (isAscii(s)) {
    w.writeVarUint(s.length);
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    w.writeBytes(bytes);
    return;
  }
  const bytes = encoder.encode(s);
  w.writeVarUint(bytes.length);
  w.writeBytes(bytes);
}

/** Reads a length-prefixed UTF-8 string of at most maxBytes bytes. */
export function readString(r: Decoder, maxBytes: number, what: string): string {
  const n = r.readVarUint();
  if (n > maxBytes) r.fail(`${what} of ${n} bytes exceeds the limit of ${maxBytes}`);
  return readUtf8(r, n, what);
}

export function readUtf8(r: Decoder, n: number, what: string): string {
  r.need(n);
  const start = r.pos;
  const buf = r.buf;
  let ascii = true;
  for (let i = start; i < start + n; i++) {
    if (buf[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  r.pos = start + n;
  // Short ASCII strings (ids, labels) decode faster by hand than through TextDecoder.
  if (ascii && n <= 64) return String.fromCharCode.apply(null, buf.subarray(start, start + n) as unknown as number[]);
  try {
    return decoder.decode(buf.subarray(start, start + n));
  } catch {
    r.pos = start;
    return r.fail(`${what} is not valid UTF-8`);
  }
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}
