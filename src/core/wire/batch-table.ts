import type { Decoder } from '../bytes/decoder';
import type { Encoder } from '../bytes/encoder';
import type { NodeId } from '../ids';
import type { Version } from '../merge/version';
import type { FrameProof, ProofGroup } from '../signing/leaf-proof';
import { isLeafForm, type LeafForm } from '../signing/leaf-form';
import {
  HASH_BYTES,
  MAX_BATCH_LEAVES,
  type MerklePath,
  proofLength,
  proveFrom,
  siblingsFromPaths,
} from '../signing/merkle';
import { WireError } from './errors';
import { SIG_BYTES } from './format';

/**
 * The batch table of a `versions` frame (format.ts): for each signed batch some of whose versions
 * the frame carries, its author, leaf count and signature once, the leaf indices present and the
 * multiproof for them (docs/security.md, "One signature per batch"). A whole batch (every leaf
 * present) needs neither indices nor proof hashes. The versions of table entry 0 come first in the
 * frame, in leaf order, then entry 1's, and so on; versions outside any batch come last.
 */

/** One table entry as the encoder plans it. */
export interface PlannedBatch {
  readonly author: NodeId;
  readonly form: LeafForm;
  readonly sig: Uint8Array;
  readonly count: number;
  /** In leaf order. */
  readonly members: Version[];
  readonly indices: number[];
  /** Empty for a whole batch. */
  readonly proof: readonly Uint8Array[];
}

export interface BatchPlan {
  readonly batches: PlannedBatch[];
  /** Versions under no batch (a per-version signature, or none), in input order. */
  readonly rest: Version[];
}

/** Groups versions by the batch their proof names and builds each group's multiproof. */
export function planBatches(versions: readonly Version[]): BatchPlan {
  const bySig = new Map<Uint8Array, Version[]>();
  const rest: Version[] = [];
  for (const v of versions) {
    const p = v.proof;
    if (p === undefined) {
      rest.push(v);
      continue;
    }
    if (!(p.sig instanceof Uint8Array) || p.sig.length !== SIG_BYTES) {
      throw new WireError(`cannot encode a batch signature of other than ${SIG_BYTES} bytes`);
    }
    const list = bySig.get(p.sig);
    if (list === undefined) bySig.set(p.sig, [v]);
    else list.push(v);
  }
  // Copies of one signature in distinct arrays (versions loaded or verified apart) join here.
  const byContent = new Map<string, Version[]>();
  for (const [sig, list] of bySig) {
    const p = list[0]!.proof!;
    const key = `${list[0]!.ts.node}\u0000${p.form}\u0000${p.count}\u0000${sig.join(',')}`;
    const known = byContent.get(key);
    if (known === undefined) byContent.set(key, list);
    else known.push(...list);
  }
  const batches: PlannedBatch[] = [];
  for (const list of byContent.values()) batches.push(planOne(list));
  return { batches, rest };
}

function planOne(list: Version[]): PlannedBatch {
  const first = list[0]!.proof!;
  const author = list[0]!.ts.node;
  const count = first.count;
  const form = first.form;
  if (!(Number.isInteger(count) && count >= 1 && count <= MAX_BATCH_LEAVES)) {
    throw new WireError(`cannot encode a batch of ${count} leaves`);
  }
  const sorted = [...list].sort((a, b) => a.proof!.index - b.proof!.index);
  const members: Version[] = [];
  const indices: number[] = [];
  for (const v of sorted) {
    const p = v.proof!;
    if (v.ts.node !== author || p.count !== count || p.form !== form)
      throw new WireError('one batch signature over two batches');
    if (!(Number.isInteger(p.index) && p.index >= 0 && p.index < count)) {
      throw new WireError(`cannot encode leaf index ${p.index} of a batch of ${count}`);
    }
    // The same leaf twice is the same version (one root, one leaf): written once.
    if (indices[indices.length - 1] === p.index) continue;
    members.push(v);
    indices.push(p.index);
  }
  if (indices.length === count) return { author, form, sig: first.sig, count, members, indices, proof: [] };
  const proof = proofFor(count, members, indices);
  if (proof === undefined) throw new WireError('cannot prove these versions of their batch');
  return { author, form, sig: first.sig, count, members, indices, proof };
}

