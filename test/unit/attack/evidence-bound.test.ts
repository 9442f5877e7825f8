/**
 * What a member signing twins can make a node hold (core/store/evidence.ts). Each losing twin whose
 * context teaches something is kept as evidence (stored, served); its author is charged for it. Past
 * MAX_EVIDENCE_PER_AUTHOR or MAX_EVIDENCE (the node), a delivery by that
 * author that would add evidence charged to it is refused before anything is learned from it:
 * counted, logged, held back (asked for again later), and the honest heads it names stay. Another
 * author's delivery is never refused over them. The entity's bound is applied after the weighing:
 * the latest 64 stay, whoever's, and a delivery weighed past them is refused, so replicas keep the
 * same in any order.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';
import { MAX_EVIDENCE_PER_AUTHOR } from '../../../src/core/store/evidence';
import { signNow, testIdentity } from '../support/test-keys';
import { MeshSim } from '../node/mesh/mesh-sim';

const NOTE = 'zz_note' as ComponentKind;
const T = 1_700_000_000_000;

/** On entity `e`: an honest head by h, and `author`'s twins at one timestamp, the losing one naming h's head. */
function twins(e: string, author = 'x', ms = T): { honest: Version; bare: Version; wide: Version } {
  const entity = e as EntityId;
  const honest: Version = {
    entity,
    kind: NOTE,
    value: { text: 'h' },
    ts: { ms: ms - 10, c: 0, node: 'h' as NodeId },
    seen: [],
  };
  const base = { entity, kind: NOTE, value: { text: 'same' }, ts: { ms, c: 0, node: author as NodeId } };
  return { honest, bare: { ...base, seen: [] }, wide: { ...base, seen: [honest.ts] } };
}

describe('attack suite: the evidence bound', () => {
  it('holds one author to its bound, then the node to its, refusing before learning; the honest heads stay', () => {
    const store = new EntityStore({ evidence: { perAuthor: 3, node: 5, perEntity: 64 } });
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { honest, bare, wide } = twins(`x${i}`);
      store.apply(honest);
      store.apply(bare);
      const out = store.apply(wide);
      outcomes.push(out.kind === 'obsolete' && out.limited === true ? 'limited' : out.kind);
      const heads = store.heads(`x${i}` as EntityId, NOTE).map((h) => h.ts.node);
      // Kept as evidence: h's head is covered; refused at the bound: nothing was learned, it stays.
      expect(heads.sort(), `entity x${i}`).toEqual(i < 3 ? ['x'] : ['h', 'x']);
    }
    expect(outcomes).toEqual(['obsolete', 'obsolete', 'obsolete', 'limited', 'limited']);
    // Twins refused at the bound are counted as refused, not met: nothing of them was merged.
    expect(store.evidenceStats()).toMatchObject({ held: 3, authors: 1, refused: 2, equivocations: 3 });
    // Another author still has room, up to the node's bound.
    for (let i = 0; i < 3; i++) {
      const { honest, bare, wide } = twins(`y${i}`, 'y');
      for (const v of [honest, bare, wide]) store.apply(v);
    }
    expect(store.evidenceStats()).toMatchObject({ held: 5, authors: 2, refused: 3 });
    expect(
      store
        .heads('y2' as EntityId, NOTE)
        .map((h) => h.ts.node)
        .sort(),
    ).toEqual(['h', 'y']);
    // A delivery that adds no evidence is never refused: the bound costs honest traffic nothing.
    const { honest } = twins('z');
    expect(store.apply(honest).kind).toBe('applied');
    // Released evidence makes room again: a write that saw everything covers x0's losing twin.
    const cover: Version = {
      entity: 'x0' as EntityId,
      kind: NOTE,
      value: { text: 'h2' },
      ts: { ms: T + 5, c: 0, node: 'h' as NodeId },
      seen: [{ ms: T, c: 0, node: 'x' as NodeId }],
    };
    const out = store.apply(cover);
    expect(out.kind === 'applied' && out.released?.map((e) => e.version.seen.length)).toEqual([1]);
    expect(store.evidenceStats()).toMatchObject({ held: 4, authors: 2 });
  });

  it('holds one entity to its bound: the latest evidence stays, whatever the order of arrival', () => {
    const versions: Version[] = [];
    for (let i = 0; i < 4; i++) {
      const kind = `zz_k${i % 4}` as ComponentKind;
      const { honest, bare, wide } = twins('one', `a${i}`);
      versions.push(...[honest, bare, wide].map((v) => ({ ...v, kind })));
    }
    const kept = (store: EntityStore) =>
      [...store.state('one' as EntityId)!.evidenceVersions()].map((v) => `${v.kind} ${v.ts.node}`).sort();
    for (const order of [versions, [...versions].reverse()]) {
      const store = new EntityStore({ evidence: { perAuthor: 100, node: 100, perEntity: 2 } });
      for (const v of order) store.apply(v);
      expect(store.state('one' as EntityId)!.evidenceCount).toBe(2);
      expect(store.evidenceStats()).toMatchObject({ held: 2, authors: 2 });
      // a3's and a2's timestamps are the latest (compareTs: the node breaks the tie).
      expect(kept(store)).toEqual(['zz_k2 a2', 'zz_k3 a3']);
    }
  });

  it('a real node: counted in securityStats and stats; what it refused left nothing behind', async () => {
    const sim = new MeshSim({ seed: 21 });
    const a = await sim.add('a');
    for (const k of ['h', 'x']) await a.security.trust(testIdentity(k).publicKey);
    const n = MAX_EVIDENCE_PER_AUTHOR + 2;
    const batch: Version[] = [];
    for (let i = 0; i < n; i++) {
      const { honest, bare, wide } = twins(`t${i}`, 'x', sim.clock - 1_000);
      batch.push(
        signNow(testIdentity('h'), honest),
        signNow(testIdentity('x'), bare),
        signNow(testIdentity('x'), wide),
      );
    }
    const applied = a.node.applyRemote(batch);
    // The honest heads and the winning twins apply; the losing twins are kept up to the bound.
    expect(applied.length).toBe(2 * n + MAX_EVIDENCE_PER_AUTHOR);
    const stats = a.mesh.securityStats();
    expect(stats.evidence).toMatchObject({ held: MAX_EVIDENCE_PER_AUTHOR, authors: 1, refused: 2 });
    expect(stats.equivocations).toBe(MAX_EVIDENCE_PER_AUTHOR);
    expect((await a.node.stats()).rejected['evidence-limit']).toBe(2);
    // The refused ones left nothing behind: their entities still show the honest head beside x's.
    expect((await a.node.heads(`t${n - 1}`, NOTE)).map((h) => h.author).sort()).toEqual(['h', 'x']);
    expect((await a.node.heads('t0', NOTE)).map((h) => h.author)).toEqual(['x']);
  });
});

