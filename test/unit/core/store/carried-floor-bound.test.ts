/**
 * Issue 8 ("zero divergence"): an expiry's carried floor is part of what it teaches, and no expiry
 * takes it away (docs/architecture.md, "Expiry"), so a node keeps a version carrying it for as long
 * as it holds the floor: a superseded one as evidence (core/store/evidence.ts). The entity's
 * evidence bound (MAX_EVIDENCE_PER_ENTITY, withinEntityBound) cuts the earliest evidence first, and
 * a member can fill it with evidence of its own stamped later (here: its own expiries, each carrying
 * a smaller floor than the one before, so each one it supersedes is kept). The honest carrier is
 * then cut (or, delivered after, refused at the bound once its floor was taken), while the floor it
 * carried stays: the node holds a floor it serves nothing to teach, and a replica that syncs with it
 * keeps, and shows, what that floor removed there.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { MAX_EVIDENCE_PER_ENTITY } from '../../../../src/core/store/evidence';
import { EXPIRY } from '../../../../src/core/store/expiry-floor';
import { dump } from '../support/merge-sim';

const X = 'x' as EntityId;
const T0 = 1_700_000_000_000;

const speed: Version = {
  entity: X,
  kind: 'speed' as ComponentKind,
  value: { kts: 12 },
  ts: { ms: T0 + 1_000, c: 0, node: 'p1' as NodeId },
  seen: [],
};
/** a's expiry, written after an earlier one of its fired at T0 + 2500: it carries that floor. */
const carrier: Version = {
  entity: X,
  kind: EXPIRY,
  value: { at: T0 + 100_000, floor: T0 + 2_500 },
  ts: { ms: T0 + 3_000, c: 0, node: 'a' as NodeId },
  seen: [],
};
/**
 * p2's expiries, each a rest marker at a's (so each supersedes it), each carrying a smaller floor
 * than the one before (so each one its next supersedes is kept as evidence, charged to p2).
 */
const hostile: Version[] = Array.from({ length: MAX_EVIDENCE_PER_ENTITY + 6 }, (_, k) => ({
  entity: X,
  kind: EXPIRY,
  value: { at: T0 + 10_000_000, floor: T0 + 500 - k },
  ts: { ms: T0 + 4_000 + k, c: 0, node: 'p2' as NodeId },
  seen: [{ ms: T0 + 3_000, c: 0, node: 'p2' as NodeId }],
}));

const copy = (vs: Iterable<Version>): Version[] => structuredClone([...vs]);

/** Anti-entropy both ways, each side sending what it keeps and serves, twice. */
function exchange(a: EntityStore, b: EntityStore): void {
  for (let i = 0; i < 2; i++) {
    const fromA = copy(a.retained());
    const fromB = copy(b.retained());
    for (const v of fromA) b.apply(v);
    for (const v of fromB) a.apply(v);
  }
}

describe('a carried floor under the entity evidence bound', () => {
  for (const [name, order] of [
    ['carrier first, then the member fills the bound', [speed, carrier, ...hostile]],
    ['the member first, then the carrier', [speed, ...hostile, carrier]],
  ] as const) {
    it(`${name}: a replica that syncs learns the floor the node holds`, () => {
      const node = new EntityStore();
      for (const v of copy(order)) node.apply(v);
      const floor = node.state(X)!.floor;
      expect(floor).toBe(T0 + 2_500);
      // A replica that received the speed from its writer, and everything else from the node.
      const peer = new EntityStore();
      peer.apply(structuredClone(speed));
      exchange(node, peer);
      expect(peer.state(X)!.floor).toBe(floor);
      expect(dump(peer, true)).toBe(dump(node, true));
    });
  }
});
