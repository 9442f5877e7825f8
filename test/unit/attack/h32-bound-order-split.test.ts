/**
 * Attack (issue 8, "zero divergence"; docs/security.md "Twins and evidence"): at an entity bound of
 * 1, five versions of one entity delivered in two orders, then anti-entropy, split for good.
 *
 * p1 writes an expiry carrying a floor (context x@900, q@950); m an expiry at 1100 that saw m@1000
 * and q@900; p1 a position at 1300; q an expiry at 1400 that saw m's, then one at 1500 that saw
 * nothing. Delivered in timestamp order, q@1400 takes m's out (cut at the bound; p1's is a head
 * again, remergeCut) and q@1500 leaves q@1400 as the one evidence item. Delivered with q@1500 before
 * q@1400, q@1400 would itself be cut, and was refused (LIMITED): m's expiry stayed a head, p1's the
 * evidence. Each store then refused at every anti-entropy round what only the other held. Now such
 * a delivery is weighed against the register merged again in timestamp order with it
 * (EntityState.canonicalWith): kept there, it is kept here.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';
import { expectSameReplicas, replicasInEveryOrder, syncAll } from '../core/store/model/replica-sync';

const E = 'e';
const T = 1_700_000_000_000;
const ts = (ms: number, node: string) => ({ ms: T + ms, c: 0, node: node as NodeId });
const ver = (kind: string, value: unknown, at: ReturnType<typeof ts>, seen: ReturnType<typeof ts>[]): Version =>
  ({ entity: E, kind, value, ts: at, seen }) as unknown as Version;

const p1 = ver('expiry', { at: T + 100_000, floor: T + 600 }, ts(1_000, 'p1'), [ts(900, 'x'), ts(950, 'q')]);
const m = ver('expiry', { at: T + 100_001 }, ts(1_100, 'm'), [ts(1_000, 'm'), ts(900, 'q')]);
const pos = ver('position', { x: 3 }, ts(1_300, 'p1'), [ts(900, 'p1'), ts(1_150, 'm'), ts(900, 'x'), ts(1_050, 'q')]);
const q1 = ver('expiry', { at: T + 100_004 }, ts(1_400, 'q'), [ts(1_100, 'm')]);
const q2 = ver('expiry', { at: T + 100_005 }, ts(1_500, 'q'), []);
const registers = { entities: [E] as never[], kinds: ['expiry', 'position'] as ComponentKind[] };

describe('attack suite: the entity bound refuses what arrives last, and two orders split', () => {
  it('at an entity bound of 1: timestamp order and q@1500 before q@1400, then anti-entropy, are one store', () => {
    const open = () => new EntityStore({ evidence: { perEntity: 1 } });
    const inOrder = open();
    for (const x of [p1, m, pos, q1, q2]) inOrder.apply(structuredClone(x));
    const swapped = open();
    for (const x of [p1, m, pos, q2, q1]) swapped.apply(structuredClone(x));
    syncAll([inOrder, swapped]);
    expectSameReplicas(
      [
        { id: 'inOrder' as NodeId, store: inOrder },
        { id: 'swapped' as NodeId, store: swapped },
      ],
      registers,
    );
    for (const s of [inOrder, swapped]) expect(s.size).toBe([...s.state(E as never)!.versions()].length);
  });

  for (const bound of [1, 2, 3, 4, 64])
    it(`at an entity bound of ${bound}: the five versions in every order, then anti-entropy, are one store`, () => {
      const replicas = replicasInEveryOrder([[p1], [m], [pos], [q1], [q2]], () => {
        return new EntityStore({ evidence: { perEntity: bound } });
      });
      expectSameReplicas(replicas, registers);
      for (const r of replicas) expect(r.store.size).toBe([...r.store.state(E as never)!.versions()].length);
    });
});
