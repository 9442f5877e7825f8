import { MAX_COUNTER } from '../clock/hlc';
import type { Timestamp } from '../clock/timestamp';
import type { ComponentValue } from '../entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../ids';
import { DELETED, type Version } from '../merge/version';
import type { DecodeContext } from './context';
import type { FrameProof } from '../signing/leaf-proof';
import { readBatchTable } from './batch-table';
import { WireError, wireDecoder } from './errors';
import * as F from './format';
import { kindOfTag } from './kinds';
import { resolveLimits, type DecodeOptions } from './limits';
import { decodeOpaque, validated } from './opaque-codec';
import type { Decoder } from '../bytes/decoder';
import { MAX_LAT_Q, MAX_LON_Q } from './quantize';
import { firstIndices, RepeatSet, strictlyAscending } from './repeat-set';
import { readEntityTable, readNodeTable, readStringTable } from './tables';
import { decodeKnown } from './value-codec';
import { unzigzag } from '../bytes/zigzag';

const NO_SEEN: readonly Timestamp[] = Object.freeze([]);

/**
 * Decodes a batch from an untrusted peer. Every length, index, enum, range and count is checked
 * against the bytes and the limits; any violation throws a WireError and nothing is returned, so
 * a batch is taken whole or not at all. Values come out valid for validateComponent.
 */
