/** Conflict heads and the per-kind winner rules (threat, classification, approval, default). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeTs } from '../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { mergeVersion, type Heads } from '../../../../src/core/merge/register';
import type { Version } from '../../../../src/core/merge/version';
import { dump, replica } from '../support/merge-sim';
import { node, permutations } from '../support/sim-node';

const E = 'e1';
const winner = (vs: Version[], kind = 'threat') => replica(vs).heads(E as EntityId, kind as ComponentKind);

describe('(4) heads: concurrent writes are a visible conflict until a write that saw them', () => {
  it('two nodes writing the same component without seeing each other give 2 heads and the same winner everywhere', () => {
    const a = node('a', 1_000);
    const b = node('b', 1_000);
    const va = a.write(E, 'speed', { kts: 1 });
    b.wall = 1_001;
    const vb = b.write(E, 'speed', { kts: 2 });
    a.receive(vb);
    b.receive(va);
    const c = node('c').receive(vb, va);
    for (const n of [a, b, c]) {
      const heads = n.store.heads(E as EntityId, 'speed' as ComponentKind);
      expect(heads).toHaveLength(2);
      expect(heads[0]).toBe(vb); // default rule: later HLC wins
      const view = n.store.view(E as EntityId, 0)!;
      expect(view.components.speed).toEqual({ kts: 2 });
      expect(view.conflicts).toEqual(['speed']);
      expect(view.meta.speed).toMatchObject({ conflict: true, heads: 2, author: 'b', version: encodeTs(vb.ts) });
    }
    expect(dump(a.store)).toBe(dump(b.store));
    expect(dump(b.store)).toBe(dump(c.store));
  });

  it('a later write that saw both heads leaves one head; one that saw only its own does not', () => {
    const a = node('a');
    const b = node('b');
    const va = a.write(E, 'speed', { kts: 1 });
    const vb = b.write(E, 'speed', { kts: 2 });
    // a writes again without having seen b: still a conflict (its own old head is replaced)
    const va2 = a.write(E, 'speed', { kts: 3 });
    expect(va2.seen).toEqual([]);
    const c = node('c').receive(va, vb, va2);
    expect(
      c.store
        .heads(E as EntityId, 'speed' as ComponentKind)
        .map((h) => h.ts.node)
        .sort(),
    ).toEqual(['a', 'b']);
    // c saw both: its write resolves the conflict everywhere it arrives
    const vc = c.write(E, 'speed', { kts: 4 });
    expect(vc.seen.map((s) => s.node).sort()).toEqual(['a', 'b']);
    for (const order of permutations([va, vb, va2, vc])) {
      const heads = replica(order).heads(E as EntityId, 'speed' as ComponentKind);
      expect(heads).toEqual([vc]);
    }
  });

  it('N nodes writing one component at once converge to N heads with one deterministic winner', () => {
    const writes = ['n1', 'n2', 'n3', 'n4', 'n5'].map((id) => node(id, 5_000).write(E, 'speed', { kts: id.length }));
    const first = dump(replica(writes));
    for (const order of permutations(writes)) expect(dump(replica(order))).toBe(first);
    const heads = replica(writes).heads(E as EntityId, 'speed' as ComponentKind);
    expect(heads).toHaveLength(5);
    expect(heads[0]!.ts.node).toBe('n5'); // same ms and counter: the node id breaks the tie
  });

  it('mergeVersion reports duplicates and obsolete versions, and what a new head removed', () => {
    const a = node('a');
    const v1 = a.write(E, 'speed', { kts: 1 });
    const v2 = a.write(E, 'speed', { kts: 2 });
    const empty: Heads | undefined = undefined;
    const r1 = mergeVersion(empty, v1);
    expect(r1).toEqual({ kind: 'applied', heads: [v1], removed: [] });
    const heads: Heads = r1.kind === 'applied' ? r1.heads : [];
    expect(mergeVersion(heads, v1)).toEqual({ kind: 'duplicate' });
    const r2 = mergeVersion(heads, v2);
    expect(r2).toEqual({ kind: 'applied', heads: [v2], removed: [v1] });
    expect(mergeVersion([v2], v1)).toEqual({ kind: 'obsolete' });
  });
});

describe('(5) per-kind rules', () => {
  it('threat: concurrent HIGH vs LOW -> HIGH wins everywhere regardless of timestamps', () => {
    for (const highFirst of [true, false]) {
      const a = node('a', highFirst ? 1_000 : 9_000);
      const b = node('b', highFirst ? 9_000 : 1_000);
      const high = a.write(E, 'threat', { level: 'HIGH' });
      const low = b.write(E, 'threat', { level: 'LOW' });
      for (const order of permutations([high, low])) {
        const heads = winner(order);
        expect(heads.map((h) => (h.value as { level: string }).level)).toEqual(['HIGH', 'LOW']);
      }
    }
  });

  it('threat: a later LOW written after seeing the HIGH wins (deliberate de-escalation)', () => {
    const a = node('a');
    const b = node('b', 2_000);
    const high = a.write(E, 'threat', { level: 'HIGH' });
    const low = b.receive(high).write(E, 'threat', { level: 'LOW' });
    for (const order of permutations([high, low])) expect(winner(order)).toEqual([low]);
    // a de-escalation concurrent with someone else's MEDIUM: the MEDIUM wins, both stay visible
    const c = node('c', 3_000);
    const medium = c.write(E, 'threat', { level: 'MEDIUM' });
    for (const order of permutations([high, low, medium])) {
      expect(winner(order).map((h) => (h.value as { level: string }).level)).toEqual(['MEDIUM', 'LOW']);
    }
  });

  it('threat (property): among concurrent writes the highest level wins, then the latest HLC', () => {
    const seed = Number(process.env.SEED ?? Date.now());
    console.log('merge-kind-rules threat seed', seed);
    const levels = ['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const;
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            node: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
            ms: fc.integer({ min: 0, max: 5 }),
            level: fc.constantFrom(...levels),
          }),
          {
            minLength: 1,
            maxLength: 5,
            selector: (w) => w.node,
          },
        ),
        (ws) => {
          const vs = ws.map((w) => node(w.node, w.ms).write(E, 'threat', { level: w.level }));
          const heads = winner(vs);
          expect(heads).toHaveLength(vs.length);
          const best = [...vs].sort(
            (x, y) =>
              levels.indexOf((y.value as { level: (typeof levels)[number] }).level) -
                levels.indexOf((x.value as { level: (typeof levels)[number] }).level) ||
              encodeTs(y.ts).localeCompare(encodeTs(x.ts)),
          )[0];
          expect(heads[0]).toEqual(best);
        },
      ),
      { seed, numRuns: 300 },
    );
  });

  it('classification: among concurrent writes the later one wins even with lower confidence', () => {
    const a = node('a', 1_000);
    const b = node('b', 1_001);
    const older = a.write(E, 'classification', {
      label: 'x',
      disposition: 'HOSTILE',
      environment: 'AIR',
      confidence: 0.99,
    });
    const later = b.write(E, 'classification', {
      label: 'y',
      disposition: 'NEUTRAL',
      environment: 'AIR',
      confidence: 0.1,
    });
    for (const order of permutations([older, later])) expect(winner(order, 'classification')[0]).toEqual(later);
  });

  it('classification: a same-millisecond tie goes to the higher confidence, whatever the counter or node id', () => {
    const a = node('a', 1_000);
    const z = node('z', 1_000);
    z.write('other', 'speed', { kts: 0 }); // push z's counter ahead within the millisecond
    const confident = a.write(E, 'classification', {
      label: 'x',
      disposition: 'HOSTILE',
      environment: 'AIR',
      confidence: 0.9,
    });
    const unsure = z.write(E, 'classification', {
      label: 'y',
      disposition: 'UNKNOWN',
      environment: 'AIR',
      confidence: 0.3,
    });
    expect(unsure.ts.ms).toBe(confident.ts.ms);
    expect(encodeTs(unsure.ts) > encodeTs(confident.ts)).toBe(true);
    for (const order of permutations([confident, unsure]))
      expect(winner(order, 'classification')[0]).toEqual(confident);
    // equal confidence: the HLC decides
    const b = node('b', 1_000);
    const c = node('c', 1_000);
    const vb = b.write(E, 'classification', {
      label: 'b',
      disposition: 'UNKNOWN',
      environment: 'AIR',
      confidence: 0.5,
    });
    const vc = c.write(E, 'classification', {
      label: 'c',
      disposition: 'UNKNOWN',
      environment: 'AIR',
      confidence: 0.5,
    });
    for (const order of permutations([vb, vc])) expect(winner(order, 'classification')[0]).toEqual(vc);
  });

  /** An approval of request `r` (an encoded timestamp: the threat write that raised it). */
  const R1 = encodeTs({ ms: 500, c: 0, node: 'x' as NodeId });
  const R2 = encodeTs({ ms: 600, c: 0, node: 'y' as NodeId });
  const appr = (state: string, requestId = R1, more: Record<string, unknown> = {}) => ({
    requestId,
    state,
    reason: 'r',
    requestedAt: 500,
    deadline: 5_000,
    ...more,
  });

  it('approval: concurrent approved vs denied -> denied, in any order and whatever the timestamps', () => {
    for (const deniedFirst of [true, false]) {
      const a = node('a', deniedFirst ? 1_000 : 2_000);
      const b = node('b', deniedFirst ? 2_000 : 1_000);
      const denied = a.write(E, 'approval', appr('denied', R1, { decidedBy: 'a', decidedOn: 'a', decidedAt: 900 }));
      const approved = b.write(E, 'approval', appr('approved', R1, { decidedBy: 'b', decidedOn: 'b', decidedAt: 900 }));
      for (const order of permutations([denied, approved])) {
        const heads = winner(order, 'approval');
        expect(heads.map((h) => (h.value as { state: string }).state)).toEqual(['denied', 'approved']);
        expect(replica(order).view(E as EntityId, 0)!.conflicts).toEqual(['approval']);
      }
    }
  });

  it('approval: concurrent timed_out or cancelled beat approved; a decision made after seeing a denial stands', () => {
    const a = node('a');
    const b = node('b', 2_000);
    const timedOut = a.write(E, 'approval', appr('timed_out'));
    const approved = b.write(E, 'approval', appr('approved', R1, { decidedBy: 'b' }));
    expect(winner([approved, timedOut], 'approval')[0]).toBe(timedOut);
    const c = node('c', 3_000);
    const d = node('d', 4_000);
    const denied = c.write(E, 'approval', appr('denied'));
    const reraised = d.receive(denied).write(E, 'approval', appr('pending', R2));
    expect(winner([reraised, denied], 'approval')).toEqual([reraised]);
  });

  it('approval: a newer request outranks a concurrent decision on an older one, even an earlier-stamped deny', () => {
    const a = node('a', 9_000);
    const b = node('b', 1_000);
    const oldApproved = a.write(E, 'approval', appr('approved', R1, { decidedBy: 'a' }));
    const newPending = b.write(E, 'approval', appr('pending', R2));
    for (const order of permutations([oldApproved, newPending])) {
      expect(winner(order, 'approval')[0]).toBe(newPending);
    }
  });

  it('task: the newer request wins, then the later write', () => {
    const task = (requestId: string, status: string) => ({
      task: 'intercept',
      requestId,
      status,
      assignedBy: 'x',
      updatedAt: 1,
    });
    const a = node('a', 9_000);
    const b = node('b', 1_000);
    const older = a.write(E, 'task', task(R1, 'executing'));
    const newer = b.write(E, 'task', task(R2, 'created'));
    for (const order of permutations([older, newer])) expect(winner(order, 'task')[0]).toBe(newer);
  });

  it('default rule for unknown kinds: latest HLC wins, then node id', () => {
    const vs = [
      node('a', 3).write(E, 'speed', { kts: 1 }),
      node('b', 2).write(E, 'speed', { kts: 2 }),
      node('c', 3).write(E, 'speed', { kts: 3 }),
    ];
    for (const order of permutations(vs)) expect(winner(order, 'speed').map((h) => h.ts.node)).toEqual(['c', 'a', 'b']);
  });

  it('uses the given node ids as NodeIds', () => {
    expect(node('a').id).toBe('a' as NodeId);
  });
});