function proofFor(count: number, members: readonly Version[], indices: readonly number[]): Uint8Array[] | undefined {
  const paths: { index: number; path: MerklePath }[] = [];
  let group: ProofGroup | undefined;
  for (const v of members) {
    const p = v.proof!;
    if (p.kind === 'path') paths.push({ index: p.index, path: p.path });
    else group = p.group;
  }
  if (paths.length === members.length) return proveFrom(count, indices, siblingsFromPaths(count, paths));
  // Versions decoded and not yet verified (codec round trips): their frame's proof, if it is the same subset.
  if (paths.length === 0 && group !== undefined && members.every((v) => (v.proof as FrameProof).group === group)) {
    if (group.indices.length === indices.length && group.indices.every((x, k) => x === indices[k]))
      return [...group.proof];
  }
  return undefined;
}

export function writeBatchTable(w: Encoder, batches: readonly PlannedBatch[], nodeIndex: (n: NodeId) => number): void {
  w.writeVarUint(batches.length);
  for (const b of batches) {
    w.writeVarUint(nodeIndex(b.author));
    w.writeU8(b.form);
    w.writeVarUint(b.count);
    w.writeBytes(b.sig);
    w.writeVarUint(b.indices.length);
    if (b.indices.length === b.count) continue;
    let prev = -1;
    for (const i of b.indices) {
      w.writeVarUint(i - prev - 1);
      prev = i;
    }
    for (const h of b.proof) w.writeBytes(h);
  }
}

/** A decoded table entry: the versions it covers follow in the frame. */
export interface DecodedBatch {
  readonly author: NodeId;
  readonly form: LeafForm;
  readonly sig: Uint8Array;
  readonly count: number;
  readonly group: ProofGroup;
}

/** Smallest entry: author, leaf form, count, signature, member count. */
const MIN_ENTRY_BYTES = 4 + SIG_BYTES;

/**
 * Reads the table against the frame's version count: each entry's count at most MAX_BATCH_LEAVES,
 * its members at least one and at most its count, all members together at most the frame's
 * versions, indices strictly ascending below the count, exactly the proof hashes the indices call
 * for. Anything else fails the frame.
 */
export function readBatchTable(r: Decoder, nodes: readonly NodeId[], versionCount: number): DecodedBatch[] {
  const n = r.readCount('batches', versionCount, MIN_ENTRY_BYTES);
  const out: DecodedBatch[] = [];
  let members = 0;
  for (let b = 0; b < n; b++) {
    const ni = r.readVarUint();
    if (ni >= nodes.length) r.fail(`batch author index ${ni} out of range (table has ${nodes.length})`);
    const form = r.readU8();
    if (!isLeafForm(form)) r.fail(`unknown leaf form ${form}`);
    const count = r.readVarUint();
    if (count < 1 || count > MAX_BATCH_LEAVES) r.fail(`batch of ${count} leaves (at most ${MAX_BATCH_LEAVES})`);
    const sig = r.readBytes(SIG_BYTES);
    const k = r.readVarUint();
    if (k < 1 || k > count) r.fail(`batch carries ${k} of its ${count} versions`);
    members += k;
    if (members > versionCount) r.fail(`batches claim ${members} versions, the frame has ${versionCount}`);
    let indices: number[];
    let proof: Uint8Array[] = [];
    if (k === count) {
      indices = Array.from({ length: count }, (_, i) => i);
    } else {
      indices = [];
      let prev = -1;
      for (let i = 0; i < k; i++) {
        const at = prev + 1 + r.readVarUint();
        if (at >= count) r.fail(`leaf index ${at} of a batch of ${count}`);
        indices.push(at);
        prev = at;
      }
      const h = proofLength(count, indices);
      r.need(h * HASH_BYTES);
      proof = [];
      for (let i = 0; i < h; i++) proof.push(r.readBytes(HASH_BYTES));
    }
    out.push({ author: nodes[ni]!, form, sig, count, group: { indices, proof, members: [] } });
  }
  return out;
}
