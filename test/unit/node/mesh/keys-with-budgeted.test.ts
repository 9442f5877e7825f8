/**
 * On a budgeted link the host queues live versions in the budgeter itself (docs/budgeter.md), and
 * their authors' keys go ahead of them (`control`): only of the versions the budgeter took. A
 * version it defers to anti-entropy (its class full) goes by a round, its key with it (PeerSession
 * lacks); before, its key went at once all the same, 32 B for a version that did not go.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentValue } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { checkBudget, UNLIMITED } from '../../../../src/node/budget-args';
import { LinkSender } from '../../../../src/node/mesh/link-sender';
import { MeshBudget } from '../../../../src/node/mesh/mesh-budget';
import { VersionClasses } from '../../../../src/node/mesh/version-classes';
import { signedBatch } from '../../../../src/node/security/sign-writes';
import { syncSigner, testIdentity } from '../../support/test-keys';
import { T0 } from './mesh-sim';

describe('keys ahead of live versions on a budgeted link', () => {
  it('the budgeter tells of the versions it took, not of those it deferred', async () => {
    const now = (): number => T0;
    // Room for three positions: the other seven are deferred to anti-entropy.
    const mesh = new MeshBudget({ node: UNLIMITED, links: checkBudget({ bytesPerSecond: 8_000 }), peers: {} }, now, {
      position: { maxItems: 3, maxBytes: 1024 * 1024 },
    });
    const sender = new LinkSender({
      budgeter: mesh.budgeter('bob' as NodeId),
      send: () => true,
      counted: () => undefined,
      now,
      scheduler: { after: () => () => undefined },
      wake: () => undefined,
      log: () => undefined,
    });
    // One position each by ten authors (whose keys the peer would need ahead of them).
    const versions: Version[] = [];
    for (let i = 0; i < 10; i++) {
      const author = `w${i}` as NodeId;
      const v: Version = {
        entity: `t${i}` as EntityId,
        kind: 'position' as ComponentKind,
        value: { lat: 50, lon: 8 + i * 1e-3 } as ComponentValue,
        ts: { ms: T0 + i, c: 0, node: author },
        seen: [],
      };
      versions.push(...(await signedBatch(syncSigner(testIdentity(author)), author, [v])));
    }
    const items = versions.map((version) => ({
      version,
      cls: 'position' as const,
      key: VersionClasses.keyOf(version),
    }));
    const told: Version[] = [];
    const deferred = sender.versions(items, (queued) => told.push(...queued));
    expect(deferred).toBe(7);
    expect(told).toEqual(versions.slice(0, 3));
    // A newer version of a queued one (same entity, kind and author) takes its place: it goes, told too.
    const newer = await signedBatch(syncSigner(testIdentity('w0')), 'w0' as NodeId, [
      {
        entity: versions[0]!.entity,
        kind: versions[0]!.kind,
        value: { lat: 51, lon: 8 } as ComponentValue,
        ts: { ms: T0 + 100, c: 0, node: 'w0' as NodeId },
        seen: [],
      },
    ]);
    told.length = 0;
    expect(
      sender.versions([{ version: newer[0]!, cls: 'position', key: VersionClasses.keyOf(newer[0]!) }], (q) =>
        told.push(...q),
      ),
    ).toBe(0);
    expect(told).toEqual(newer);
  });
});
