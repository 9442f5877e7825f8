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
 */
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
