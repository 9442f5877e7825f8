import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { Harness, type Peer } from '../node/mesh/scripted-peers';

/** An unknown-kind note: the smallest write a peer can make up in anyone's name. */
export const note = (
  entity: string,
  author: string,
  ms: number,
  text: string,
  seen: Version['seen'] = [],
): Version => ({
  entity: entity as EntityId,
  kind: 'zz_note' as ComponentKind,
  value: { text },
  ts: { ms, c: 0, node: author as NodeId },
  seen,
});

export interface Scene {
  readonly h: Harness;
  /** An honest author, a direct peer of m (its name is the one forged). */
  readonly alice: Peer;
  /** The attacker's link. */
  readonly mallory: Peer;
  /** An honest peer on a third link: must never receive anything forged. */
  readonly honest: Peer;
}

/** A real node 'm' with three scripted links, every hello done, the honest peer's inbox cleared. */
export async function scene(opts: Parameters<typeof Harness.create>[1] = {}): Promise<Scene> {
  const h = await Harness.create('m', opts);
  const alice = h.peer('a');
  alice.hello();
  const mallory = h.peer('x');
  mallory.hello();
  const honest = h.peer('h');
  honest.hello();
  h.tick();
  honest.reset();
  return { h, alice, mallory, honest };
}
