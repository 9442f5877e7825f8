/**
 * The kinds cap counts unknown kinds alone (docs/security.md, "New registers per author"), and
 * reads the heads of those alone: the new-register limit asks it of received entities, and reading
 * every register's heads was a few µs of each received write (docs/benchmarks.md, scenario 1).
 */
import { describe, expect, it } from 'vitest';
import { cappedKindsOf, type HeldRegisters } from '../../../../src/core/entity/kind-cap';
import type { ComponentKind, NodeId } from '../../../../src/core/ids';
import { DELETED, type Version } from '../../../../src/core/merge/version';

const head = (kind: string, node: string): Version => ({
  entity: 'e' as never,
  kind: kind as ComponentKind,
  value: null,
  ts: { ms: 1, c: 0, node: node as NodeId },
  seen: [],
});

describe('cappedKindsOf', () => {
  it('counts the unknown kinds, in all and per author, reading the heads of those alone', () => {
    const heads: Record<string, Version[]> = {
      position: [head('position', 'a')],
      threat: [head('threat', 'b')],
      [DELETED]: [head(DELETED, 'a')],
      'x.one': [head('x.one', 'a'), head('x.one', 'b')],
      'x.two': [head('x.two', 'a')],
    };
    const read: string[] = [];
    const state: HeldRegisters = {
      kinds: () => Object.keys(heads) as ComponentKind[],
      heads: (kind) => {
        read.push(kind);
        return heads[kind]!;
      },
    };
    const counted = cappedKindsOf(state);
    expect(counted.total).toBe(2);
    expect(Object.fromEntries(counted.byAuthor)).toEqual({ a: 2, b: 1 });
    expect(read).toEqual(['x.one', 'x.two']);
  });
});
