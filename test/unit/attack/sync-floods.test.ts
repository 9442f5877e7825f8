import { describe, expect, it } from 'vitest';
import type { Version } from '../../../src/core/merge/version';
import { mulberry32 } from '../../../src/core/random/mulberry32';
import {
  INFINITE_BOUND,
  Mode,
  Reconciler,
  SortedVectorStorage,
  UNSESSIONED_FINGERPRINT_KEY,
  type Item,
} from '../../../src/core/reconcile';
import {
  INVALID_BACKOFF_BASE_MS,
  INVALID_INPUT_REASON,
  LimitCounter,
  MAX_ANNOUNCED_PER_PEER,
  MAX_TRACKED_WANTS,
  MAX_VERSIONS_PER_FRAME,
  MessageType,
  PUSH_FLOOR_VERSIONS,
  PUSH_VERSIONS_PER_REQUEST_BYTE,
  RECONCILE_OPEN_BURST,
  REPLY_BYTES_PER_REQUEST_BYTE,
  REPLY_FLOOR_BYTES,
  openCharge,
  versionId,
  type SyncMessage,
} from '../../../src/core/sync';
import { MessageEncoder } from '../../../src/core/reconcile/message';
import { encodeVersions } from '../../../src/core/wire';
import type { NodeId } from '../../../src/core/ids';
import { encodeMessage, ROUND_TURN_MS } from '../../../src/core/sync';
import { NEW_REGISTER_BURST, NEW_REGISTERS_PER_SECOND } from '../../../src/node/security/new-entity-limit';
import { signedBatch } from '../../../src/node/security/sign-writes';
import { DEFAULT_HOLD_LIMITS } from '../../../src/node/skew-hold';
import { heapAfterGc, MiB } from '../support/heap';
import { syncSigner, testIdentity } from '../support/test-keys';
import { Harness, pos, T0, versionsFrame, type Peer } from '../node/mesh/scripted-peers';

/**
 * Issue 12's floods replayed against a real LatticeNode + MeshNode through scripted links: each
 * asserts the bound now holds (what the victim holds, what it sends per byte received) and that an
 * honest peer on another link is still served. Limits: src/core/sync/limits.ts, docs/security.md.
 */
const seed = Number(process.env.SEED ?? Date.now());
console.log(`attack suite: seed ${seed} (replay with SEED=${seed})`);
const rand = mulberry32(seed);

function randomIds(n: number): Uint8Array[] {
  return Array.from({ length: n }, () => Uint8Array.from({ length: 16 }, () => Math.floor(rand() * 256)));
}

/** n distinct stored versions, 1 ms apart, before the clock. */
function stored(n: number, node = 'w'): Version[] {
  return Array.from({ length: n }, (_, i) => pos(`e${i}`, node, T0 - 100_000 + i));
}

const sent = (p: Peer, type: SyncMessage['type']): SyncMessage[] => p.msgs().filter((m) => m.type === type);
const wantIds = (p: Peer): number =>
  sent(p, MessageType.Want).reduce((n, m) => n + (m.type === 'want' ? m.ids.length : 0), 0);
const limits = (h: Harness) => h.mesh.syncStatus().limitsHit;

