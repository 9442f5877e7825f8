import type { NodeId } from '../src/core/ids';
import type { Version } from '../src/core/merge/version';
import { EntityStore } from '../src/core/store/entity-store';
import type { EntityId, ComponentKind } from '../src/core/ids';

/**
 * What a register holding evidence costs a delivery (docs/security.md, "Twins and evidence", known
 * limits), alone (not a scenario: it saves nothing):
 *   node --import tsx bench/profile-evidence.ts [evidence] [rounds] [layout]
 * `context` (the default): a member x makes one register keep `evidence` refused versions, each
 * naming a write of an author no other version names (the entity's bound is 64). Then, timed: honest
 * writes by h that keep it all (each weighs the register again), and one honest write whose rest
 * marker implies all of it (it releases every item at once).
 * `covered` (`covered-expiry`: the same with expiries, each carrying a floor): `evidence` members
 * (sybils, at most 62) each write one version, concurrent heads, each naming every other member at
 * a time before both writes (61 context entries, none covering another's write) and one entry of a node z no
 * other version covers; then x's write names each of those writes, drops them all and keeps each
 * as evidence (it does not imply the z entry, nor carry the floor). Each item is the first of its
 * author weighed, so it is charged to the author of its cover (evidence.ts, chargedFor): x's write,
 * weighed first, the whole register before the item. Timed: x's next writes, each implying the one
 * before and keeping all of it (a weighing, and the charges worked out again, per delivery).
 */
const count = Number(process.argv[2] ?? 64);
const rounds = Number(process.argv[3] ?? 200);
const layout = process.argv[4] ?? 'context';
const E = 'e1' as EntityId;
const K = (layout === 'covered-expiry' ? 'expiry' : 'speed') as ComponentKind;
const B = 1_700_000_000_000;
const H = 'h' as NodeId;
const X = 'x' as NodeId;
const Z = 'z' as NodeId;
const FAR = B + 100_000_000;
const ts = (ms: number, node: NodeId, c = 0) => ({ ms, c, node });
const write = (ms: number, node: NodeId, seen: Version['seen'], kts = 1): Version => ({
  entity: E,
  kind: K,
  value: K === 'expiry' ? { at: FAR + kts } : { kts },
  ts: ts(ms, node),
  seen,
});
const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
const range = (xs: number[]) =>
  `${xs[Math.floor(xs.length * 0.1)]!.toFixed(1)}–${xs[Math.floor(xs.length * 0.9)]!.toFixed(1)}`;
const PER_ROUND = 50;

if (layout === 'context') contextLayout();
else if (layout === 'covered' || layout === 'covered-expiry') coveredLayout();
else throw new Error(`unknown layout ${layout}`);

function contextLayout(): void {
  const loaded = (): EntityStore => {
    const s = new EntityStore();
    s.apply(write(B + 1_000, H, [ts(B + 999, X)]));
    for (let i = 1; i <= count; i++) s.apply(write(B + i, X, [ts(B + i - 1, `a${i}` as NodeId)]));
    if (s.evidenceCount !== count) throw new Error(`expected ${count} evidence, got ${s.evidenceCount}`);
    return s;
  };
  const keep: number[] = [];
  const release: number[] = [];
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
  console.log(
    `${count} evidence in one register: a delivery that keeps it ${median(keep).toFixed(1)} µs (p10–p90 ${range(keep)}), ` +
      `the one that releases it all ${median(release).toFixed(1)} µs (p10–p90 ${range(release)}), ${keep.length} rounds`,
  );
}

function coveredLayout(): void {
  // Members s1..sN (N <= 62: with x and z the register's knowledge stays within 64 authors).
  const n = Math.min(count, 62);
  const sybil = (i: number) => `s${i}` as NodeId;
  const at = (i: number) => B + 100 * i;
  // A floor below every write, carried by each member's expiry and by no write of x.
  const floor = K === 'expiry' ? B + 1 : undefined;
  const item = (i: number): Version => {
    const seen: Version['seen'][number][] = [ts(B + 10, Z, n - i)];
    for (let j = 1; j <= n; j++) if (j !== i) seen.push(ts(Math.min(at(i), at(j)) - 50, sybil(j)));
    const v = write(at(i), sybil(i), seen);
    return floor === undefined ? v : { ...v, value: { at: FAR, floor } };
  };
  const cover = (k: number): Version =>
    write(
      B + 10_000 + k,
      X,
      Array.from({ length: n }, (_, j) => ts(at(j + 1), sybil(j + 1))),
      k,
    );
  const items = Array.from({ length: n }, (_, i) => item(i + 1));
  const loaded = (): EntityStore => {
    const s = new EntityStore();
    for (const x of items) s.apply(x);
    s.apply(cover(0));
    if (s.evidenceCount !== n) throw new Error(`expected ${n} evidence, got ${s.evidenceCount}`);
    const stats = s.evidenceStats();
    if (stats.authors !== 1) throw new Error(`expected every item charged to x, got ${stats.authors} authors`);
    return s;
  };
  const keep: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const s = loaded();
    const t0 = performance.now();
    for (let k = 1; k <= PER_ROUND; k++) s.apply(cover(k));
    const t1 = performance.now();
    if (s.evidenceCount !== n) throw new Error('evidence released by writes that do not imply it');
    if (r >= rounds / 4) keep.push(((t1 - t0) * 1000) / PER_ROUND);
  }
  console.log(
    `${n} evidence by ${n} members in one ${K} register, each charged to its cover: ` +
      `a delivery that keeps it ${median(keep).toFixed(1)} µs (p10–p90 ${range(keep)}), ${keep.length} rounds`,
  );
}