describe('attack suite: the evidence bound never refuses an honest delivery', () => {
  const e = 'e' as EntityId;
  const at = (ms: number, node: string) => ({ ms, c: 0, node: node as NodeId });
  const put = (ts: ReturnType<typeof at>, text: string, seen: ReturnType<typeof at>[]): Version => ({
    entity: e,
    kind: NOTE,
    value: { text },
    ts,
    seen,
  });
  /** x fills `e` to the entity's bound with evidence (twins, the losing one naming a writer nobody heard of). */
  function filled(): EntityStore {
    const store = new EntityStore();
    for (let i = 0; i < 64; i++) {
      store.apply(put(at(T + 10 * i, 'x'), 's', []));
      store.apply(put(at(T + 10 * i, 'x'), 's', [at(T - 5, `z${i}`)]));
    }
    expect(store.state(e)!.evidenceCount).toBe(64);
    return store;
  }

  it('an honest write dropping a twin head it never saw applies; replicas converge', () => {
    const n = filled();
    const m = filled();
    // x's twins: A to n, B to m. h saw only B.
    const twinA = put(at(T + 5000, 'x'), 'a', [at(T - 1, 'zz')]);
    const twinB = put(at(T + 5000, 'x'), 'a', []);
    const honest = put(at(T + 6000, 'h'), 'honest', [at(T + 5000, 'x')]);
    n.apply(twinA);
    m.apply(twinB);
    const out = n.apply(honest);
    expect(out.kind).toBe('applied');
    expect(m.apply(honest).kind).toBe('applied');
    // Twin A is kept as evidence; the entity's bound releases the oldest. None of x's versions stands
    // above it, so it is charged to the author of the write covering it (evidence.ts, chargedFor):
    // h, whose own deliveries that never refuses (none of h's versions is charged to h).
    expect(n.evidenceStats()).toMatchObject({ held: 64, authors: 2, refused: 0 });
    const charged = n
      .state(e)!
      .meta()
      .evidence!.find((x) => x.version === twinA);
    expect(charged?.by).toBe('h');
    // What each serves, the other applies: the same heads on both.
    for (const [from, to] of [
      [n, m],
      [m, n],
    ] as const) {
      for (const v of [...from.state(e)!.evidenceVersions(), ...from.state(e)!.versions()]) to.apply(v);
    }
    for (const s of [n, m]) expect(s.heads(e, NOTE).map((h) => h.ts.node)).toEqual(['h']);
    // The same evidence on both: the latest 64, whichever twin each got first.
    const evidence = (s: EntityStore) => [...s.state(e)!.evidenceVersions()].map((v) => v.ts.ms).sort();
    expect(evidence(m)).toEqual(evidence(n));
    expect(evidence(n)[0]).toBe(T + 10);
    // x's own twin at the entity's bound: one later than all is kept, the oldest released.
    const more = put(at(T + 7000, 'x'), 's', []);
    n.apply(more);
    const late = n.apply(put(more.ts, 's', [at(T - 5, 'zy')]));
    expect(late.kind === 'obsolete' && late.limited).not.toBe(true);
    expect(n.state(e)!.evidenceCount).toBe(64);
    expect(evidence(n)[0]).toBe(T + 20);
    // One earlier than all is refused before anything is learned from it.
    expect(n.apply(put(at(T + 5, 'x'), 's', [at(T - 5, 'zw')]))).toEqual({ kind: 'obsolete', limited: true });
    expect(n.state(e)!.evidenceCount).toBe(64);
  });
});

