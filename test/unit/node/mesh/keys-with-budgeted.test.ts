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
import { decodeMessage } from '../../../../src/core/sync';
import { decodeVersions } from '../../../../src/core/wire';
import { MeshSim, T0 } from './mesh-sim';

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

describe('keys ahead of live versions on a budgeted link, end to end (MeshSim)', () => {
  const seed = 91;
  it(`an author's key goes before its first version, and none for a version deferred (seed ${seed})`, async () => {
    // Six writers behind a, which relays to b over a budgeted link whose position queue holds two:
    // b has none of the writers' keys, so a sends each ahead of the first version b gets from it.
    const WRITERS = 6;
    const sim = new MeshSim({ seed, queueLimits: { position: { maxItems: 2, maxBytes: 1024 * 1024 } } });
    const a = await sim.add('a');
    await sim.add('b');
    const writers = [];
    for (let i = 0; i < WRITERS; i++) writers.push(await sim.add(`w${i}`));
    for (const w of writers) sim.link(w.id, 'a');
    sim.link('a', 'b');
    await sim.settle();
    await a.node.setBudget('b', { bytesPerSecond: 2000 });
    await sim.settle();
    const authorOf = new Map<string, NodeId>();
    for (const w of writers) authorOf.set(Buffer.from(a.security.keys.vouchedKey(w.id)!).toString('hex'), w.id);
    // What a sends b, in order: the authors named by each `keys` frame and carried by each `versions` one.
    const frames: { type: 'keys' | 'versions'; live: boolean; authors: NodeId[] }[] = [];
    sim.net.options.tap = (from: NodeId, to: NodeId, frame: Uint8Array) => {
      if (from !== 'a' || to !== 'b') return;
      const m = decodeMessage(frame);
      if (m.type === 'keys')
        frames.push({
          type: 'keys',
          live: false,
          authors: m.keys.map((k) => authorOf.get(Buffer.from(k).toString('hex'))!),
        });
      else if (m.type === 'versions' && m.batch.length > 0)
        frames.push({ type: 'versions', live: m.live, authors: decodeVersions(m.batch).map((v) => v.ts.node) });
    };
    await Promise.all(
      writers.map((w, i) => w.node.create({ id: `t${i}`, components: { position: { lat: 50, lon: 8 + i * 1e-3 } } })),
    );
    await sim.settle();
    for (let i = 0; i < WRITERS; i++) expect(await sim.get('b').node.get(`t${i}`)).toBeDefined();
    const first = (type: 'keys' | 'versions', w: NodeId): number =>
      frames.findIndex((f) => f.type === type && f.authors.includes(w));
    const lastLive = frames.findLastIndex((f) => f.type === 'versions' && f.live);
    let deferred = 0;
    for (const w of writers) {
      const version = first('versions', w.id);
      expect(version, w.id).toBeGreaterThanOrEqual(0);
      // Ahead: the key before the first version (before, b refused it and a round repaired it).
      expect(first('keys', w.id), w.id).toBeGreaterThanOrEqual(0);
      expect(first('keys', w.id), w.id).toBeLessThan(version);
      if (frames[version]!.live) continue;
      // Deferred to a round: its key goes with the round, not with the live versions taken.
      deferred += 1;
      expect(first('keys', w.id), w.id).toBeGreaterThan(lastLive);
    }
    expect(deferred).toBeGreaterThan(0);
    expect(deferred).toBeLessThan(WRITERS);
  });
});
