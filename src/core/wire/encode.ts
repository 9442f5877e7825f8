import { MAX_COUNTER } from '../clock/hlc';
import type { Timestamp } from '../clock/timestamp';
import { isEntityId, isNodeId, type EntityId, type NodeId } from '../ids';
import type { Fusion, Position } from '../entity/component-types';
import type { Version } from '../merge/version';
import { Interner, type EncodeContext } from './context';
import { planBatches, writeBatchTable } from './batch-table';
import { WireError, wireEncodeFailure } from './errors';
import * as F from './format';
import { tagOfValue } from './kinds';
import { DEFAULT_LIMITS } from './limits';
import { encodeOpaque } from './opaque-codec';
import { quantizedLatLon } from './position-codec';
import { writeEntityTable, writeNodeTable, writeStringTable } from './tables';
import { encodeKnown } from './value-codec';
import { Encoder } from '../bytes/encoder';
import { zigzag } from '../bytes/zigzag';

/**
 * Encodes component versions as one self-contained batch (layout: format.ts). Values are
 * quantised on the way (quantize.ts); versions of a signed batch go together, under their batch's
 * signature and multiproof (batch-table.ts). Throws a WireError for a version no peer would accept
 * (bad ids or clock, more seen entries than the default limit, a signature not of 64 bytes, a
 * subset of a batch this node cannot prove);
 * the caller splits batches to stay under the peers' byte limit (256 KiB by default).
 */
export function encodeVersions(input: readonly Version[]): Uint8Array {
  // Peers refuse a batch that repeats a version's (entity, kind, clock): a repeat is written once.
  const written = new Set<string>();
  const unique: Version[] = [];
  for (const v of input) {
    const key = `${v.kind}\u0000${v.ts.ms}\u0000${v.ts.c}\u0000${v.ts.node}\u0000${v.entity}`;
    if (written.has(key)) continue;
    written.add(key);
    unique.push(v);
  }
  const plan = planBatches(unique);
  const versions: Version[] = [];
  for (const b of plan.batches) versions.push(...b.members);
  versions.push(...plan.rest);
  const batched = versions.length - plan.rest.length;
  const pre = prepass(versions);
  const ctx: EncodeContext = {
    w: new Encoder(64 + versions.length * 16, wireEncodeFailure),
    nodes: new Interner<NodeId>(),
    entities: pre.entities,
    strings: new Interner<string>(),
    latQ: 0,
    lonQ: 0,
    baseLatQ: pre.baseLatQ,
    baseLonQ: pre.baseLonQ,
    ms: 0,
  };
  const w = ctx.w;
  w.writeVarUint(versions.length);
  writeBatchTable(w, plan.batches, (n) => {
    if (!isNodeId(n)) throw new WireError('cannot encode a batch author: invalid node id');
    return ctx.nodes.add(n);
  });
  let prev: Version | undefined;
  let prevMs = 0;
  let prevIndex = -1;
  for (let at = 0; at < versions.length; at++) {
    const v = versions[at]!;
    const tag = tagOfValue(v.kind, v.value);
    const ts = v.ts;
    checkTs(ts, 'ts');
    const sameClock = prev !== undefined && prev.ts.ms === ts.ms && prev.ts.c === ts.c && prev.ts.node === ts.node;
    const seen = v.seen;
    if (seen.length > DEFAULT_LIMITS.maxSeen) {
      throw new WireError(`cannot encode ${seen.length} seen entries: peers accept at most ${DEFAULT_LIMITS.maxSeen}`);
    }
    // A version of a batch is covered by the batch table; the rest may carry their own signature.
    const ownSig = at >= batched ? v.sig : undefined;
    if (ownSig !== undefined && !(ownSig instanceof Uint8Array && ownSig.length === F.SIG_BYTES)) {
      throw new WireError(`cannot encode a signature of other than ${F.SIG_BYTES} bytes`);
    }
    const extended = seen.length > 0 || ownSig !== undefined;

    let entityMode: number;
    const entityIndex = pre.entities.get(v.entity)!;
    if (prev !== undefined && prev.entity === v.entity) entityMode = F.ENTITY_SAME;
    else entityMode = entityIndex === prevIndex + 1 ? F.ENTITY_NEXT : F.ENTITY_INDEX;
    prevIndex = entityIndex;
    const clockMode = extended ? F.CLOCK_EXTENDED : sameClock ? F.CLOCK_SAME : F.CLOCK_NEW;
    w.writeU8(tag | (entityMode << 4) | (clockMode << 6));
    if (extended) {
      w.writeU8(
        (seen.length > 0 ? F.EXTRA_SEEN : 0) |
          (ownSig !== undefined ? F.EXTRA_SIG : 0) |
          (sameClock ? F.EXTRA_SAME_CLOCK : 0),
      );
    }
    if (entityMode === F.ENTITY_INDEX) w.writeVarUint(entityIndex);
    if (!sameClock) {
      w.writeVarUint(ctx.nodes.add(ts.node));
      w.writeVarUint(zigzag(ts.ms - prevMs) * 2 + (ts.c !== 0 ? 1 : 0));
      if (ts.c !== 0) w.writeVarUint(ts.c);
      prevMs = ts.ms;
    }
    if (seen.length > 0) {
      w.writeVarUint(seen.length);
      for (const s of seen) {
        checkTs(s, 'seen');
        w.writeVarUint(ctx.nodes.add(s.node));
        w.writeVarUint(zigzag(s.ms - ts.ms));
        w.writeVarUint(s.c);
      }
    }
    if (ownSig !== undefined) w.writeBytes(ownSig);
    ctx.ms = ts.ms;
    if (tag === F.TAG_UNKNOWN) encodeOpaque(ctx, v.kind, v.value!);
    else if (tag !== F.TAG_DELETED) encodeKnown(ctx, tag, v.value!);
    prev = v;
  }

  const out = new Encoder(w.length + 64 + pre.sorted.length * 8 + ctx.nodes.list.length * 34, wireEncodeFailure);
  out.writeU8(F.FORMAT_VERSION);
  out.writeU8(pre.baseLatQ !== undefined ? F.BATCH_POSITION_BASE : 0);
  if (pre.baseLatQ !== undefined) {
    out.writeI32(pre.baseLatQ);
    out.writeI32(pre.baseLonQ);
  }
  writeNodeTable(out, ctx.nodes.list);
  writeEntityTable(out, pre.sorted);
  writeStringTable(out, ctx.strings.list);
  out.writeBytes(w.view());
  return out.finish();
}

