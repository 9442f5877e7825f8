import { afterAll, describe, expect, it } from 'vitest';
import { measureReconciliation, UNSESSIONED_FINGERPRINT_KEY } from '../../../../src/core/reconcile';
import { divergentSets, makeItems, minus, sortedHex, type Divergence, type Owner } from './helpers';

/**
 * Protocol-structure properties at 10k and 100k versions (round trips and bytes, never time):
 * in sync → 1 round trip with a first message ≤ 400 B; 1 % divergence among the newest versions →
 * ≤ 3 round trips. Random 1 % divergence is recorded. Results must be exact in every case.
 * Each test builds its own sets, so they pass in any order and alone; the table only reports.
 */
describe('Reconciler at scale (rounds and bytes)', () => {
  /** One row per scenario run, printed after the last (sorted, so the order of runs does not show). */
  const rows: string[] = [];
  afterAll(() => {
    if (rows.length > 0) console.log(`reconciliation rounds/bytes:\n${rows.sort().join('\n')}`);
  });

  function run(
    n: number,
    label: string,
    a: Parameters<typeof measureReconciliation>[0],
    b: Parameters<typeof measureReconciliation>[1],
  ) {
    const A = [...a];
    const B = [...b];
    const m = measureReconciliation(A, B, { key: UNSESSIONED_FINGERPRINT_KEY });
    expect(sortedHex(m.have)).toEqual(minus(A, B));
    expect(sortedHex(m.need)).toEqual(minus(B, A));
    const total = m.bytesInitiator + m.bytesResponder;
    rows.push(
      `${String(n).padStart(6)} ${label.padEnd(20)} rounds=${m.rounds} initiator=${m.bytesInitiator}B responder=${m.bytesResponder}B ` +
        `total=${(total / 1024).toFixed(1)}KiB beyond-need-ids=${((total - 16 * m.need.length) / 1024).toFixed(1)}KiB ` +
        `have=${m.have.length} need=${m.need.length}`,
    );
    return m;
  }

  for (const n of [10_000, 100_000]) {
    it(`${n} versions already in sync: one round trip, first message ≤ 400 B`, () => {
      const items = makeItems(n, 1);
      const a = items;
      const b = [...items];
      const m = run(n, 'in sync', a, b);
      expect(m.rounds).toBe(1);
      expect(m.bytesInitiator).toBeLessThanOrEqual(400);
      expect(m.bytesResponder).toBe(1);
    });

    for (const owner of ['both', 'initiator', 'responder'] as Owner[]) {
      it(`${n} versions, 1 % recent divergence held by ${owner}: ≤ 3 round trips`, () => {
        const { a, b } = divergentSets(n, 'recent', owner);
        const m = run(n, `recent 1% (${owner})`, a, b);
        expect(m.rounds).toBeLessThanOrEqual(3);
      });
    }

    for (const owner of ['both', 'initiator', 'responder'] as Owner[]) {
      it(`${n} versions, 1 % random divergence held by ${owner}: exact (recorded)`, () => {
        const kind: Divergence = 'random';
        const { a, b } = divergentSets(n, kind, owner);
        run(n, `random 1% (${owner})`, a, b);
      });
    }
  }
}, 120_000);
