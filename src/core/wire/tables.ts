import type { EntityId, NodeId } from '../ids';
import { FNV_OFFSET, FNV_PRIME, fromCodes, isEntityIdCode, type IdCache } from './ascii-ids';
import type { WireLimits } from './limits';
import { readNodeId, writeNodeId } from './node-ids';
import type { Decoder } from '../bytes/decoder';
import { readString, writeString } from '../bytes/utf8';
import type { Encoder } from '../bytes/encoder';

/** The three tables at the head of a batch: every id and string is written once, then used by index. */

export function writeNodeTable(w: Encoder, nodes: readonly NodeId[]): void {
  w.writeVarUint(nodes.length);
  for (const n of nodes) writeNodeId(w, n);
}

export function readNodeTable(r: Decoder, cache: IdCache | undefined): NodeId[] {
  // Each entry takes at least 2 bytes (length + one packed byte).
  const n = r.readCount('node ids', Number.MAX_SAFE_INTEGER, 2);
  const out: NodeId[] = [];
  for (let i = 0; i < n; i++) out.push(readNodeId(r, cache));
  return out;
}

/**
 * Entity ids are front-coded (the shared prefix with the previous entry is not repeated): sensor
 * track ids such as `radar-1:track-0042` then cost 3–4 bytes each instead of 19.
 */
export function writeEntityTable(w: Encoder, ids: readonly EntityId[]): void {
  w.writeVarUint(ids.length);
  let prev = '';
  for (const id of ids) {
    const max = Math.min(prev.length, id.length);
    let p = 0;
    while (p < max && prev.charCodeAt(p) === id.charCodeAt(p)) p++;
    w.writeVarUint(p);
    writeString(w, id.slice(p));
    prev = id;
  }
}

const MAX_ENTITY_ID = 128;

export function readEntityTable(r: Decoder, cache: IdCache | undefined): EntityId[] {
  const n = r.readCount('entity ids', Number.MAX_SAFE_INTEGER, 2);
  const out: EntityId[] = [];
  // Each id is rebuilt from the previous one's codes plus its suffix, so it comes out as one flat
  // string (prefix + suffix would make a rope per id that the store would keep alive).
  const codes: number[] = [];
  // With a cache: hashes[k] is the FNV-1a state after the first k codes of the id being read, so
  // each id hashes only its suffix (the front coding's shared prefix was hashed for an earlier id).
  const hashes: number[] = [FNV_OFFSET];
  for (let i = 0; i < n; i++) {
    const p = r.readVarUint();
    if (p > codes.length) r.fail(`entity id ${i}: shared prefix ${p} longer than the previous id`);
    const len = r.readVarUint();
    const total = p + len;
    if (total === 0 || total > MAX_ENTITY_ID) r.fail(`entity id ${i}: length ${total} not in 1..${MAX_ENTITY_ID}`);
    r.need(len);
    const buf = r.buf;
    const at = r.pos;
    // Setting an array's length is a runtime call; ids of one table mostly share theirs.
    if (codes.length !== total) codes.length = total;
    for (let k = 0; k < len; k++) {
      const c = buf[at + k]!;
      // The same character rules as isEntityId (ids.ts), per byte instead of a regex.
      if (!isEntityIdCode(c, p + k === 0)) r.fail(`entity id ${i} is not a valid entity id`);
      codes[p + k] = c;
    }
    r.pos = at + len;
    if (cache === undefined) out.push(fromCodes(codes, total) as EntityId);
    else {
      let h = hashes[p]!;
      for (let k = p; k < total; k++) hashes[k + 1] = h = Math.imul(h ^ codes[k]!, FNV_PRIME);
      out.push(cache.getHashed(codes, total, h) as EntityId);
    }
  }
  return out;
}

export function writeStringTable(w: Encoder, strings: readonly string[]): void {
  w.writeVarUint(strings.length);
  for (const s of strings) writeString(w, s);
}

export function readStringTable(r: Decoder, limits: WireLimits): string[] {
  const n = r.readCount('strings', Number.MAX_SAFE_INTEGER, 1);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(readString(r, limits.maxStringBytes, 'string'));
  return out;
}
