/**
 * A hostile author's expiries that carry floors (expiry-floor.ts, carriedFloor), with contexts that
 * name writes that do not exist, or honest expiries, and leave out what its earlier ones named; twins
 * among them (docs/security.md, "Twins and evidence"). Honest authors write expiries carrying on the
 * floor they held, and positions the floors remove. Stores at an author bound of 1 and a node bound of
 * 4, far below what the member makes them keep.
 *
 * - Any subset of these versions, delivered to two stores in two orders (with repeats): the stores
 *   are one (heads, evidence, knowledge, floors) and charge every item to the same author, and
 *   nothing is refused: before, an expiry carrying a floor was weighed against its author's room
 *   unless it raised the floor where it arrived, which depends on the order, and the two stores
 *   kept different sets for good (test/unit/attack/h30-floor-chain-order.test.ts).
 * - Subsets in any orders to four stores, then anti-entropy: the replicas are one, charges included,
 *   and each holds the largest floor any version delivered anywhere carried, with a version it serves
 *   that carries it.
 * - What bounds the member: the entity's bound (64 here, never reached), not its author's.
 *
 * Replay a failure with SEED=<printed seed> (NUM_RUNS=... for more or fewer histories).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../../../src/core/clock/timestamp';
import { encodeTs } from '../../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../../src/core/ids';
import type { Version } from '../../../../../src/core/merge/version';
import { EntityStore } from '../../../../../src/core/store/entity-store';
import { carriedFloor } from '../../../../../src/core/store/expiry-floor';
import { dump, prng } from '../../support/merge-sim';
import { deliverShuffled, expectSameReplicas, fourReplicasSynced } from './replica-sync';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.NUM_RUNS ?? 200);

const T0 = 1_700_000_000_000;
const EXPIRY = 'expiry' as ComponentKind;
const POSITION = 'position' as ComponentKind;
const ENTITIES = ['x', 'y'] as EntityId[];
const ts = (ms: number, node: string, c = 0): Timestamp => ({ ms, c, node: node as NodeId });
const int = (rnd: () => number, n: number): number => Math.floor(rnd() * n);

/** Every version of one history, built from `rnd`. */
function universe(rnd: () => number): Version[] {
  const out: Version[] = [];
  let made = 0;
  for (const entity of ENTITIES) {
    // p1's expiries, each carrying on the floor it held (non-decreasing, before its own write).
    const honest: Version[] = [];
    let floor: number | undefined;
    for (let k = 0, n = 1 + int(rnd, 3); k < n; k++) {
      const ms = T0 + 2_000 + k * 1_000 + int(rnd, 500);
      if (rnd() < 0.6) floor = Math.max(floor ?? 0, T0 + int(rnd, ms - T0 - 1));
      const at = ms + 1 + int(rnd, 10_000);
      honest.push({
        entity,
        kind: EXPIRY,
        value: floor === undefined ? { at } : { at, floor },
        ts: ts(ms, 'p1'),
        seen: [],
      });
    }
    out.push(...honest);
    for (let i = 0; i < 3; i++) {
      out.push({ entity, kind: POSITION, value: { lat: i, lon: i }, ts: ts(T0 + int(rnd, 8_000), 'p3'), seen: [] });
    }
    // m's expiries, each carrying a floor (any, before its own write), each naming made-up writes
    // or one of p1's expiries, which its next may leave out; some signed twice under one timestamp.
    let ms = T0 + 1_000 + int(rnd, 3_000);
    for (let k = 0, n = 2 + int(rnd, 7); k < n; k++) {
      ms += 1 + int(rnd, 600);
      const seen: Timestamp[] = [];
      if (rnd() < 0.7) seen.push(ts(ms - 1 - int(rnd, 500), `made-${made++}`));
      if (rnd() < 0.3) {
        const named = honest[int(rnd, honest.length)]!;
        if (named.ts.ms < ms) seen.push({ ...named.ts });
      }
      const one = (): Version => {
        const at = ms + 1 + int(rnd, 1_000_000);
        return { entity, kind: EXPIRY, value: { at, floor: T0 + 1 + int(rnd, ms - T0 - 1) }, ts: ts(ms, 'm', k), seen };
      };
      out.push(one());
      if (rnd() < 0.25) out.push(one());
    }
  }
  return out;
}

/** Each item of evidence, with the author it is charged to, sorted: equal texts, equal charges. */
function charges(s: EntityStore): string {
  const lines: string[] = [];
  for (const e of ENTITIES) {
    for (const x of s.state(e)?.meta().evidence ?? [])
      lines.push(`${e}/${x.version.kind}/${encodeTs(x.version.ts)} ${x.by}`);
  }
  return lines.sort().join('\n');
}

const open = (): EntityStore => new EntityStore({ evidence: { perAuthor: 1, node: 4 } });

/** Nothing refused at the bounds, and the member's evidence within the entity's bound alone. */
function expectBounds(s: EntityStore, where: string): void {
  const stats = s.evidenceStats();
  expect(stats.refused, `${where}: refused at the bounds`).toBe(0);
  for (const e of ENTITIES)
    expect(s.state(e)?.meta().evidence?.length ?? 0, where).toBeLessThanOrEqual(stats.limit.perEntity);
}

const registers = { entities: ENTITIES, kinds: [EXPIRY, POSITION] };

describe('a member’s expiries carrying floors, at an author bound of 1', () => {
  it('the same versions in two orders: the same stores, the same charges, nothing refused', () => {
    console.log(`floor-chain-sync seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(0.5, 1), (s, rate) => {
        const rnd = prng(s);
        const subset = universe(rnd).filter(() => rnd() < rate);
        const a = open();
        const b = open();
        deliverShuffled(a, subset, rnd);
        deliverShuffled(b, subset, rnd);
        expect(dump(b, true)).toBe(dump(a, true));
        expect(charges(b)).toBe(charges(a));
        expectBounds(a, 'a');
        expectBounds(b, 'b');
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

  it('subsets in any orders to four replicas, then anti-entropy: one, with the largest floor carried and served', () => {
    fc.assert(
      fc.property(fc.nat(), (s) => {
        const rnd = prng(s);
        const all = universe(rnd);
        const { replicas, given } = fourReplicasSynced(all, rnd, 0.6, open);
        expectSameReplicas(replicas, registers);
        for (const r of replicas) {
          expect(charges(r.store), r.id).toBe(charges(replicas[0]!.store));
          expectBounds(r.store, r.id);
          for (const e of ENTITIES) {
            let most: number | undefined;
            for (const v of given) {
              const f = v.entity === e ? carriedFloor(v) : undefined;
              if (f !== undefined && (most === undefined || f > most)) most = f;
            }
            expect(r.store.state(e)?.meta().carried, `${r.id}: ${e}'s carried floor`).toBe(most);
            if (most === undefined) continue;
            const served = [...r.store.retained()].filter((v) => v.entity === e && carriedFloor(v) === most);
            expect(served.length, `${r.id}: a version serving ${e}'s floor`).toBeGreaterThan(0);
          }
        }
      }),
      { seed, numRuns },
    );
  });
});
