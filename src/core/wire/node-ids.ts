import { MAX_NODE_ID_LENGTH, type NodeId } from '../ids';
import { fromCodes, type IdCache } from './ascii-ids';
import type { Decoder } from '../bytes/decoder';
import type { Encoder } from '../bytes/encoder';

/**
 * Node ids use exactly the 64 characters of base64url ([A-Za-z0-9_-], see ids.ts), so each packs
 * into 6 bits: a 43-character id (a base64url Ed25519 public key) takes 1 + 33 bytes, not 44.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const CODE = new Int8Array(128).fill(-1);
const ALPHABET_CODES = Array.from(ALPHABET, (ch) => ch.charCodeAt(0));
for (let i = 0; i < ALPHABET.length; i++) CODE[ALPHABET.charCodeAt(i)] = i;

/** Caller guarantees a valid node id (checked by the encoder). */
export function writeNodeId(w: Encoder, id: NodeId): void {
  w.writeU8(id.length);
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < id.length; i++) {
    acc = (acc << 6) | CODE[id.charCodeAt(i)]!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      w.writeU8((acc >>> bits) & 0xff);
    }
  }
  if (bits > 0) w.writeU8((acc << (8 - bits)) & 0xff);
}

export function readNodeId(r: Decoder, cache?: IdCache): NodeId {
  const len = r.readU8();
  if (len === 0 || len > MAX_NODE_ID_LENGTH) r.fail(`node id length ${len} is not in 1..${MAX_NODE_ID_LENGTH}`);
  const nBytes = Math.ceil((len * 6) / 8);
  r.need(nBytes);
  // A node id the cache holds is found by its packed bytes (IdCache.getPacked); each id has one
  // packed form (the padding check below), so a hit is the id those bytes decode to.
  const start = r.pos;
  if (cache !== undefined) {
    const held = cache.getPacked(r.buf, start, nBytes, len);
    if (held !== undefined) {
      r.pos = start + nBytes;
      return held as NodeId;
    }
  }
  const codes = new Array<number>(len);
  let acc = 0;
  let bits = 0;
  let p = r.pos;
  for (let i = 0; i < len; i++) {
    if (bits < 6) {
      acc = ((acc << 8) | r.buf[p++]!) & 0xffff;
      bits += 8;
    }
    bits -= 6;
    codes[i] = ALPHABET_CODES[(acc >>> bits) & 0x3f]!;
  }
  // Padding bits must be zero so each id has exactly one encoding.
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) r.fail('node id padding bits are not zero');
  r.pos = p;
  if (cache === undefined) return fromCodes(codes, len) as NodeId;
  const id = cache.get(codes, len);
  cache.putPacked(r.buf, start, nBytes, id);
  return id as NodeId;
}
