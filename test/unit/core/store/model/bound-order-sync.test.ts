/**
 * Expiries of several authors, some carrying floors, each naming in its context versions of other
 * authors (written or made up), with positions, at an entity bound of 1 or 2 (docs/security.md,
 * "Twins and evidence"): the bound cuts what the union of deliveries would keep past it, and a
 * delivery it would cut where it arrives is weighed against the register merged again in timestamp
 * order with it (EntityState.canonicalWith), rather than refused whatever arrives last.
 *
 * - The same versions in two orders, then anti-entropy: one store (before, five such versions at a
 *   bound of 1 split for good: test/unit/attack/h32-bound-order-split.test.ts).
 * - Subsets in any orders to four replicas, then anti-entropy: one.
 *
 * Replay a failure with SEED=<printed seed> (NUM_RUNS=... for more or fewer histories).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { Timestamp } from '../../../../../src/core/clock/timestamp';
import type { ComponentValue } from '../../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../../src/core/ids';
import type { Version } from '../../../../../src/core/merge/version';
import { EntityStore } from '../../../../../src/core/store/entity-store';
import { prng } from '../../support/merge-sim';
import { deliverShuffled, expectSameReplicas, fourReplicasSynced, syncAll } from './replica-sync';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.NUM_RUNS ?? 200);

const T0 = 1_700_000_000_000;
const EXPIRY = 'expiry' as ComponentKind;
const POSITION = 'position' as ComponentKind;
const ENTITIES = ['e'] as EntityId[];
const AUTHORS = ['p1', 'm', 'q', 'x'];
const ts = (ms: number, node: string): Timestamp => ({ ms, c: 0, node: node as NodeId });
const int = (rnd: () => number, n: number): number => Math.floor(rnd() * n);

/** Up to two writes of any author, never delivered here (or not yet written), that a write at `ms` saw. */
function made(rnd: () => number, ms: number): Timestamp[] {
  return Array.from({ length: int(rnd, 3) }, () => ts(ms - 1 - int(rnd, 300), AUTHORS[int(rnd, AUTHORS.length)]!));
}

/**
 * Every version of one history, built from `rnd`, around the shape that split two replicas: an
 * expiry carrying a floor; a later one whose rest marker (a context entry naming its own author)
 * covers it; a third naming the second; a later one, mostly by the third's author, with no context
 * or made-up entries; then up to two expiries (some carrying floors) and two positions anywhere.
 */
function universe(rnd: () => number): Version[] {
  const out: Version[] = [];
  const write = (kind: ComponentKind, ms: number, node: string, seen: Timestamp[], floor?: number): Version => {
    const at = ms + 100_000 + out.length;
    const value: ComponentValue = kind === POSITION ? { x: out.length } : floor === undefined ? { at } : { at, floor };
    const distinct = seen.filter(
      (t, i) => t.ms < ms && seen.findIndex((u) => u.node === t.node && u.ms === t.ms) === i,
    );
    const v: Version = { entity: ENTITIES[0]!, kind, value, ts: ts(ms, node), seen: distinct };
    out.push(v);
    return v;
  };
  const writer = (): string => AUTHORS[int(rnd, 3)]!;
  const floor = (): number | undefined => (rnd() < 0.3 ? T0 + int(rnd, 600) : undefined);
  let ms = T0 + 1_000 + int(rnd, 100);
  const carrier = write(EXPIRY, ms, writer(), made(rnd, ms), T0 + int(rnd, 600));
  ms += 50 + int(rnd, 100);
  const b = writer();
  const rest = rnd() < 0.8 ? [ts(carrier.ts.ms + int(rnd, 3) - 1, b)] : [];
  const cover = write(EXPIRY, ms, b, [...made(rnd, ms), ...rest], floor());
  ms += 50 + int(rnd, 300);
  const c = writer();
  write(EXPIRY, ms, c, [...(rnd() < 0.8 ? [{ ...cover.ts }] : []), ...made(rnd, ms)]);
  ms += 50 + int(rnd, 300);
  write(EXPIRY, ms, rnd() < 0.7 ? c : writer(), rnd() < 0.5 ? [] : made(rnd, ms));
  for (let k = int(rnd, 3); k > 0; k--) {
    const t = T0 + 900 + int(rnd, 800);
    write(EXPIRY, t, AUTHORS[int(rnd, AUTHORS.length)]!, made(rnd, t), floor());
  }
  for (let k = int(rnd, 3); k > 0; k--) {
    const t = T0 + 500 + int(rnd, 1_200);
    write(POSITION, t, AUTHORS[int(rnd, AUTHORS.length)]!, made(rnd, t));
  }
  return out;
}

const registers = { entities: ENTITIES, kinds: [EXPIRY, POSITION] };

describe('expiries with floors and contexts of several authors, at an entity bound of 1 or 2', () => {
  it('the same versions in two orders, then anti-entropy: one store', () => {
    console.log(`bound-order-sync seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(1, 2), (s, bound) => {
        const rnd = prng(s);
        const all = universe(rnd);
        const open = () => new EntityStore({ evidence: { perEntity: bound } });
        const a = open();
        const b = open();
        deliverShuffled(a, all, rnd);
        deliverShuffled(b, all, rnd);
        syncAll([a, b]);
        expectSameReplicas(
          [
            { id: 'a' as NodeId, store: a },
            { id: 'b' as NodeId, store: b },
          ],
          registers,
        );
      }),
      { seed, numRuns },
    );
  });

  it('subsets in any orders to four replicas, then anti-entropy: one', () => {
    console.log(`bound-order-sync seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(1, 2), (s, bound) => {
        const rnd = prng(s);
        const all = universe(rnd);
        const { replicas } = fourReplicasSynced(
          all,
          rnd,
          0.7,
          () => new EntityStore({ evidence: { perEntity: bound } }),
        );
        expectSameReplicas(replicas, registers);
      }),
      { seed, numRuns },
    );
  });
});
