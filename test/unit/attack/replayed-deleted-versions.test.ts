/**
 * A member replays an honest author's old, genuinely signed versions of a track that author has
 * since deleted (docs/security.md, "New registers per author"). The deleted entity no longer holds
 * those registers, so each replay looked like a new register and was charged to the author, while
 * the merge refused it as obsolete: a few replays a second kept the author's bucket empty, and
 * its real new tracks were refused as `entity-limit`, at no cost to the replaying link. A version
 * the store refuses whole costs its author nothing.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, NodeId } from '../../../src/core/ids';
import { DELETED, type Version } from '../../../src/core/merge/version';
import { encodeMessage } from '../../../src/core/sync';
import { signedBatch } from '../../../src/node/security/sign-writes';
import { Harness, pos, T0, versionsFrame } from '../node/mesh/scripted-peers';
import { syncSigner, testIdentity } from '../support/test-keys';

const sign = (author: string, vs: Version[]): Promise<Version[]> =>
  signedBatch(syncSigner(testIdentity(author)), author as NodeId, vs);

describe('attack suite: replaying a deleted track’s versions', () => {
  it('costs their author no new registers: its real new track still lands', async () => {
    const h = await Harness.create('m', { registerLimits: { burst: 10, ratePerSecond: 0, maxAuthors: 4096 } });
    const alice = h.peer('a');
    alice.hello();
    const evil = h.peer('x');
    evil.hello();
    h.tick();
    const history = await sign(
      'a',
      Array.from({ length: 40 }, (_, i) => pos('a-1', 'a', T0 - 10_000 + i)),
    );
    const tomb = await sign('a', [
      { ...pos('a-1', 'a', T0 - 5_000), kind: DELETED as ComponentKind, value: null } as unknown as Version,
    ]);
    alice.handler.receive(encodeMessage(versionsFrame([history[39]!], true)));
    h.tick(0);
    alice.handler.receive(encodeMessage(versionsFrame(tomb, true)));
    h.tick(0);
    for (let i = 0; i < 12; i++) {
      evil.handler.receive(encodeMessage(versionsFrame([history[i]!], true)));
      h.tick(0);
    }
    expect(h.mesh.securityStats().rejected['entity-limit'] ?? 0).toBe(0);
    alice.handler.receive(encodeMessage(versionsFrame(await sign('a', [pos('a-2', 'a', T0 - 1_000)]), true)));
    h.tick(0);
    expect(await h.node.get('a-2')).toBeDefined();
    expect(await h.node.get('a-1')).toBeUndefined();
  });
});
