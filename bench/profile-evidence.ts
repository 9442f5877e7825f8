import type { NodeId } from '../src/core/ids';
import type { Version } from '../src/core/merge/version';
import { EntityStore } from '../src/core/store/entity-store';
import type { EntityId, ComponentKind } from '../src/core/ids';

/**
 * What a register holding evidence costs a delivery (docs/security.md, "Twins and evidence", known
 * limits), alone (not a scenario: it saves nothing):
 *   node --import tsx bench/profile-evidence.ts [evidence] [rounds]
 * A member x makes one register keep `evidence` refused versions, each naming a write of an author
 * no other version names (the entity's bound is 64). Then, timed: honest writes by h that keep it
 * all (each weighs the register again), and one honest write whose rest marker implies all of it
 * (it releases every item at once).
 *   node --import tsx bench/profile-evidence.ts author [rounds]
 * x at its author's bound (MAX_EVIDENCE_PER_AUTHOR: one losing twin kept on each of 1,024 entities,
 * each naming h's head). Then, timed per version: x's twins on new entities, later than all it holds
 * (each kept, releasing the last in the fixed order on another entity), then earlier than all
 * (each refused), and honest writes by k to entities holding x's evidence that keep it.
 */
if (process.argv[2] === 'author') {
  authorBound(Number(process.argv[3] ?? 20));
  process.exit(0);
}
const count = Number(process.argv[2] ?? 64);
const rounds = Number(process.argv[3] ?? 200);
const E = 'e1' as EntityId;
const K = 'speed' as ComponentKind;
const B = 1_700_000_000_000;
const H = 'h' as NodeId;
const X = 'x' as NodeId;
const ts = (ms: number, node: NodeId) => ({ ms, c: 0, node });
const write = (ms: number, node: NodeId, seen: Version['seen'], kts = 1): Version => ({
  entity: E,
  kind: K,
  value: { kts },
  ts: ts(ms, node),
  seen,
});

function loaded(): EntityStore {
  const s = new EntityStore();
  s.apply(write(B + 1_000, H, [ts(B + 999, X)]));
  for (let i = 1; i <= count; i++) s.apply(write(B + i, X, [ts(B + i - 1, `a${i}` as NodeId)]));
  if (s.evidenceCount !== count) throw new Error(`expected ${count} evidence, got ${s.evidenceCount}`);
  return s;
}

const keep: number[] = [];
const release: number[] = [];
const PER_ROUND = 50;
for (let r = 0; r < rounds; r++) {
  const s = loaded();
  const t0 = performance.now();
  for (let k = 1; k <= PER_ROUND; k++) s.apply(write(B + 1_000 + k, H, [ts(B + 999, X)], k));
  const t1 = performance.now();
  if (s.evidenceCount !== count) throw new Error('evidence released by writes that do not imply it');
  s.apply(write(B + 2_000, H, [ts(B + 1_999, H)]));
  const t2 = performance.now();
  if (s.evidenceCount !== 0) throw new Error(`a rest marker over all of it left ${s.evidenceCount}`);
  if (r >= rounds / 4) {
    keep.push(((t1 - t0) * 1000) / PER_ROUND);
    release.push((t2 - t1) * 1000);
  }
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
const range = (xs: number[]) =>
  `${xs[Math.floor(xs.length * 0.1)]!.toFixed(1)}–${xs[Math.floor(xs.length * 0.9)]!.toFixed(1)}`;
console.log(
  `${count} evidence in one register: a delivery that keeps it ${median(keep).toFixed(1)} µs (p10–p90 ${range(keep)}), ` +
    `the one that releases it all ${median(release).toFixed(1)} µs (p10–p90 ${range(release)}), ${keep.length} rounds`,
);

function authorBound(rounds: number): void {
  const N = 1_024;
  const B = 1_700_000_000_000;
  const note = 'note' as ComponentKind;
  const at = (ms: number, node: string) => ({ ms, c: 0, node: node as NodeId });
  const put = (entity: string, ts: ReturnType<typeof at>, text: string, seen: Version['seen']): Version => ({
    entity: entity as EntityId,
    kind: note,
    value: { text },
    ts,
    seen,
  });
  /** x's twins on `entity` at `ms`: the bare one is the head, the one naming h's head is kept. */
  const pair = (entity: string, ms: number): [Version, Version, Version] => {
    const h = put(entity, at(ms - 10, 'h'), 'h', []);
    return [h, put(entity, at(ms, 'x'), 'same', []), put(entity, at(ms, 'x'), 'same', [h.ts])];
  };
  const later: number[] = [];
  const earlier: number[] = [];
  const honest: number[] = [];
  const PER = 50;
  for (let r = 0; r < rounds; r++) {
    const s = new EntityStore();
    for (let i = 0; i < N; i++) for (const v of pair(`e${String(i).padStart(5, '0')}`, B + 1_000 + i)) s.apply(v);
    if (s.evidenceCount !== N) throw new Error(`expected ${N} evidence, got ${s.evidenceCount}`);
    const late = Array.from({ length: PER }, (_, i) => pair(`l${i}`, B + 10_000 + i));
    const early = Array.from({ length: PER }, (_, i) => pair(`f${i}`, B + 100 + i));
    for (const [h] of [...late, ...early]) s.apply(h);
    let t0 = performance.now();
    for (const [, bare, wide] of late) {
      s.apply(bare);
      s.apply(wide);
    }
    let t1 = performance.now();
    if (s.evidenceCount !== N) throw new Error(`the author's bound did not hold: ${s.evidenceCount}`);
    const a = (t1 - t0) * 1000;
    t0 = performance.now();
    for (const [, bare, wide] of early) {
      s.apply(bare);
      s.apply(wide);
    }
    t1 = performance.now();
    const b = (t1 - t0) * 1000;
    t0 = performance.now();
    for (let k = 0; k < PER; k++) {
      const e = `e${String(N - 1 - k).padStart(5, '0')}`;
      s.apply(put(e, at(B + 20_000 + k, 'k'), 'k', [at(B + 1_000 + N - 1 - k, 'x')]));
    }
    t1 = performance.now();
    const c = (t1 - t0) * 1000;
    if (r >= rounds / 4) {
      later.push(a / (2 * PER));
      earlier.push(b / (2 * PER));
      honest.push(c / PER);
    }
  }
  const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;
  const range = (xs: number[]) => {
    const sorted = [...xs].sort((p, q) => p - q);
    return `${sorted[0]!.toFixed(1)}–${sorted[sorted.length - 1]!.toFixed(1)}`;
  };
  console.log(
    `x at its author's bound (${N}): its twins later than all it holds ${median(later).toFixed(1)} µs a version ` +
      `(${range(later)}), earlier than all ${median(earlier).toFixed(1)} µs (${range(earlier)}); ` +
      `an honest write keeping x's evidence ${median(honest).toFixed(1)} µs (${range(honest)}), ${later.length} rounds`,
  );
}
