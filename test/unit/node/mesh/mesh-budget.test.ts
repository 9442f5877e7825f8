/**
 * MeshBudget's fair queue over the node-wide bucket (docs/budgeter.md, "Link and node-wide
 * budgets"), with real LinkBudgeters and no session: two links kept backlogged whose frames
 * differ a little in size.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { checkBudget, UNLIMITED } from '../../../../src/node/budget-args';
import { MeshBudget, type BudgetedLink } from '../../../../src/node/mesh/mesh-budget';
import type { Outgoing } from '../../../../src/node/mesh/outgoing';

const RATE = 4000;

describe('MeshBudget', () => {
  it('keeps a link with smaller frames from taking every refill while another waits for the shared bucket', () => {
    let now = 0;
    const mesh = new MeshBudget(
      { node: checkBudget({ bytesPerSecond: RATE }), links: UNLIMITED, peers: {} },
      () => now,
    );
    const sent = new Map<string, number>();
    let n = 0;
    const link = (peer: string, itemBytes: number): BudgetedLink & { topUp(): void } => {
      const budgeter = mesh.budgeter(peer as NodeId);
      return {
        peer: peer as NodeId,
        budgeter,
        topUp() {
          while (budgeter.queueDepth('low').items < 50)
            budgeter.enqueue({ cls: 'low', bytes: itemBytes, key: `k${++n}`, payload: {} as Outgoing }, now);
        },
        pumpOne(heldUntil) {
          const r = budgeter.poll(now, heldUntil);
          if (r.type !== 'frame') return 0;
          sent.set(peer, (sent.get(peer) ?? 0) + r.chargedBytes);
          return r.chargedBytes;
        },
      };
    };
    // One frame target on both links, items of 200 B on one and 225 B on the other: their frames
    // differ by some dozens of bytes, and without the hold the link whose next frame is smaller
    // took every refill of the shared bucket (a share of 55 B/s against 3,972).
    const links = [link('b', 200), link('c', 225)];
    for (const l of links) mesh.add(l);
    for (; now < 20_000; now += 5) {
      for (const l of links) l.topUp();
      mesh.pumpAll();
    }
    const toB = sent.get('b') ?? 0;
    const toC = sent.get('c') ?? 0;
    expect((toB + toC) / 20).toBeGreaterThan(RATE * 0.95);
    expect(Math.min(toB, toC) / 20).toBeGreaterThan(RATE * 0.4);
  });
});