describe('attack suite: past the entity bound, replicas still keep the same', () => {
  const e = 'many' as EntityId;
  const at = (ms: number, node: string) => ({ ms, c: 0, node: node as NodeId });
  const name = (i: number) => `a${String(i).padStart(2, '0')}`;
  // 70 twins of x at T, each naming another honest write a00…a69 at T-1 (docs/security.md, "Twins
  // and evidence"): more than the entity's 64 evidence items, each teaching what no other does.
  const honest = Array.from({ length: 70 }, (_, i): Version => ({
    entity: e,
    kind: NOTE,
    value: { text: name(i) },
    ts: at(T - 1, name(i)),
    seen: [],
  }));
  const twinsOf = honest.map((h, i): Version => ({
    entity: e,
    kind: NOTE,
    value: { text: `t${i}` },
    ts: at(T, 'x'),
    seen: [h.ts],
  }));
  const kept = (s: EntityStore) =>
    [...s.retained()]
      .map((v) => `${v.ts.node}@${v.ts.ms} ${JSON.stringify(v.value)}`)
      .sort()
      .join(',');
  const summary = (s: EntityStore) => ({
    heads: s
      .heads(e, NOTE)
      .map((h) => `${h.ts.node} ${JSON.stringify(h.value)}`)
      .sort(),
    kept: kept(s),
    context: s.contextFor(e, NOTE, 'fresh' as NodeId),
  });

  it('twins reaching two replicas in opposite orders leave the same heads, evidence and knowledge', () => {
    const a = new EntityStore();
    const b = new EntityStore();
    for (const v of [...honest, ...twinsOf]) a.apply(v);
    for (const v of [...honest, ...twinsOf].reverse()) b.apply(v);
    // Anti-entropy: each receives what the other keeps and serves, until nothing changes.
    for (let round = 0; round < 10; round++) {
      const before = kept(a) + '#' + kept(b);
      for (const v of [...b.retained()]) a.apply(v);
      for (const v of [...a.retained()]) b.apply(v);
      if (kept(a) + '#' + kept(b) === before) break;
    }
    expect(a.state(e)!.evidenceCount).toBe(64);
    expect(summary(b)).toEqual(summary(a));
    // Synced for good: what either serves is a duplicate at the other.
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const)
      for (const v of from.retained()) expect(to.apply(v).kind).toBe('duplicate');
    // An honest write that only the twins past the bound name is a head on both.
    expect(summary(a).heads.filter((h) => h.startsWith('a')).length).toBeGreaterThan(0);
  });
});
