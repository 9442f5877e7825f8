/**
 * What a member signing twins can make a node hold (core/store/evidence.ts). Each losing twin whose
 * context teaches something is kept as evidence (stored, served); its author is charged for it. The
 * entity's, the author's (MAX_EVIDENCE_PER_AUTHOR) and the node's (MAX_EVIDENCE) bounds are applied
 * after the weighing, in one fixed order (latest first): the first items stay, whoever's, and a
 * delivery that would be kept past them is refused before anything is learned from it (counted,
 * logged, held back, and the honest heads it names stay), so replicas keep the same in any order.
 * A delivery that is a head is never refused over them.
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
    // Another author still has room, up to the node's bound, which keeps the first 5 in the fixed
    // order over all of it: y's twins are later (same ms, node y after x), so y2's takes x2's place.
    for (let i = 0; i < 3; i++) {
      const { honest, bare, wide } = twins(`y${i}`, 'y');
      for (const v of [honest, bare, wide]) store.apply(v);
    }
    expect(store.evidenceStats()).toMatchObject({ held: 5, authors: 2, refused: 2 });
    expect(
      store
        .heads('y2' as EntityId, NOTE)
        .map((h) => h.ts.node)
        .sort(),
    ).toEqual(['y']);
    expect([...store.state('x2' as EntityId)!.evidenceVersions()]).toEqual([]);
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
    // In the fixed order (one timestamp: by entity id), so the last two are the ones past the bound.
    const ids = Array.from({ length: n }, (_, i) => `t${i}`).sort();
    const batch: Version[] = [];
    for (const id of ids) {
      const { honest, bare, wide } = twins(id, 'x', sim.clock - 1_000);
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
    expect((await a.node.heads(ids[n - 1]!, NOTE)).map((h) => h.author).sort()).toEqual(['h', 'x']);
    expect((await a.node.heads(ids[0]!, NOTE)).map((h) => h.author)).toEqual(['x']);
  });
});

describe('attack suite: the author’s bound on a real node, in the other order', () => {
  it('an item earlier in the fixed order displaces the last, whose entity’s stored meta drops it too', async () => {
    const sim = new MeshSim({ seed: 22 });
    const a = await sim.add('a');
    for (const k of ['h', 'x']) await a.security.trust(testIdentity(k).publicKey);
    const n = MAX_EVIDENCE_PER_AUTHOR + 2;
    const ids = Array.from({ length: n }, (_, i) => `t${i}`).sort();
    const at = sim.clock - 1_000;
    const signed = (id: string): Version[] => {
      const { bare, wide } = twins(id, 'x', at);
      return [signNow(testIdentity('x'), bare), signNow(testIdentity('x'), wide)];
    };
    // The honest heads first, stored before the twins drop them.
    a.node.applyRemote(ids.map((id) => signNow(testIdentity('h'), twins(id, 'x', at).honest)));
    await a.node.flushed();
    // Latest in the fixed order first: each of the last two batches takes the place of the last kept.
    a.node.applyRemote(
      [...ids]
        .reverse()
        .slice(0, n - 2)
        .flatMap(signed),
    );
    a.node.applyRemote(signed(ids[1]!));
    a.node.applyRemote(signed(ids[0]!));
    await a.node.flushed();
    expect(a.mesh.securityStats().evidence).toMatchObject({ held: MAX_EVIDENCE_PER_AUTHOR, refused: 0 });
    const stored = (id: string) => a.backing.entities.get(id as EntityId)?.evidence?.length ?? 0;
    expect([stored(ids[0]!), stored(ids[n - 3]!), stored(ids[n - 2]!), stored(ids[n - 1]!)]).toEqual([1, 1, 0, 0]);
    // What the node serves: the displaced twins left it.
    const served = (id: string) => [...a.node.versions()].filter((v) => v.entity === id).length;
    expect([served(ids[0]!), served(ids[n - 1]!)]).toEqual([2, 1]);
    const before = await sim.dump('a');
    await sim.restart('a');
    expect(await sim.dump('a')).toBe(before);
    expect(sim.get('a').mesh.securityStats().evidence).toMatchObject({ held: MAX_EVIDENCE_PER_AUTHOR });
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

  it('an honest write dropping a twin head it never saw applies, charged to the twin’s author; replicas converge', () => {
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
    // Twin A is kept as evidence, charged to x, not to h; the entity's bound releases the oldest.
    expect(n.evidenceStats()).toMatchObject({ held: 64, authors: 1, refused: 0 });
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

describe('attack suite: past the author’s evidence bound, replicas still keep the same', () => {
  // x's twins on more entities than its bound (docs/security.md, "Twins and evidence"): each entity
  // keeps one losing twin (naming h's head) as evidence charged to x. Two replicas fed them in
  // opposite orders used to keep the first 1,024 each had received, refuse the other's for good, and
  // show h's head on one and not the other.
  const n = MAX_EVIDENCE_PER_AUTHOR + 6;
  const ids = Array.from({ length: n }, (_, i) => `t${String(i).padStart(4, '0')}`);
  const all = ids.flatMap((id) => {
    const { honest, bare, wide } = twins(id);
    return [honest, bare, wide];
  });
  const kept = (s: EntityStore) =>
    [...s.retained()].map((v) => `${v.entity} ${v.ts.node}@${v.ts.ms} ${JSON.stringify(v.seen)}`).sort();
  /** What `x` holds and `y` does not (the whole lists would flood the report). */
  const missing = (x: readonly string[], y: readonly string[]) => {
    const have = new Set(y);
    return x.filter((s) => !have.has(s));
  };
  const picture = (s: EntityStore) =>
    ids.map((id) => {
      const e = id as EntityId;
      const heads = s
        .heads(e, NOTE)
        .map((h) => h.ts.node)
        .sort()
        .join('+');
      return `${id}:${heads}:${JSON.stringify(s.contextFor(e, NOTE, 'fresh' as NodeId))}`;
    });
  const exchange = (a: EntityStore, b: EntityStore) => {
    for (let round = 0; round < 10; round++) {
      const before = kept(a).join() + '#' + kept(b).join();
      for (const v of [...b.retained()]) a.apply(v);
      for (const v of [...a.retained()]) b.apply(v);
      if (kept(a).join() + '#' + kept(b).join() === before) return;
    }
  };

  it('twins over more entities than the author’s bound, in opposite orders: the same heads, evidence and knowledge', () => {
    const a = new EntityStore();
    const b = new EntityStore();
    for (const v of all) a.apply(v);
    for (const v of [...all].reverse()) b.apply(v);
    exchange(a, b);
    expect(a.evidenceStats()).toMatchObject({ held: MAX_EVIDENCE_PER_AUTHOR, authors: 1 });
    expect(b.evidenceStats()).toMatchObject({ held: MAX_EVIDENCE_PER_AUTHOR, authors: 1 });
    expect(missing(kept(a), kept(b)), 'kept by a, not b').toEqual([]);
    expect(missing(kept(b), kept(a)), 'kept by b, not a').toEqual([]);
    expect(missing(picture(a), picture(b)), 'heads and knowledge').toEqual([]);
    // Synced for good: what either serves is a duplicate at the other.
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const)
      for (const v of from.retained()) expect(to.apply(v).kind).toBe('duplicate');
    // A later honest write, on an entity of each end of the order, applies the same on both.
    for (const id of [ids[0]!, ids[n - 1]!]) {
      const e = id as EntityId;
      const later: Version = {
        entity: e,
        kind: NOTE,
        value: { text: 'later' },
        ts: { ms: T + 50, c: 0, node: 'k' as NodeId },
        seen: [{ ms: T, c: 0, node: 'x' as NodeId }],
      };
      expect(b.apply(later)).toEqual(a.apply(later));
      expect(b.heads(e, NOTE)).toEqual(a.heads(e, NOTE));
    }
    expect(missing(picture(a), picture(b))).toEqual([]);
  });
});