interface Prepass {
  readonly sorted: EntityId[];
  readonly entities: Map<EntityId, number>;
  readonly baseLatQ: number | undefined;
  readonly baseLonQ: number;
}

/**
 * Before the body: every entity id (versions' and fusion sources'), sorted so that front coding
 * shares long prefixes whatever order the versions come in, and the batch's smallest lat/lon.
 */
function prepass(versions: readonly Version[]): Prepass {
  const ids = new Set<EntityId>();
  const add = (id: EntityId): void => {
    if (ids.has(id)) return;
    if (!isEntityId(id)) throw new WireError(`cannot encode entity id ${JSON.stringify(id)}`);
    ids.add(id);
  };
  let baseLatQ = Infinity;
  let baseLonQ = Infinity;
  const note = (p: Position): void => {
    if (typeof p !== 'object' || p === null) throw new WireError('cannot encode a position that is not an object');
    const [latQ, lonQ] = quantizedLatLon(p);
    if (latQ < baseLatQ) baseLatQ = latQ;
    if (lonQ < baseLonQ) baseLonQ = lonQ;
  };
  for (const v of versions) {
    add(v.entity);
    const tag = tagOfValue(v.kind, v.value);
    checkValue(v, tag);
    if (tag === F.TAG_POSITION) note(v.value as Position);
    else if (tag === F.TAG_FUSION) {
      const f = v.value as Fusion;
      if (!Array.isArray(f.sources)) throw new WireError('cannot encode fusion.sources: not an array');
      for (const s of f.sources) add(s);
      note(f.position);
    }
  }
  // Ids are ASCII, so sorting by UTF-16 code unit is sorting by byte.
  const sorted = [...ids].sort();
  return {
    sorted,
    entities: new Map(sorted.map((id, i) => [id, i])),
    baseLatQ: baseLatQ === Infinity ? undefined : baseLatQ,
    baseLonQ: baseLonQ === Infinity ? 0 : baseLonQ,
  };
}

function checkTs(ts: Timestamp, what: string): void {
  if (!isNodeId(ts.node)) throw new WireError(`cannot encode ${what}: invalid node id`);
  if (!(Number.isSafeInteger(ts.ms) && ts.ms >= 0 && ts.ms <= F.MAX_MS)) {
    throw new WireError(`cannot encode ${what}: ms ${ts.ms} is not a 48-bit integer`);
  }
  if (!(Number.isInteger(ts.c) && ts.c >= 0 && ts.c <= MAX_COUNTER)) {
    throw new WireError(`cannot encode ${what}: counter ${ts.c} is not a 16-bit integer`);
  }
}

function checkValue(v: Version, tag: number): void {
  if (tag === F.TAG_DELETED) {
    if (v.value !== null) throw new WireError('cannot encode a tombstone with a value');
  } else if (v.value === null || typeof v.value !== 'object') {
    throw new WireError(`cannot encode ${v.kind}: value must be an object`);
  }
}
