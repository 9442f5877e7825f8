import { describe, expect, it } from 'vitest';
import { encodeSegments, SegmentBuilder } from '../../../../src/adapters/idb/encode';
import { Decoder, Encoder } from '../../../../src/core/bytes';
import { measureStorages, Reconciler, UNSESSIONED_FINGERPRINT_KEY } from '../../../../src/core/reconcile';
import { MessageEncoder, Mode } from '../../../../src/core/reconcile/message';
import { Output } from '../../../../src/core/reconcile/output';
import { SymbolDiff } from '../../../../src/core/reconcile/rateless';
import { SortedVectorStorage } from '../../../../src/core/reconcile/sorted-vector-storage';
import { initialGate, stepGate } from '../../../../src/core/task/gate';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { decodeVersions, encodeVersions, quantizeValue } from '../../../../src/core/wire';
import { IdCache } from '../../../../src/core/wire/ascii-ids';
import { Interner } from '../../../../src/core/wire/context';
import { readEntityTable } from '../../../../src/core/wire/tables';
import { wireEncodeFailure } from '../../../../src/core/wire/errors';
import { divergentSets } from '../reconcile/helpers';
import { cfg, E, threat, A } from '../task/gate-fixtures';
import { haveSameMap, optimizedAfterFullGc } from '../../support/v8-natives';

/**
 * The short-lived classes of the sync path keep one instance each for the life of the class
 * (Decoder.shapeKeeper, Encoder.shapeKeeper and the rest: docs/benchmarks.md, scenario 1, "Encoder
 * after a full GC"). Without it, a full GC with none alive dropped the class's hidden class and
 * deoptimized the code built on it (V8's deopt reason "weak objects"), so every full GC sent the
 * codecs back to the interpreter. Each test optimizes a function of the path, drops everything its
 * run made, collects twice and asks V8 whether the optimized code is still there.
 */
/** n versions of moving tracks (position, velocity, threat) by five authors, 1 ms apart. */
function distinctVersions(n: number): Version[] {
  const kinds = ['position', 'velocity', 'threat'] as const;
  return Array.from({ length: n }, (_, i) => {
    const kind = kinds[i % kinds.length]!;
    const value =
      kind === 'position'
        ? { lat: 52 + i * 1e-5, lon: 4 - i * 1e-5, alt: 100 + (i % 50) }
        : kind === 'velocity'
          ? { east: (i % 40) - 20, north: 12.5 }
          : { level: i % 2 === 0 ? 'HIGH' : 'LOW' };
    return {
      entity: `track-${String(Math.floor(i / kinds.length) % 100).padStart(4, '0')}` as EntityId,
      kind: kind as ComponentKind,
      value: quantizeValue(kind, value as never),
      ts: { ms: 1_700_000_000_000 + i, c: 0, node: `sensor-${i % 5}` as NodeId },
      seen: [],
    };
  });
}

describe('shape keepers: optimized code survives a full GC with no short-lived instance alive', () => {
  it('encodeVersions (Encoder, Interner)', () => {
    const vs = distinctVersions(500);
    expect(optimizedAfterFullGc(encodeVersions, () => void encodeVersions(vs))).toBe(true);
  });

  it('decodeVersions (Decoder)', () => {
    const bytes = encodeVersions(distinctVersions(500));
    expect(optimizedAfterFullGc(decodeVersions, () => void decodeVersions(bytes))).toBe(true);
  });

  it('decodeVersions with a fresh IdCache per frame (IdCache, the table readers)', () => {
    const bytes = encodeVersions(distinctVersions(500));
    expect(optimizedAfterFullGc(readEntityTable, () => void decodeVersions(bytes, { ids: new IdCache() }))).toBe(true);
  });

  it('Reconciler.reconcile (Reconciler, Output, MessageEncoder, SymbolDiff) over storages that outlive the sessions', () => {
    const sets = [divergentSets(2_000, 'random', 'both'), divergentSets(2_000, 'recent', 'initiator')].map((s) => ({
      a: new SortedVectorStorage(s.a),
      b: new SortedVectorStorage(s.b),
    }));
    const run = (): void => {
      for (const { a, b } of sets) measureStorages(a, b, { key: UNSESSIONED_FINGERPRINT_KEY });
    };
    expect(optimizedAfterFullGc(Reconciler.prototype.reconcile, run)).toBe(true);
  });

  it('encodeSegments (SegmentBuilder, its KeyColumns)', () => {
    const vs = distinctVersions(500);
    expect(optimizedAfterFullGc(encodeSegments, () => void encodeSegments(vs, []))).toBe(true);
  });

  it('stepGate (its Writer)', () => {
    const config = cfg(A);
    const run = (): void => {
      let state = initialGate(E);
      for (let ms = 1; ms <= 50; ms++) {
        state = stepGate(
          state,
          { type: 'threat', threat: threat(ms % 2 === 0 ? 'HIGH' : 'LOW', ms) },
          ms,
          config,
        ).state;
      }
    };
    expect(optimizedAfterFullGc(stepGate, run)).toBe(true);
  });

  // A keeper of another hidden class than the instances' keeps nothing of theirs alive (a field
  // that moved to a heap number moves the class, as MessageEncoder's lastTs does).
  it('each keeper has the hidden class of an instance the path has used', () => {
    const w = new Encoder(64, wireEncodeFailure);
    w.writeVarUint(1_700_000_000_000);
    w.writeBytes(new Uint8Array(300));
    expect(haveSameMap(Encoder.shapeKeeper, w)).toBe(true);
    const r = new Decoder(w.finish());
    r.readVarUint();
    expect(haveSameMap(Decoder.shapeKeeper, r)).toBe(true);
    const names = new Interner<string>();
    names.add('a');
    expect(haveSameMap(Interner.shapeKeeper, names)).toBe(true);
    const m = new MessageEncoder();
    m.range({ ts: 1_700_000_000_000, prefix: new Uint8Array(1) }, Mode.Fingerprint);
    expect(haveSameMap(MessageEncoder.shapeKeeper, m)).toBe(true);
    expect(haveSameMap(Output.shapeKeeper, new Output(4_096))).toBe(true);
    const ids = new IdCache();
    decodeVersions(encodeVersions(distinctVersions(20)), { ids });
    expect(haveSameMap(IdCache.shapeKeeper, ids)).toBe(true);
    expect(haveSameMap(SymbolDiff.shapeKeeper, new SymbolDiff())).toBe(true);
    const { a, b } = divergentSets(2_000, 'random', 'both');
    const initiator = new Reconciler(new SortedVectorStorage(a), { key: UNSESSIONED_FINGERPRINT_KEY });
    const responder = new Reconciler(new SortedVectorStorage(b), { key: UNSESSIONED_FINGERPRINT_KEY, push: true });
    let msg: Uint8Array | null = initiator.initiate();
    while (msg !== null) msg = initiator.reconcile(responder.reconcile(msg).reply!).reply;
    expect(haveSameMap(Reconciler.shapeKeeper, initiator)).toBe(true);
    expect(haveSameMap(Reconciler.shapeKeeper, responder)).toBe(true);
    const builder = new SegmentBuilder();
    for (const v of distinctVersions(20)) builder.addVersion(v);
    builder.build();
    expect(haveSameMap(SegmentBuilder.shapeKeeper, builder)).toBe(true);
  });
});
