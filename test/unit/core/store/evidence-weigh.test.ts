import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { keptAsEvidence, weighOrder } from '../../../../src/core/store/evidence';

const made = vi.hoisted(() => ({ count: 0 }));
// Every canonical content evidence.ts makes goes through canonicalContent: counted here, to bound
// what weighing a register's twins costs (docs/security.md, "Twins and evidence").
vi.mock('../../../../src/core/merge/version-content', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../../src/core/merge/version-content')>();
  return {
    ...actual,
    canonicalContent: (v: Version) => {
      made.count++;
      return actual.canonicalContent(v);
    },
  };
});

const B = 1_700_000_000_000;
// n twins under one timestamp, each naming an author no other names (so each is kept), with a
// 60-entry context like the attack's.
const twins = (n: number): Version[] =>
  Array.from({ length: n }, (_, k) => ({
    entity: 'e1' as EntityId,
    kind: 'speed' as ComponentKind,
    value: { k },
    ts: { ms: B, c: 0, node: 'x' as NodeId },
    seen: [
      ...Array.from({ length: 59 }, (_, i) => ({ ms: B - 1_000 + i, c: 0, node: `a${i}` as NodeId })),
      { ms: B - 1, c: 0, node: `b${k}` as NodeId },
    ],
  }));

describe('weighing twins makes each canonical content once', () => {
  beforeEach(() => {
    made.count = 0;
  });

  it('keptAsEvidence over 65 twins makes at most 65 contents, and again none for the same versions', () => {
    const all = twins(65);
    const kept = keptAsEvidence(
      [all[0]!],
      all.slice(1).map((version) => ({ version })),
      undefined,
    );
    expect(kept.length).toBe(64);
    expect(made.count).toBeLessThanOrEqual(65);
    const first = made.count;
    keptAsEvidence(
      [all[0]!],
      all.slice(1).map((version) => ({ version })),
      undefined,
    );
    expect(made.count).toBe(first);
  });

  it('weighOrder compared against many heads makes the delivered version content once', () => {
    const all = twins(10);
    for (const h of all.slice(1)) weighOrder(all[0]!, h);
    expect(made.count).toBe(10);
  });
});
