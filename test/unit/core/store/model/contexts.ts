/**
 * Test helper (not a test file): contexts a buggy or hostile peer might send, shared by the
 * property tests that drive random histories (store-vs-model.test.ts against the reference model,
 * test/unit/node/restart-vs-twin.test.ts through real nodes and storage).
 */
import type { Timestamp } from '../../../../../src/core/clock/timestamp';
import type { NodeId } from '../../../../../src/core/ids';

export const HOSTILE = ['omit', 'omit', 'omit', 'future', 'self', 'twice'] as const;

export type Tamper = (honest: Timestamp[], ts: Timestamp, self: NodeId) => Timestamp[];

/** A context a buggy or hostile peer might send. */
export function tamperer(mode: (typeof HOSTILE)[number], pick: number): Tamper {
  return (honest, ts, self) => {
    switch (mode) {
      case 'omit': // not causally closed: drops entries the writer had seen
        return honest.filter((_, i) => ((pick >> i) & 1) === 1);
      case 'future': // claims a write from the writer's own future
        return [...honest.filter((s) => s.node !== 'zz'), { ms: ts.ms + 1 + (pick % 5), c: 0, node: 'zz' as NodeId }];
      case 'self': // lists the writer itself
        return [...honest, { ms: ts.ms - 1, c: 0, node: self }];
      case 'twice': {
        // lists one author twice
        const s = honest[pick % Math.max(1, honest.length)] ?? { ms: ts.ms - 2, c: 0, node: 'zz' as NodeId };
        return [...honest, s, { ...s, ms: s.ms - 1 }];
      }
      default: {
        const never: never = mode;
        throw new Error(`unknown mode ${String(never)}`);
      }
    }
  };
}