export function decodeVersions(bytes: Uint8Array, options?: DecodeOptions): Version[] {
  const limits = resolveLimits(options);
  if (!(bytes instanceof Uint8Array)) throw new WireError('wire: expected a Uint8Array');
  if (bytes.length > limits.maxBytes) {
    throw new WireError(`wire: batch of ${bytes.length} bytes exceeds the limit of ${limits.maxBytes}`);
  }
  const r: Decoder = wireDecoder(bytes);
  const format = r.readU8();
  if (format !== F.FORMAT_VERSION) r.fail(`unsupported format version ${format}`);
  const flags = r.readU8();
  if ((flags & ~F.BATCH_POSITION_BASE) !== 0) r.fail(`unknown batch flags 0x${flags.toString(16)}`);
  let baseLatQ: number | undefined;
  let baseLonQ = 0;
  if ((flags & F.BATCH_POSITION_BASE) !== 0) {
    baseLatQ = r.readI32();
    baseLonQ = r.readI32();
    if (Math.abs(baseLatQ) > MAX_LAT_Q || Math.abs(baseLonQ) > MAX_LON_Q) r.fail('position base out of range');
  }
  const nodes = readNodeTable(r, options?.ids);
  const entities = readEntityTable(r, options?.ids);
  const strings = readStringTable(r, limits);
  const count = r.readCount('versions', limits.maxVersions, 1);
  const batches = readBatchTable(r, nodes, count);
  // Which table entry each of the first versions belongs to, and its leaf index there.
  let batch = 0;
  let member = 0;
  let batched = 0;
  for (const b of batches) batched += b.group.indices.length;
  const ctx: DecodeContext = { r, limits, nodes, entities, strings, latQ: 0, lonQ: 0, baseLatQ, baseLonQ, ms: 0 };
  const revalidate = options?.revalidate === true;
  // The encoder never writes the same (entity, kind, clock) twice in a batch; refusing repeats keeps
  // a small frame of one-byte "same entity, same clock" versions from decoding to megabytes.
  const repeats = RepeatSet.forBatch(count);
  // The encoder's entity table is sorted, so each entry is its own first; any other order is read too.
  const entityFirst = strictlyAscending(entities) ? null : firstIndices(entities);
  const nodeFirst = firstIndices(nodes);
  /** Codes of the unknown kinds of this batch, after the tags (an opaque kind is a string-table entry). */
  let opaqueKinds: Map<string, number> | undefined;

  const out: Version[] = new Array<Version>(count);
  let entity: EntityId | undefined;
  let ts: Timestamp | undefined;
  let prevMs = 0;
  let entityIndex = -1;
  let nodeIndex = -1;
  for (let i = 0; i < count; i++) {
    const h = r.readU8();
    const tag = h & 0x0f;
    const entityMode = (h >>> 4) & 0x03;
    const clockMode = h >>> 6;
    let extras = 0;
    if (clockMode === F.CLOCK_EXTENDED) {
      extras = r.readU8();
      if ((extras & ~(F.EXTRA_SEEN | F.EXTRA_SIG | F.EXTRA_SAME_CLOCK)) !== 0)
        r.fail(`unknown extras 0x${extras.toString(16)}`);
      if (i < batched && (extras & F.EXTRA_SIG) !== 0) r.fail(`version ${i} has its own signature inside a batch`);
    } else if (clockMode !== F.CLOCK_SAME && clockMode !== F.CLOCK_NEW) r.fail(`unknown clock mode ${clockMode}`);

    if (entityMode === F.ENTITY_NEXT || entityMode === F.ENTITY_INDEX) {
      const idx = entityMode === F.ENTITY_NEXT ? entityIndex + 1 : r.readVarUint();
      if (idx >= entities.length) r.fail(`entity index ${idx} out of range (table has ${entities.length})`);
      entity = entities[idx]!;
      entityIndex = idx;
    } else if (entityMode !== F.ENTITY_SAME) r.fail(`unknown entity mode ${entityMode}`);
    else if (entity === undefined) r.fail('first version refers to a previous entity');

    if (clockMode === F.CLOCK_NEW || (clockMode === F.CLOCK_EXTENDED && (extras & F.EXTRA_SAME_CLOCK) === 0)) {
      nodeIndex = readNodeIndex(r, nodes);
      const node = nodes[nodeIndex]!;
      const v = r.readVarUint();
      const hasC = v % 2;
      const ms = prevMs + unzigzag((v - hasC) / 2);
      if (ms < 0 || ms > F.MAX_MS) r.fail(`clock ms ${ms} out of range`);
      const c = hasC === 1 ? readCounter(r) : 0;
      ts = { ms, c, node };
      prevMs = ms;
    } else if (ts === undefined) r.fail('first version refers to a previous clock');

    let seen = NO_SEEN;
    if ((extras & F.EXTRA_SEEN) !== 0) seen = readSeen(ctx, ts.ms);
    const sig = (extras & F.EXTRA_SIG) !== 0 ? r.readBytes(F.SIG_BYTES) : undefined;
    let proof: FrameProof | undefined;
    if (i < batched) {
      const b = batches[batch]!;
      if (ts.node !== b.author) r.fail(`version ${i} by ${ts.node} in a batch signed by ${b.author}`);
      proof = {
        kind: 'frame',
        form: b.form,
        sig: b.sig,
        count: b.count,
        index: b.group.indices[member]!,
        group: b.group,
      };
      if (++member === b.group.indices.length) {
        batch++;
        member = 0;
      }
    }

    ctx.ms = ts.ms;
    let kind: ComponentKind;
    let value: ComponentValue | null;
    // An expiry with or without a floor is one kind: one (entity, kind, clock) per batch.
    let kindCode = tag === F.TAG_EXPIRY_FLOOR ? F.TAG_EXPIRY : tag;
    if (tag === F.TAG_DELETED) {
      kind = DELETED;
      value = null;
    } else if (tag === F.TAG_UNKNOWN) {
      const o = decodeOpaque(ctx);
      kind = o.kind as ComponentKind;
      value = o.value;
      opaqueKinds ??= new Map();
      kindCode = opaqueKinds.get(kind) ?? 16 + opaqueKinds.size;
      opaqueKinds.set(kind, kindCode);
    } else {
      const k = kindOfTag(tag);
      if (k === undefined) return r.fail(`unknown kind tag ${tag}`);
      kind = k;
      value = decodeKnown(ctx, tag);
      if (revalidate) value = validated(kind, value);
    }
    const entityKey = entityFirst === null ? entityIndex : entityFirst[entityIndex]!;
    if (!repeats.add(entityKey, kindCode, ts.ms, ts.c, nodeFirst[nodeIndex]!))
      r.fail(`version ${i} repeats (entity, kind, clock) within the batch`);
    const made: Version =
      proof !== undefined
        ? { entity, kind, value, ts, seen, proof }
        : sig === undefined
          ? { entity, kind, value, ts, seen }
          : { entity, kind, value, ts, seen, sig };
    if (proof !== undefined) (proof.group.members as Version[]).push(made);
    out[i] = made;
  }
  if (r.left !== 0) r.fail(`${r.left} trailing bytes after the last version`);
  return out;
}

function readNode(r: Decoder, nodes: readonly NodeId[]): NodeId {
  return nodes[readNodeIndex(r, nodes)]!;
}

function readNodeIndex(r: Decoder, nodes: readonly NodeId[]): number {
  const idx = r.readVarUint();
  if (idx >= nodes.length) r.fail(`node index ${idx} out of range (table has ${nodes.length})`);
  return idx;
}

function readCounter(r: Decoder): number {
  const c = r.readVarUint();
  if (c > MAX_COUNTER) r.fail(`clock counter ${c} exceeds ${MAX_COUNTER}`);
  return c;
}

function readSeen(ctx: DecodeContext, ms: number): Timestamp[] {
  const r = ctx.r;
  const n = r.readCount('seen entries', ctx.limits.maxSeen, 3);
  const seen: Timestamp[] = [];
  for (let i = 0; i < n; i++) {
    const node = readNode(r, ctx.nodes);
    const sms = ms + unzigzag(r.readVarUint());
    if (sms < 0 || sms > F.MAX_MS) r.fail(`seen ms ${sms} out of range`);
    seen.push({ ms: sms, c: readCounter(r), node });
  }
  return seen;
}
