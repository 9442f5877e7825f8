/**
 * Frame batches on the production path (docs/budgeter.md, "Frame batches"): real LatticeNodes and
 * MeshNodes in a line a – b – c over thin shaped links, budgets set. Node a moves tracks one
 * `update` at a time (each its own group commit); its live frames go under frame batches, b
 * verifies and keeps them under those proofs, and relays a's versions to c with the proofs it
 * stored, never signed by b. Replay with SEED=<seed>.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import type { LeafProof } from '../../../../src/core/signing/leaf-proof';
import { LinkBudgeter } from '../../../../src/core/budget/link-budgeter';
import { PER_MESSAGE_OVERHEAD_BYTES } from '../../../../src/core/budget/wire-overhead';
import type { ComponentValue } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId } from '../../../../src/core/ids';
import { decodeMessage, encodeMessage, MAX_SYNC_FRAME_BYTES, MessageType } from '../../../../src/core/sync';
import { decodeVersions } from '../../../../src/core/wire';
import { FrameSigner, MAX_FRAME_SIGNATURES_PER_SECOND } from '../../../../src/node/mesh/frame-signer';
import { LinkSender } from '../../../../src/node/mesh/link-sender';
import type { Outgoing } from '../../../../src/node/mesh/outgoing';
import { VersionClasses } from '../../../../src/node/mesh/version-classes';
import { signedBatch } from '../../../../src/node/security/sign-writes';
import { testIdentity, testSecurity } from '../../support/test-keys';
import { frameBatch } from '../../../../src/core/signing/frame-batch';
import { MeshSim, T0 } from './mesh-sim';

const seed = Number(process.env.SEED ?? Date.now()) >>> 0;
console.log('frame batches seed', seed);

const RATE = 8000;
const TRACKS = 200;

function positions(versions: Iterable<Version>): Map<string, Version> {
  const out = new Map<string, Version>();
  for (const v of versions) if (v.kind === 'position') out.set(v.entity, v);
  return out;
}

const proofOf = (v: Version): LeafProof => v.proof as LeafProof;
const sameSig = (x: Version, y: Version): boolean => Buffer.from(proofOf(x).sig).equals(Buffer.from(proofOf(y).sig));

describe('frame batches over budgeted links', () => {
  it('own frames go under one signature each, verified by the receiver; relayed versions keep their proofs', async () => {
    let links = 0;
    const sim = new MeshSim({
      seed,
      session: { repairFrameBytes: 12 * 1024 },
      shape: (from, to) => ({
        bytesPerSecond: RATE,
        latencyMs: 50,
        jitterMs: 10,
        loss: 0,
        seed: (seed ^ (from < to ? 1 : 2) ^ (++links << 8)) >>> 0,
      }),
    });
    const a = await sim.add('a');
    const b = await sim.add('b');
    const c = await sim.add('c');
    for (let t = 0; t < TRACKS; t++)
      await a.node.create({ id: `t${t}`, components: { position: { lat: 50, lon: 8 + t * 1e-3 } } });
    sim.link('a', 'b');
    sim.link('b', 'c');
    sim.settle();
    for (const n of [a, b, c]) await n.node.setBudget('*', { bytesPerSecond: RATE });

    // Five seconds of motion, one update (one group commit) per track and second.
    for (let ms = 0; ms < 5000; ms += 10) {
      for (let k = 0; k < (TRACKS * 10) / 1000; k++) {
        const t = (ms / 5 + k) % TRACKS;
        await a.node.update(`t${t}`, { position: { lat: 50 + ms * 1e-7, lon: 8 + t * 1e-3 } });
      }
      sim.advance(10);
    }
    const floodFrom = sim.clock - 5000;
    sim.settle();

    const signer = a.mesh.frameSigner;
    expect(signer.signed).toBeGreaterThan(10);
    expect(signer.versions).toBeGreaterThan(signer.signed * 3);
    expect(signer.failed).toBe(0);
    // Bounded per node: a link that is not saturated sends many small frames, and past the bound
    // they go as stored.
    const seconds = (sim.clock - floodFrom) / 1000;
    expect(signer.signed).toBeLessThanOrEqual(MAX_FRAME_SIGNATURES_PER_SECOND * (seconds + 1));
    // b and c have authored nothing: they sign no frame batch, whatever they relay.
    expect(b.mesh.frameSigner.signed).toBe(0);
    expect(c.mesh.frameSigner.signed).toBe(0);
    for (const n of [b, c]) {
      const refused = Object.values(n.mesh.securityStats().rejected).reduce((x, y) => x + y, 0);
      expect(refused).toBe(0);
    }

    const atA = positions(a.node.versions());
    const atB = positions(b.node.versions());
    const atC = positions(c.node.versions());
    expect(atB.size).toBe(TRACKS);
    expect(atC.size).toBe(TRACKS);
    let underFrameBatch = 0;
    let relayedUnderFrameBatch = 0;
    for (const [entity, mine] of atA) {
      const there = atB.get(entity)!;
      const relayed = atC.get(entity)!;
      expect(there.ts).toEqual(mine.ts);
      expect(relayed.ts).toEqual(mine.ts);
      // a keeps the proof of its own group commit (one version each).
      expect(proofOf(mine).count).toBe(1);
      if (!sameSig(there, mine)) {
        underFrameBatch += 1;
        expect(proofOf(there).count).toBeGreaterThan(1);
      }
      // c (linked to b only) holds what b relayed, with the proof b stored.
      expect(sameSig(relayed, there)).toBe(true);
      if (proofOf(relayed).count > 1) relayedUnderFrameBatch += 1;
    }
    // b forwarded a's frame batches (as parts of them, with multiproofs): it could not sign them.
    expect(relayedUnderFrameBatch).toBe(underFrameBatch);
    // Most tracks' latest positions came live under a frame batch (the rest by anti-entropy, as stored).
    expect(underFrameBatch).toBeGreaterThan(TRACKS / 2);
    expect(await sim.dump('b')).toBe(await sim.dump('a'));
    expect(await sim.dump('c')).toBe(await sim.dump('a'));
  });
});

describe('a frame batch signed asynchronously (WebCrypto)', () => {
  it('is charged at once, sent in order once signed, and nothing overtakes it', async () => {
    const clock = T0;
    const now = (): number => clock;
    const alice = testIdentity('alice');
    const budgeter = new LinkBudgeter<Outgoing>(
      { maxFrameBytes: MAX_SYNC_FRAME_BYTES, budget: { bytesPerSecond: RATE, burstBytes: null } },
      clock,
    );
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const signer = new FrameSigner(
      'alice' as NodeId,
      async (batch) => {
        await gate;
        return alice.signer.sign(batch.signingBytes);
      },
      now,
    );
    const sent: Uint8Array[] = [];
    let wakes = 0;
    let awake = false;
    const sender: LinkSender = new LinkSender({
      budgeter,
      send: (f) => sent.push(f) > 0,
      counted: () => undefined,
      now,
      wake: () => {
        wakes += 1;
        if (awake) sender.pump();
      },
      log: () => undefined,
      frameSigner: signer,
    });
    const versions: Version[] = [];
    for (let t = 0; t < 60; t++) {
      const v: Version = {
        entity: `t${t}` as EntityId,
        kind: 'position' as ComponentKind,
        value: { lat: 50, lon: 8 + t * 1e-3 } as ComponentValue,
        ts: { ms: clock + t, c: 0, node: 'alice' as NodeId },
        seen: [],
      };
      // Each its own group commit, as a node writing one update at a time signs them.
      versions.push(...(await signedBatch(alice.signer, 'alice' as NodeId, [v])));
    }
    sender.versions(
      versions.map((version) => ({ version, cls: 'position' as const, key: VersionClasses.keyOf(version) })),
    );
    const charged = sender.pumpOne();
    expect(charged).toBeGreaterThan(0);
    expect(sent).toEqual([]); // behind the signature
    awake = true;
    wakes = 0;
    // A ping queued meanwhile waits behind the frame being signed, whatever its class.
    sender.frame(encodeMessage({ type: MessageType.Ping, time: clock }), 'control');
    expect(sender.pumpOne()).toBe(0);
    expect(sent).toEqual([]);
    release();
    await gate;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(wakes).toBeGreaterThan(0);
    const types = sent.map((f) => decodeMessage(f).type);
    expect(types[0]).toBe(MessageType.Versions);
    expect(types).toContain(MessageType.Ping);
    const first = decodeMessage(sent[0]!);
    if (first.type !== MessageType.Versions) throw new Error('not a versions frame');
    const decoded = decodeVersions(first.batch);
    expect(decoded.length).toBeGreaterThan(10);
    // One table entry for all: every version under the same frame batch, all leaves present.
    expect(new Set(decoded.map((v) => v.proof!.sig)).size).toBe(1);
    expect(decoded[0]!.proof!.count).toBe(decoded.length);
    // The budget was charged what went on the wire (a frame batch encodes to the size it was charged).
    expect(sent[0]!.length + PER_MESSAGE_OVERHEAD_BYTES).toBe(charged);
    expect(signer.signed).toBeGreaterThanOrEqual(1);
  });
});

describe('who signs a frame batch', () => {
  const track = (author: string, t: number): Version => ({
    entity: `t${t}` as EntityId,
    kind: 'position' as ComponentKind,
    value: { lat: 50, lon: 8 } as ComponentValue,
    ts: { ms: T0 + t, c: 0, node: author as NodeId },
    seen: [],
  });

  it('the node key signs only batches of the node’s own versions', async () => {
    const security = await testSecurity('a', () => T0);
    const ours = frameBatch('a' as NodeId, [track('a', 1), track('a', 2)]);
    expect((await security.signOwnBatch(ours)).length).toBe(64);
    expect(() => security.signOwnBatch(frameBatch('b' as NodeId, [track('b', 1), track('b', 2)]))).toThrow(
      /not all ours/,
    );
  });

  it('a frame whose signature fails goes with its stored proofs, counted and logged', async () => {
    const logs: string[] = [];
    const signer = new FrameSigner(
      'a' as NodeId,
      () => Promise.reject(new Error('key unavailable')),
      () => T0,
      (m) => logs.push(m),
    );
    const stored = [
      ...(await signedBatch(testIdentity('a').signer, 'a' as NodeId, [track('a', 1)])),
      ...(await signedBatch(testIdentity('a').signer, 'a' as NodeId, [track('a', 2)])),
      track('b', 3),
    ];
    const plan = signer.plan(stored);
    if (plan.kind !== 'batch') throw new Error('expected a frame batch');
    expect(plan.others).toEqual([stored[2]]);
    expect(await signer.sign(plan, stored)).toBe(stored);
    expect(signer.failed).toBe(1);
    expect(logs.join()).toMatch(/signing a frame batch failed/);
  });

  it('takes one token per signature, at most MAX_FRAME_SIGNATURES_PER_SECOND a second', async () => {
    let clock = T0;
    const signer = new FrameSigner(
      'a' as NodeId,
      (b) => testIdentity('a').signer.sign(b.signingBytes),
      () => clock,
    );
    const stored = [
      ...(await signedBatch(testIdentity('a').signer, 'a' as NodeId, [track('a', 1)])),
      ...(await signedBatch(testIdentity('a').signer, 'a' as NodeId, [track('a', 2)])),
    ];
    let signed = 0;
    for (let i = 0; i < 3 * MAX_FRAME_SIGNATURES_PER_SECOND; i++) {
      const plan = signer.plan(stored);
      if (plan.kind === 'batch') {
        await signer.sign(plan, stored);
        signed += 1;
      }
    }
    expect(signed).toBe(MAX_FRAME_SIGNATURES_PER_SECOND);
    expect(signer.skipped).toBe(2 * MAX_FRAME_SIGNATURES_PER_SECOND);
    // A clock stepping back refills nothing; half a second later, half the tokens.
    clock -= 10_000;
    expect(signer.plan(stored).kind).toBe('stored');
    clock += 500;
    let more = 0;
    for (let i = 0; i < MAX_FRAME_SIGNATURES_PER_SECOND; i++) {
      const plan = signer.plan(stored);
      if (plan.kind === 'batch') {
        await signer.sign(plan, stored);
        more += 1;
      }
    }
    expect(more).toBe(MAX_FRAME_SIGNATURES_PER_SECOND / 2);
  });

  it('covers at most maxLeavesPerSecond versions a second; the same versions give the same root', async () => {
    let clock = T0;
    const signer = new FrameSigner(
      'a' as NodeId,
      (b) => testIdentity('a').signer.sign(b.signingBytes),
      () => clock,
      () => undefined,
      MAX_FRAME_SIGNATURES_PER_SECOND,
      10,
    );
    const stored: Version[] = [];
    for (let t = 0; t < 6; t++)
      stored.push(...(await signedBatch(testIdentity('a').signer, 'a' as NodeId, [track('a', t)])));
    const first = signer.plan(stored);
    expect(first.kind).toBe('batch');
    if (first.kind === 'batch') await signer.sign(first, stored);
    // 6 of 10 leaves taken: another 6 must wait for the refill.
    expect(signer.plan(stored).kind).toBe('stored');
    clock += 200;
    const again = signer.plan(stored);
    expect(again.kind).toBe('batch');
    // The same version objects (as a second link sends them; leaves from the cache): the same root.
    if (again.kind === 'batch' && first.kind === 'batch') expect(again.batch.root).toEqual(first.batch.root);
  });
});