describe('attack suite: sync floods (issue 12)', () => {
  it('an ihave flood of random ids: bounded share and tracked wants; an honest announcer is still grafted', async () => {
    const h = await Harness.create('m');
    const evil = h.peer('e');
    evil.hello();
    const honestVersions = stored(100, 'h');
    const honest = h.peer('h');
    honest.hello();
    let flooded = 0;
    const flood = (rounds: number, honestAt: number): void => {
      for (let round = 0; round < rounds; round++) {
        for (let k = 0; k < 3; k++) {
          evil.send({ type: MessageType.IHave, ids: randomIds(4096) });
          flooded += 4096;
        }
        if (round === honestAt) honest.send({ type: MessageType.IHave, ids: honestVersions.map((v) => versionId(v)) });
        h.tick(200);
      }
    };
    // The heap after the flood, then after as much again: what the victim holds stops growing (it
    // grew by 525 MiB for a flood the want tracker kept whole).
    const start = heapAfterGc();
    flood(10, 5);
    const first = heapAfterGc() - start;
    flood(10, -1);
    const second = heapAfterGc() - start - first;
    console.log(
      `ihave flood of ${flooded} ids: heap +${(first / MiB).toFixed(1)} MiB, then +${(second / MiB).toFixed(1)} MiB`,
    );
    expect(first).toBeLessThan(32 * MiB);
    expect(second).toBeLessThan(2 * MiB);
    // The flood got at most its share of the table per graft period, and no more tracked wants than the bound.
    expect(wantIds(evil)).toBeLessThanOrEqual(MAX_TRACKED_WANTS);
    expect(limits(h).announcedShare).toBeGreaterThanOrEqual(flooded - 20 * MAX_ANNOUNCED_PER_PEER);
    expect(limits(h).trackedWants).toBeGreaterThan(0);
    // securityStats() carries the same counts, by limit name (issue 12: "limits hit").
    const security = h.mesh.securityStats().limitsHit;
    expect(security).toMatchObject(limits(h));
    expect(security.announcedShare).toBe(limits(h).announcedShare);
    // The honest announcer's ids were all grafted from it.
    const grafted = new Set(
      sent(honest, MessageType.Want).flatMap((m) => (m.type === 'want' && m.graft ? m.ids.map((id) => id.join()) : [])),
    );
    for (const v of honestVersions) expect(grafted.has(versionId(v).join())).toBe(true);
  });

  it(`${MAX_VERSIONS_PER_FRAME + 3_616} tiny versions in one frame: refused before decoding, nothing applied or relayed`, async () => {
    const h = await Harness.create('m');
    const evil = h.peer('e');
    evil.hello();
    const honest = h.peer('h');
    honest.hello();
    h.tick();
    honest.reset();
    const flood = stored(MAX_VERSIONS_PER_FRAME + 3_616, 'e');
    // Unsigned, as a flooder would send them: the count is refused before anything is decoded or verified.
    const frame: SyncMessage = { type: MessageType.Versions, live: true, completes: 0, batch: encodeVersions(flood) };
    evil.send(frame);
    h.tick();
    expect([...h.node.versions()].length).toBe(0);
    expect(honest.versionsOut()).toEqual([]);
    expect(limits(h).versionsPerFrame).toBe(1);
    // An honest frame just under the bound still goes through and is relayed.
    evil.send(versionsFrame(stored(100, 'e'), true));
    h.tick();
    expect([...h.node.versions()].length).toBe(100);
    await h.landed();
    expect(honest.versionsOut().length).toBe(100);
    expect(encodeVersions(flood).length).toBeLessThan(256 * 1024);
  });

  it('40,000 tiny signed versions in legal frames: held within the author’s bound, relayed once per link, an honest write still served', async () => {
    // The author's bucket alone: its share of the node budget is register-memory's and register-budget's.
    const h = await Harness.create('m', {
      registerLimits: { burst: NEW_REGISTER_BURST, ratePerSecond: NEW_REGISTERS_PER_SECOND, maxAuthors: 4096 },
    });
    const evil = h.peer('e');
    evil.hello();
    const honest = h.peer('h');
    honest.hello();
    h.tick();
    honest.reset();
    const perFrame = 13_334; // three frames under MAX_VERSIONS_PER_FRAME, whole batches of the flooder's own key
    let bytesIn = 0;
    for (let f = 0; f < 3; f++) {
      const tiny = Array.from({ length: perFrame }, (_, i) => pos(`t${f}-${i}`, 'e', T0 - 100_000 + i));
      const frame = versionsFrame(await signedBatch(syncSigner(testIdentity('e')), 'e' as NodeId, tiny), true);
      const bytes = encodeMessage(frame);
      bytesIn += bytes.length;
      evil.handler.receive(bytes);
      h.tick();
    }
    h.tick(1000);
    const held = [...h.node.versions()].length;
    // What it makes us hold: one register per version, within the author's burst (entity-flood.test.ts
    // holds an author to it); the frame bound keeps any one frame from holding more.
    // The burst and what refilled while the frames came (a few ticks), not the 40,002.
    expect(held).toBeGreaterThanOrEqual(NEW_REGISTER_BURST);
    expect(held).toBeLessThanOrEqual(NEW_REGISTER_BURST + NEW_REGISTERS_PER_SECOND * 2);
    // Bytes out per byte in: each version relayed once to the other link, about as many bytes as came in.
    await h.landed();
    expect(honest.versionsOut().length).toBe(held);
    expect(new Set(honest.versionsOut().map((v) => v.entity)).size).toBe(held);
    const ratio = honest.bytes() / bytesIn;
    console.log(
      `attack suite: ${held} tiny versions in ${bytesIn} B relayed as ${honest.bytes()} B (×${ratio.toFixed(2)})`,
    );
    expect(ratio).toBeLessThanOrEqual(1.25);
    expect(evil.bytes()).toBeLessThan(1024);
    // The honest peer's own write is still taken.
    honest.send(versionsFrame([pos('honest-1', 'h', T0 - 10)], true));
    h.tick();
    expect(await h.node.get('honest-1')).toBeDefined();
  });

  it('writes far ahead of our clock: held within the author’s share, the rest refused and counted in limitsHit', async () => {
    const h = await Harness.create('m');
    const evil = h.peer('e');
    evil.hello();
    const over = 50;
    const ahead = Array.from({ length: DEFAULT_HOLD_LIMITS.maxPerAuthor + over }, (_, i) =>
      pos(`s${i}`, 'e', T0 + 10 * 60_000 + i),
    );
    evil.send(versionsFrame(await signedBatch(syncSigner(testIdentity('e')), 'e' as NodeId, ahead), true));
    h.tick();
    expect((await h.node.stats()).rejected['clock-skew-author-quota']).toBe(over);
    const hit = h.mesh.securityStats().limitsHit;
    expect(hit.skewHeldPerAuthor).toBe(over);
    expect(hit.skewHeld).toBe(0);
    expect(hit.skewHeldBytes).toBe(0);
  });

  it('a 4-byte reconcile open of an empty set: pushes bounded by the request, opens rate-limited, an honest initiator served', async () => {
    const h = await Harness.create('m');
    const all = stored(10_000);
    h.node.applyRemote(all);
    await h.node.flushed();
    const evil = h.peer('a'); // a < m: the initiator
    evil.hello();
    h.tick();
    evil.reset();
    // An empty set opens with an empty id list, no fingerprint: any key gives the same 4 bytes.
    const open = new Reconciler(new SortedVectorStorage([]), { key: UNSESSIONED_FINGERPRINT_KEY }).initiate();
    expect(open.length).toBe(4);
    // Each open is charged by the set it makes us walk (openCharge, limits.ts): 10,000 items cost
    // 10,000/65,536 of a whole open, so the burst admits this many at once (6 before, one each).
    const admitted = Math.floor(RECONCILE_OPEN_BURST / openCharge(all.length));
    const opens = admitted + 40;
    let bytesIn = 0;
    for (let session = 1; session <= opens; session++) {
      const m: SyncMessage = { type: MessageType.Reconcile, session, phase: 'open', payload: open };
      bytesIn += 8;
      evil.send(m);
    }
    h.tick();
    const perOpen = PUSH_FLOOR_VERSIONS + PUSH_VERSIONS_PER_REQUEST_BYTE * open.length;
    const replies = sent(evil, MessageType.Reconcile).filter((m) => m.type === 'reconcile' && m.phase === 'reply');
    expect(replies.length).toBe(admitted);
    expect(evil.versionsOut().length).toBeLessThanOrEqual(admitted * perOpen);
    expect(limits(h).reconcileOpens).toBe(opens - admitted);
    // The rest is split for the peer to descend into (flow control, not a limit hit: an honest
    // empty peer's open is the same 4 bytes).
    expect(h.mesh.peers().reduce((n, p) => n + p.pushSplits, 0)).toBe(admitted);
    expect(limits(h)).toEqual({ ...new LimitCounter().snapshot(), reconcileOpens: opens - admitted });
    // bytes out per byte in: bounded by the burst, each reply within a frame
    const ratio = evil.bytes() / bytesIn;
    console.log(
      `attack suite: ${opens} empty opens of 8 B drew ${replies.length} replies, ${evil.bytes()} B (×${Math.round(ratio)}; was ~×6,473 for one)`,
    );
    // each reply within REPLY_FLOOR_BYTES + REPLY_BYTES_PER_REQUEST_BYTE × its 4-byte request
    for (const r of replies) {
      expect(r.type === 'reconcile' && r.payload.length).toBeLessThanOrEqual(
        REPLY_FLOOR_BYTES + REPLY_BYTES_PER_REQUEST_BYTE * open.length,
      );
    }
    expect(evil.bytes()).toBeLessThanOrEqual(admitted * (REPLY_FLOOR_BYTES + 1024) + opens * 16);

    // An honest initiator on its own link, lacking 10 versions, runs a whole round and gets them pushed.
    const honest = h.peer('b');
    honest.hello();
    h.tick();
    const items: Item[] = all.slice(10).map((v) => ({ ts: v.ts.ms, id: versionId(v) }));
    const reconciler = new Reconciler(new SortedVectorStorage(items), { key: honest.fingerprintKey() });
    let payload: Uint8Array | null = reconciler.initiate();
    let received = 0;
    for (let k = 0; payload !== null && k < 5; k++) {
      honest.reset();
      honest.send({ type: MessageType.Reconcile, session: 1, phase: k === 0 ? 'open' : 'next', payload });
      // The flood's rounds hold m's turn (src/core/sync/round-turns.ts) ROUND_TURN_MS at
      // most, however many opens it sends: the honest open waits that long, then is answered.
      h.tick(k === 0 ? ROUND_TURN_MS : 50);
      received += honest.versionsOut().length;
      const reply = sent(honest, MessageType.Reconcile).find((m) => m.type === 'reconcile' && m.phase === 'reply');
      expect(reply).toBeDefined();
      payload = reconciler.reconcile(reply!.type === 'reconcile' ? reply!.payload : new Uint8Array(0)).reply;
    }
    expect(payload).toBeNull();
    expect(received).toBe(10);
  });

  it('a reconcile reply cut at the stated multiple of its request is counted (limitsHit.replyBytes)', async () => {
    const h = await Harness.create('m');
    h.node.applyRemote(stored(10_000));
    await h.node.flushed();
    const peer = h.peer('a'); // a < m: the initiator
    peer.hello();
    h.tick();
    peer.reset();
    // A few bytes asking for 5,000 coded symbols of the whole set: far more than the reply may carry.
    const enc = new MessageEncoder();
    enc.range(INFINITE_BOUND, Mode.SymbolRequest);
    enc.w.writeVarUint(0);
    enc.w.writeVarUint(5_000);
    const request = enc.finish();
    expect(limits(h).replyBytes).toBe(0);
    peer.send({ type: MessageType.Reconcile, session: 1, phase: 'open', payload: request });
    h.tick();
    const reply = sent(peer, MessageType.Reconcile).find((m) => m.type === 'reconcile' && m.phase === 'reply');
    expect(reply?.type === 'reconcile' && reply.payload.length).toBeLessThanOrEqual(
      REPLY_FLOOR_BYTES + REPLY_BYTES_PER_REQUEST_BYTE * request.length,
    );
    expect(limits(h).replyBytes).toBe(1);
    expect(h.mesh.securityStats().limitsHit.replyBytes).toBe(1);
  });

  it('the same want 64 times while the link is full: queued once', async () => {
    const h = await Harness.create('m');
    const big = {
      ...pos('blob', 'w', T0 - 1000),
      kind: 'zz_note',
      value: { text: 'x'.repeat(3000) },
    } as unknown as Version;
    h.node.applyRemote([big]);
    await h.node.flushed();
    expect([...h.node.versions()].length).toBe(1);
    const evil = h.peer('e');
    evil.hello();
    h.tick();
    evil.reset();
    evil.buffered = 2 * 1024 * 1024; // above the high-water mark: answers wait in the queue
    for (let request = 1; request <= 64; request++) {
      evil.send({ type: MessageType.Want, request, graft: false, ids: [versionId(big)] });
    }
    evil.buffered = 0;
    h.tick();
    expect(evil.versionsOut().length).toBe(1);
    // Not queued again: counted as wanted again while answered lately (sent-recently.ts), or while
    // still queued (outbox.ts).
    expect(limits(h).duplicateWants + limits(h).repeatedWants).toBe(63);
    // every want is still answered (its completion marker), with one copy of the version
    const completes = sent(evil, MessageType.Versions).filter((m) => m.type === 'versions' && m.completes > 0);
    expect(completes.length).toBe(64);
  });

  it('a link cut for invalid frames is refused for longer after each cut', async () => {
    const h = await Harness.create('m');
    const garbage = (p: Peer): void => {
      for (let i = 0; i < 101; i++) p.handler.receive(Uint8Array.from([0xff, 0xff, i]));
    };
    let evil = h.peer('e');
    evil.hello();
    garbage(evil);
    expect(evil.closedWith).toBe(INVALID_INPUT_REASON);
    // reconnecting at once is refused, with a bye and nothing else
    evil = h.peer('e');
    expect(evil.closedWith).toMatch(/backing off/);
    expect(evil.msgs().map((m) => m.type)).toEqual(['bye']);
    expect(limits(h).invalidBackoff).toBe(1);
    h.tick(INVALID_BACKOFF_BASE_MS + 1);
    evil = h.peer('e');
    expect(evil.closedWith).toBeUndefined();
    evil.hello();
    garbage(evil);
    expect(evil.closedWith).toBe(INVALID_INPUT_REASON);
    // the second cut backs off twice as long
    h.tick(INVALID_BACKOFF_BASE_MS + 1);
    expect(h.peer('e').closedWith).toMatch(/backing off/);
    h.tick(INVALID_BACKOFF_BASE_MS);
    expect(h.peer('e').closedWith).toBeUndefined();
    // an honest peer was never refused
    expect(h.peer('h').closedWith).toBeUndefined();
  });
});
