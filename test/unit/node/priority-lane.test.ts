import { describe, expect, it } from 'vitest';
import { asNodeId } from '../../../src/core/ids';
import type { StorageBatch } from '../../../src/ports/storage';
import { HeldStorage } from '../support/held-storage';
import { testIdentity } from '../support/test-keys';
import { refresh, track } from './c2/gate-fixtures';
import { ManualClock, settle, T0 } from './c2/manual-node';
import { openTestNode } from '../support/test-node';

const positions = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `t${(from + i).toString()}`,
    components: { position: { lat: 51 + i * 1e-5, lon: -0.4, alt: 100 } },
  }));

describe('the priority lane of local writes', () => {
  it('a threat change written behind a backlog of 3,000 track writes commits beside the commit in flight and is announced first', async () => {
    const storage = new HeldStorage();
    const node = await openTestNode({
      nodeId: asNodeId('A'),
      storage,
      now: () => T0,
      signer: testIdentity(asNodeId('A')).signer,
    });
    await node.create({ id: 'h1', components: { position: { lat: 51, lon: -0.4, alt: 100 } } });
    // What the mesh and the gate hear, in order: each announced local write's kinds.
    const heard: string[] = [];
    node.onVersions((versions, origin) => {
      if (origin === 'local') heard.push([...new Set(versions.map((v) => v.kind))].join(','));
    });
    storage.holding = true;
    const inFlight = node.writeMany(positions(0, 1_000));
    await settle();
    const backlog = node.writeMany(positions(1_000, 2_000));
    await settle();
    const threat = node.update('h1', { threat: { level: 'HIGH' } });
    await settle();
    // The threat's own commit has started beside the one in flight: it does not wait for it.
    const committed = storage.batches.length - 1;
    expect(storage.batches[committed]!.put.map((v) => v.kind)).toEqual(['threat']);
    await storage.release(); // both commits end; the backlog's starts
    await inFlight;
    await threat;
    await settle();
    expect(heard).toEqual(['position', 'threat']);
    expect((await node.stats()).storage.pending).toBeGreaterThanOrEqual(2_000); // the backlog still waits
    storage.holding = false;
    await storage.release();
    await backlog;
    // The backlog, and the approval request the gate raised on hearing the HIGH threat.
    expect(heard.slice(0, 2)).toEqual(['position', 'threat']);
    expect(heard.slice(2).sort()).toEqual(['approval', 'position']);
    // The threat's commit carried its own signature proof: it was signed in a round of its own.
    const proof = storage.batches[committed]!.put[0]!.proof;
    expect(proof).toMatchObject({ count: 1 });
    await node.close();
  });

  it('a track the classifier turns HIGH and the request the gate raises for it are signed and committed together, announced only once durable', async () => {
    const clock = new ManualClock();
    // Holds the commit that carries the threat (the clock lease's own commits pass).
    const storage = new (class extends HeldStorage {
      override commit(batch: StorageBatch): Promise<void> {
        const holding = this.holding;
        this.holding = holding && batch.put.some((v) => v.kind === 'threat');
        const done = super.commit(batch); // decides at once whether to hold
        this.holding = holding;
        return done;
      }
    })();
    const node = await openTestNode({
      nodeId: asNodeId('A'),
      storage,
      now: () => clock.now,
      scheduler: clock,
      signer: testIdentity(asNodeId('A')).signer,
    });
    clock.tickEverySecond(node);
    await node.create({ id: 'h1', components: track() });
    // The sensor's next report renews the clock lease (a node writing steadily always holds one).
    await clock.advance(900);
    await refresh(node, 'h1');
    const heard: string[] = [];
    node.onVersions((versions, origin) => {
      if (origin === 'local') heard.push(...versions.map((v) => v.kind));
    });
    const from = storage.batches.length;
    storage.holding = true;
    // The host's tick: the classifier writes the threat HIGH; its commit is held.
    await clock.advance(100);
    const withThreat = storage.batches.slice(from).filter((b) => b.put.some((v) => v.kind === 'threat'));
    expect(withThreat).toHaveLength(1);
    // The request rides in the threat write's commit, under the same signature, not a commit later.
    const put = withThreat[0]!.put;
    expect(put.map((v) => v.kind)).toEqual(expect.arrayContaining(['threat', 'approval']));
    const approval = put.find((v) => v.kind === 'approval')!;
    const threat = put.find((v) => v.kind === 'threat')!;
    expect((approval.proof as { sig: unknown }).sig).toEqual((threat.proof as { sig: unknown }).sig);
    // Nothing was announced (to the mesh, the gate's peers) before it was durable.
    expect(heard).toEqual([]);
    storage.holding = false;
    await storage.release();
    await settle();
    expect(heard).toEqual(expect.arrayContaining(['threat', 'approval']));
    expect(heard.indexOf('threat')).toBeLessThan(heard.indexOf('approval'));
    expect((await node.approvals()).map((a) => a.state)).toEqual(['pending']);
    await node.close();
  });
});
