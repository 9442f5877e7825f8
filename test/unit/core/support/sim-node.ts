/** Test helper (not a test file): a hand-driven node with an injected wall clock. */
import { Hlc } from '../../../../src/core/clock/hlc';
import type { ComponentValue } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { DELETED, type Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { stampWrite } from '../../../../src/node/prepare-write';

export class TestNode {
  readonly store = new EntityStore();
  readonly hlc: Hlc;
  wall: number;

  constructor(
    readonly id: NodeId,
    wall = 1_000,
  ) {
    this.wall = wall;
    this.hlc = new Hlc({ node: id, now: () => this.wall });
  }

  /**
   * A local write based on this node's current store state, stamped as the node's write door does
   * (src/node/prepare-write.ts, stampWrite: an expiry carries the floor); applied locally and returned.
   */
  write(entity: string, kind: string, value: unknown): Version {
    const e = entity as EntityId;
    const k = kind as ComponentKind;
    const values = new Map([[k, value as ComponentValue | null]]);
    const v = stampWrite(this.store, e, values, this.hlc.now(), this.id)[0]!;
    this.store.apply(v);
    return v;
  }

  delete(entity: string): Version {
    return this.write(entity, DELETED, null);
  }

  receive(...versions: Version[]): this {
    for (const v of versions) {
      const r = this.hlc.observe(v.ts);
      if (!r.ok) throw new Error('skew');
      this.store.apply(v);
    }
    return this;
  }
}

export const node = (id: string, wall?: number): TestNode => new TestNode(id as NodeId, wall);

/**
 * Anti-entropy in both directions as reconciliation does it, each side sending what it keeps and
 * serves (heads and evidence), twice: what one side takes back may teach the other.
 */
export function exchange(a: TestNode, b: TestNode): void {
  for (let i = 0; i < 2; i++) {
    const fromA = [...a.store.retained()];
    const fromB = [...b.store.retained()];
    b.receive(...fromA);
    a.receive(...fromB);
  }
}

/** All orders of a small list. */
export function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}
