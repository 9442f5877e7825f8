/**
 * Attack (issue 8, "zero divergence"): a hostile member attacks the expiry floor (expiry-floor.ts,
 * docs/architecture.md "Expiry"). Each case delivers one small set of versions to replicas in every
 * order, with a purge at any point (or none) and a restart from a snapshot at any point (or none);
 * replicas that keep the same versions must be in the same state, and after anti-entropy (every
 * version again) all must be.
 *
 * Found (failed before EntityState.liftUnmarked): an expiry `e` fired where a purge ran while it was
 * a head, and its floor stayed when a version that drops `e` from the heads came next; where that
 * version came before the purge, `e` never fired. The same set of versions, two floors, for as long
 * as the new deadline (the attacker's choice). The version can be the member's own next expiry
 * written after the deadline without the floor it should carry, another member's naming `e` or a
 * rest marker covering it, an honest member's written while it held a twin of `e` with a later
 * deadline (so it rightly carries no floor), or a crowd of made-up authors folding `e` into the
 * register's cut. Now a fired floor goes once no expiry head has its deadline.
 *
 * Tried and held (kept as regression checks): twins of two deadlines (and two carried floors)
 * alone, with a purge between them; a hostile carried floor above an honest write, delivered in
 * any order; a flood of expiries, twins and rising carried floors, which leaves the entity O(1).
 */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';
import { dump } from '../core/support/merge-sim';
import { permutations } from '../core/support/sim-node';
import { retainedText } from '../core/store/model/replica-sync';

const X = 'x' as EntityId;
const EXPIRY = 'expiry' as ComponentKind;
const POSITION = 'position' as ComponentKind;
const T0 = 1_700_000_000_000;
const D = T0 + 1_000;
const FAR = T0 + 100_000;
const LAST = D + 900;
const ts = (ms: number, node: string, c = 0): Timestamp => ({ ms, c, node: node as NodeId });
const v = (kind: ComponentKind, value: unknown, t: Timestamp, seen: Timestamp[] = []): Version => ({
  entity: X,
  kind,
  value: value as Version['value'],
  ts: t,
  seen,
});
const state = (s: EntityStore): string => dump(s, true);

/**
 * Every order of `all`, with a purge at D + 100 after any one delivery (or none) and a restart from
 * a snapshot after any one (or none), then a purge at LAST. Returns the ways the replicas differ:
 * two that keep the same versions in different states, or two that differ after each received every
 * version again (anti-entropy) and purged at LAST.
 */
function splits(all: readonly Version[]): string[] {
  const bySet = new Map<string, { how: string; state: string }>();
  const healed = new Map<string, string>();
  const out: string[] = [];
  for (const order of permutations([...all.keys()])) {
    for (let purgeAt = -1; purgeAt < all.length; purgeAt++) {
      for (let restartAt = -1; restartAt < all.length; restartAt++) {
        const how = `order ${order.join('')}, purge after ${purgeAt}, restart after ${restartAt}`;
        let s = new EntityStore();
        order.forEach((k, i) => {
          s.apply(all[k]!);
          if (i === purgeAt) s.purgeExpired(D + 100);
          if (i === restartAt) s = EntityStore.restore(structuredClone(s.snapshot()));
        });
        s.purgeExpired(LAST);
        const kept = retainedText(s);
        const first = bySet.get(kept);
        if (first === undefined) bySet.set(kept, { how, state: state(s) });
        else if (first.state !== state(s))
          out.push(`same versions kept: ${first.how}\n${first.state}\n${how}\n${state(s)}`);
        for (const x of all) s.apply(x);
        s.purgeExpired(LAST);
        healed.set(state(s), how);
      }
    }
  }
  if (healed.size > 1) out.push(`after anti-entropy:\n${[...healed].map(([st, how]) => `${how}\n${st}`).join('\n')}`);
  return out;
}

const p = v(POSITION, { lat: 1, lon: 1 }, ts(T0, 'a'));
const e = v(EXPIRY, { at: D }, ts(T0 + 10, 'h'));

describe('hostile expiry floors', () => {
  it("its author's next expiry, written after the deadline without the floor", () => {
    const s = v(EXPIRY, { at: FAR }, ts(D + 500, 'h'));
    expect(splits([p, e, s])).toEqual([]);
  });
  it("another member's expiry after the deadline, naming e, without the floor", () => {
    const s = v(EXPIRY, { at: FAR }, ts(D + 500, 'm'), [e.ts]);
    expect(splits([p, e, s])).toEqual([]);
  });
  it('an expiry after the deadline whose rest marker covers e, without the floor', () => {
    const s = v(EXPIRY, { at: FAR }, ts(D + 500, 'm'), [ts(D + 400, 'm')]);
    expect(splits([p, e, s])).toEqual([]);
  });
  it("an honest expiry after the deadline whose writer held e's twin of a later deadline", () => {
    const e2 = v(EXPIRY, { at: FAR - 5 }, e.ts);
    const s = v(EXPIRY, { at: FAR }, ts(D + 500, 'n'), [e.ts]);
    expect(splits([p, e, e2, s])).toEqual([]);
  });
  it('twins of two deadlines and two carried floors, a purge between (held)', () => {
    const e2 = v(EXPIRY, { at: D + 400 }, e.ts);
    const e3 = v(EXPIRY, { at: D + 700, floor: T0 + 5 }, e.ts);
    expect(splits([p, e, e2, e3])).toEqual([]);
  });
  it("a crowd of made-up authors folds e into the register's cut", () => {
    const crowd = Array.from({ length: 64 }, (_, i) => ts(D + 300, `m${String(i).padStart(2, '0')}`));
    const f1 = v(EXPIRY, { at: FAR }, ts(D + 500, 'z'), crowd);
    expect(splits([p, e, f1])).toEqual([]);
  });
  it('a hostile carried floor drops an honest write below it on every replica alike (held)', () => {
    const w = v(POSITION, { lat: 3, lon: 3 }, ts(T0 + 300, 'b'), [p.ts]);
    const carrier = v(EXPIRY, { at: FAR, floor: T0 + 400 }, ts(T0 + 500, 'h'));
    expect(splits([p, w, carrier])).toEqual([]);
    const r = new EntityStore();
    for (const x of [p, w, carrier]) r.apply(x);
    expect(r.view(X, LAST)?.components.position).toBeUndefined();
  });

  it('a flood of expiries, twins of other deadlines and rising carried floors leaves the entity O(1) (held)', () => {
    const r = new EntityStore();
    r.apply(p);
    for (let i = 1; i <= 3_000; i++) {
      const t = ts(T0 + 10 * i, 'h');
      const floor = T0 + 10 * i - 5 - (i % 3);
      r.apply(v(EXPIRY, { at: t.ms + 7, floor }, t));
      r.apply(v(EXPIRY, { at: t.ms + 3 + (i % 5) }, t, [ts(t.ms - 1, 'h')]));
      if (i % 4 === 0) r.purgeExpired(t.ms + 8);
    }
    expect([...r.retained()].length).toBeLessThanOrEqual(2);
    const meta = r.snapshot().entities.find((m) => m.id === X)!;
    expect(meta.floorMarkers?.length ?? 0).toBeLessThanOrEqual(1);
  });
});
