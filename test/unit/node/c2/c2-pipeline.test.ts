import { describe, expect, it } from 'vitest';
import type { Fusion, Source, Threat } from '../../../../src/core/entity/component-types';
import { Simulation } from '../../../../src/core/sim/simulation';
import { DEFENDED_POINT, SIM_WRITE_REPORTS } from '../../../../src/node/c2-pipeline';
import { offset } from '../../../../src/core/sim/geo';
import { ManualClock, openNode, settle, T0 } from './manual-node';

const isFused = (id: string): boolean => id.startsWith('fused:');

describe('the simulator wired into the node', () => {
  it('writes tracks tagged with source through the local write path, and stops', async () => {
    const clock = new ManualClock();
    const { node, storage } = await openNode(clock, 'nodeA');
    expect((await node.info()).simulation).toEqual({ running: false });
    await node.simulate({ eo: { tracks: 12, hz: 2 }, seed: 7 });
    // What runs, as the simulator controls show it.
    expect((await node.info()).simulation).toEqual({ running: true, eo: { tracks: 12, hz: 2 }, seed: 7 });
    await clock.advance(3_000);
    const raw = (await node.list()).filter((v) => v.components.source !== undefined);
    expect(raw).toHaveLength(12);
    expect(raw.every((v) => (v.components.source as Source).sensorType === 'eo')).toBe(true);
    expect(raw.every((v) => v.meta.position!.author === node.nodeId)).toBe(true);

    // The truth is the seeded simulator's, at the time of the last tick.
    const truth = await node.simulationTruth();
    const reference = new Simulation({ seed: 7, start: T0, defended: DEFENDED_POINT, eo: { tracks: 12, hz: 2 } });
    reference.advance(clock.now);
    expect(truth).toEqual(reference.truth());

    // Persisted like any local write.
    await node.flushed();
    const stored = await storage.loadVersions();
    expect(new Set(stored.map((v) => v.entity))).toEqual(new Set(raw.map((v) => v.id)));

    await node.stopSimulation();
    expect((await node.info()).simulation).toEqual({ running: false, eo: { tracks: 12, hz: 2 }, seed: 7 });
    const positions = async () => (await node.list({ kind: 'source' })).map((v) => v.meta.position!.version);
    const before = await positions();
    await clock.advance(3_000);
    expect(await positions()).toEqual(before);
    expect(clock.pending).toBe(0);
  });

  it("writes a track's unchanged source once, its position with every report", async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    await node.setFusion({ enabled: false }); // the raw tracks, not fused views of them
    await node.simulate({ eo: { tracks: 4, hz: 1 }, radar: { tracks: 4, hz: 1 }, seed: 3 });
    await clock.advance(1_500);
    const versionsOf = async (kind: 'source' | 'position') =>
      new Map((await node.list({ kind: 'source' })).map((v) => [v.id, v.meta[kind]!.version]));
    const sources = await versionsOf('source');
    const positions = await versionsOf('position');
    expect(sources.size).toBe(8);
    await clock.advance(3_000);
    expect(await versionsOf('source')).toEqual(sources);
    for (const [id, version] of await versionsOf('position')) expect(version).not.toBe(positions.get(id));
    await node.stopSimulation();
  });

  it('writes a tick of many reports in parts of at most SIM_WRITE_REPORTS, all of them', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    await node.setFusion({ enabled: false });
    // The number of positions in each announced local write.
    const parts: number[] = [];
    node.onVersions((versions, origin) => {
      const n = versions.filter((v) => v.kind === 'position').length;
      if (origin === 'local' && n > 0) parts.push(n);
    });
    await node.simulate({ eo: { tracks: 300, hz: 1 }, radar: { tracks: 300, hz: 1 }, seed: 5 });
    await clock.advance(1_500);
    expect((await node.list({ kind: 'source' })).length).toBe(600);
    expect(parts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(600);
    expect(Math.max(...parts)).toBeLessThanOrEqual(SIM_WRITE_REPORTS);
    await node.stopSimulation();
  });

  it('names its tracks after the node and the run: two nodes simulating one seed write disjoint tracks', async () => {
    const clock = new ManualClock();
    const a = await openNode(clock, 'nodeA-with-a-long-id');
    const b = await openNode(clock, 'nodeB');
    // Meshed in memory: each node's writes reach the other.
    a.node.onVersions((versions, origin) => void (origin === 'local' && b.node.applyRemote(versions)));
    b.node.onVersions((versions, origin) => void (origin === 'local' && a.node.applyRemote(versions)));
    for (const n of [a, b]) {
      await n.node.setFusion({ enabled: false });
      await n.node.simulate({ eo: { tracks: 3, hz: 1 }, radar: { tracks: 3, hz: 1 }, seed: 42 });
    }
    await clock.advance(3_000);
    const idsBy = async (n: typeof a) =>
      (await a.node.list({ kind: 'source' })).filter((v) => v.meta.position!.author === n.node.nodeId).map((v) => v.id);
    const ofA = await idsBy(a);
    const ofB = await idsBy(b);
    expect(ofA.sort()).toEqual([
      'sim-eo-nodeA-wi-16.t0',
      'sim-eo-nodeA-wi-16.t1',
      'sim-eo-nodeA-wi-16.t2',
      'sim-radar-nodeA-wi-16.t0',
      'sim-radar-nodeA-wi-16.t1',
      'sim-radar-nodeA-wi-16.t2',
    ]);
    expect(ofB).toHaveLength(6);
    expect(ofB.filter((id) => ofA.includes(id))).toEqual([]);
    // Every track has one writer: no node's reports land in the other's tracks.
    for (const v of await a.node.list({ kind: 'source' })) {
      expect(v.meta.position!.author).toBe(v.meta.source!.author);
      expect((v.components.source as Source).sensorId).toBe(v.id.slice(0, v.id.lastIndexOf('.')));
    }

    // Another run on the same node (another seed) names new tracks.
    await a.node.stopSimulation();
    await a.node.simulate({ eo: { tracks: 1, hz: 1 }, seed: 43 });
    await clock.advance(2_000);
    expect(await a.node.get('sim-eo-nodeA-wi-17.t0')).toBeDefined();
    for (const n of [a, b]) await n.node.stopSimulation();
  });

  it('refuses bad arguments at the boundary, naming the field', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    const bad: [unknown, string][] = [
      [{}, 'eo and/or radar'],
      [{ eo: { tracks: 10_001, hz: 1 } }, 'simulate.eo.tracks'],
      [{ eo: { tracks: 1.5, hz: 1 } }, 'simulate.eo.tracks'],
      [{ radar: { tracks: 10, hz: 11 } }, 'simulate.radar.hz'],
      [{ radar: { tracks: 10, hz: 0 } }, 'simulate.radar.hz'],
      [{ eo: { tracks: 1, hz: 1 }, seed: -1 }, 'simulate.seed'],
      [{ eo: { tracks: 1, hz: 1, extra: 1 } }, 'extra'],
    ];
    for (const [arg, field] of bad) {
      await expect(node.simulate(arg as never), JSON.stringify(arg)).rejects.toThrow(field);
      await expect(node.simulate(arg as never)).rejects.toMatchObject({ name: 'ValidationError' });
    }
    await expect(node.setFusion({ enabled: 'yes' } as never)).rejects.toThrow('setFusion.enabled');
    await expect(node.setFusion({ enabled: true, gateMeters: 0 })).rejects.toThrow('setFusion.gateMeters');
    expect(clock.pending).toBe(0);
  });
});

describe('the classifier wired into the node', () => {
  it('raises the threat of an approaching hostile written by anyone, once, and lowers it when the cue goes', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    const at10km = offset(DEFENDED_POINT, 0, 10_000);
    const track = (cue: boolean) => ({
      source: { sensorId: 'import-eo', sensorType: 'eo' },
      position: { lat: at10km.lat, lon: at10km.lon, alt: 3_000 },
      velocity: { east: 0, north: -150 },
      ...(cue ? { cue: { label: 'fighter', disposition: 'HOSTILE', environment: 'AIR', confidence: 0.9 } } : {}),
    });
    await node.create({ id: 'h1', components: track(true) });
    // Going away: the same hostile, not closing, far less urgent.
    await node.create({ id: 'h2', components: { ...track(true), velocity: { east: 0, north: 150 } } });
    await clock.advance(1_000);
    const h1 = await node.get('h1');
    expect((h1!.components.threat as Threat).level).toBe('HIGH');
    expect(h1!.components.classification).toMatchObject({ disposition: 'HOSTILE', label: 'fighter' });
    expect((await node.get('h2'))!.components.threat).not.toEqual({ level: 'HIGH' });

    // Unchanged inputs: no new write on later ticks.
    const version = h1!.meta.threat!.version;
    await clock.advance(2_000);
    expect((await node.get('h1'))!.meta.threat!.version).toBe(version);

    // The cue ages out (no new cue for > 10 s): the threat falls.
    await clock.advance(10_000);
    expect((await node.get('h1'))!.components.threat).not.toEqual({ level: 'HIGH' });
    expect((await node.get('h1'))!.components.classification).toMatchObject({ disposition: 'UNKNOWN' });

    // A hand-made entity without `source` keeps the operator's threat.
    const manual = await node.create({ id: 'manual', components: { position: at10km, threat: { level: 'LOW' } } });
    await clock.advance(2_000);
    expect(await node.get('manual')).toEqual(manual);
  });
});

describe('fusion wired into the node as a derived, unreplicated view', () => {
  it('shows EO + radar of one target as one fused view, and the raw tracks when turned off (persisted)', async () => {
    const clock = new ManualClock();
    const { node, backing } = await openNode(clock, 'nodeA');
    await node.simulate({ eo: { tracks: 10, hz: 1 }, radar: { tracks: 10, hz: 1 }, seed: 11 });
    await clock.advance(8_000);
    const list = await node.list();
    const fused = list.filter((v) => isFused(v.id));
    expect(fused.length).toBeGreaterThan(5);
    for (const f of fused) {
      const sources = (f.components.fusion as Fusion).sources;
      expect(sources).toHaveLength(2);
      expect(list.some((v) => sources.includes(v.id))).toBe(false);
      expect(f.components.position).toEqual((f.components.fusion as Fusion).position);
      expect(await node.get(f.id)).toEqual(f);
    }
    expect(list.length).toBe(20 - fused.length);
    expect(await node.fusionStats()).toMatchObject({ fused: fused.length, sources: 2 * fused.length });
    // The handle's fixed names, and the gate's limits and the reports held ahead (docs/fusion.md).
    const stats = await node.fusionStats();
    expect(Object.keys(stats).sort()).toEqual(['ahead', 'fused', 'gateLimited', 'lastScanMs', 'sources']);
    expect(stats).toMatchObject({ ahead: 0, gateLimited: 0 });
    expect(stats.lastScanMs).toBeGreaterThanOrEqual(0);

    const batches: { changed: string[]; removed: string[] }[] = [];
    node.watch((b) => batches.push({ changed: b.changed.map((v) => v.id), removed: [...b.removed] }));
    await node.setFusion({ enabled: false });
    expect((await node.list()).map((v) => v.id).sort()).toEqual(
      [...(await node.list({ kind: 'source' }))].map((v) => v.id).sort(),
    );
    expect((await node.list()).filter((v) => isFused(v.id))).toEqual([]);
    expect(await node.list()).toHaveLength(20);
    expect(await node.fusionStats()).toMatchObject({ fused: 0, sources: 0 });
    // Watchers heard the fused views go and the raw tracks come back.
    expect(
      batches
        .flatMap((b) => b.removed)
        .filter(isFused)
        .sort(),
    ).toEqual(fused.map((f) => f.id).sort());
    const shown = new Set(batches.flatMap((b) => b.changed));
    for (const f of fused) for (const s of (f.components.fusion as Fusion).sources) expect(shown).toContain(s);
    expect([...shown].filter(isFused)).toEqual([]);

    // The setting survives a reopen.
    await node.stopSimulation();
    await node.close();
    const reopened = await openNode(clock, 'nodeA', backing);
    await clock.advance(3_000);
    expect(await reopened.node.fusionStats()).toMatchObject({ fused: 0 });
    await reopened.node.setFusion({ enabled: true, gateMeters: 300 });
    await reopened.node.simulate({ eo: { tracks: 10, hz: 1 }, radar: { tracks: 10, hz: 1 }, seed: 11 });
    await clock.advance(6_000);
    expect((await reopened.node.fusionStats()).fused).toBeGreaterThan(0);
  });

  it('turning fusion off and on without a gate keeps the gate set before, across a reopen', async () => {
    const clock = new ManualClock();
    const { node, backing } = await openNode(clock, 'nodeA');
    await node.setFusion({ enabled: true, gateMeters: 300 });
    await node.setFusion({ enabled: false });
    await node.setFusion({ enabled: true });
    expect(await node.info()).toMatchObject({ fusionEnabled: true, fusionGateMeters: 300 });
    await node.setFusion({ enabled: false });
    await node.close();
    const reopened = await openNode(clock, 'nodeA', backing);
    expect(await reopened.node.info()).toMatchObject({ fusionEnabled: false, fusionGateMeters: 300 });
    await reopened.node.setFusion({ enabled: true, gateMeters: 800 });
    expect(await reopened.node.info()).toMatchObject({ fusionEnabled: true, fusionGateMeters: 800 });
  });

  it('is computed on each node and never stored nor sent to peers', async () => {
    const clock = new ManualClock();
    const a = await openNode(clock, 'nodeA');
    const b = await openNode(clock, 'nodeB');
    // Meshed in memory: every version either node stores goes to the other, as the mesh relays them.
    const sent: string[] = [];
    a.node.onVersions((versions) => {
      sent.push(...versions.map((v) => v.entity));
      b.node.applyRemote(versions);
    });
    b.node.onVersions((versions, origin) => {
      sent.push(...versions.map((v) => v.entity));
      if (origin !== 'remote') a.node.applyRemote(versions);
    });
    await a.node.simulate({ eo: { tracks: 8, hz: 1 }, radar: { tracks: 8, hz: 1 }, seed: 3 });
    await clock.advance(8_000);
    await a.node.stopSimulation();

    const rawOnB = [...b.node.versions()].filter((v) => v.kind === 'source');
    expect(rawOnB).toHaveLength(16);
    expect(rawOnB.every((v) => v.ts.node === a.node.nodeId)).toBe(true);
    const fusedA = (await a.node.list()).filter((v) => isFused(v.id)).map((v) => v.id);
    const fusedB = (await b.node.list()).filter((v) => isFused(v.id)).map((v) => v.id);
    expect(fusedB.length).toBeGreaterThan(0);
    // Same sources, same deterministic ids: one object is one fused entity on both nodes.
    expect(fusedB.sort()).toEqual(fusedA.sort());

    await a.node.flushed();
    await b.node.flushed();
    for (const n of [a, b]) {
      expect((await n.storage.loadVersions()).filter((v) => isFused(v.entity))).toEqual([]);
      expect([...n.node.versions()].filter((v) => isFused(v.entity))).toEqual([]);
    }
    expect(sent.filter(isFused)).toEqual([]);
    // A fused view is read-only: it is not an entity of the store.
    await expect(b.node.update(fusedB[0]!, { threat: { level: 'LOW' } })).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });

  it("fuses two peers' tracks of one object (any writer) and splits them back when they diverge", async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    const here = offset(DEFENDED_POINT, 2_000, 30_000);
    const report = async (id: string, sensorId: string, north: number) => {
      const p = offset(here, 0, north);
      const components = {
        source: { sensorId, sensorType: 'radar' },
        position: { lat: p.lat, lon: p.lon, accuracy: 20 },
      };
      if ((await node.get(id)) === undefined) await node.create({ id, components });
      else await node.update(id, components);
    };
    const second = async (northOfB: number) => {
      await report('a', 'peer-radar-1', 0);
      await report('b', 'peer-radar-2', northOfB);
      await clock.advance(1_000);
    };
    for (let i = 0; i < 5; i++) await second(10);
    const fused = (await node.list()).map((v) => v.id);
    expect(fused).toHaveLength(1);
    expect(isFused(fused[0]!)).toBe(true);
    for (let i = 0; i < 5; i++) await second(5_000);
    expect((await node.list()).map((v) => v.id).sort()).toEqual(['a', 'b']);
    expect(await node.fusionStats()).toMatchObject({ fused: 0, sources: 0 });
  });

  it('drops a fused view when one of its sources expires, and shows the other again', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    const here = offset(DEFENDED_POINT, -3_000, 20_000);
    const expiresAt = T0 + 6_500;
    const report = async (id: string, components: Record<string, unknown>) => {
      if ((await node.get(id)) === undefined) await node.create({ id, components });
      else await node.update(id, components);
    };
    for (let i = 0; i < 5; i++) {
      await report('lasting', { source: { sensorId: 'eo-1', sensorType: 'eo' }, position: { ...here, accuracy: 5 } });
      // A peer's radar track that carries its own expiry (the store purges it once that passes).
      await report('fleeting', {
        source: { sensorId: 'radar-1', sensorType: 'radar' },
        position: { ...offset(here, 15, 0), accuracy: 30 },
        expiry: { at: expiresAt },
      });
      await clock.advance(1_000);
    }
    const fused = (await node.list()).map((v) => v.id);
    expect(fused).toHaveLength(1);
    expect(isFused(fused[0]!)).toBe(true);
    const removed: string[] = [];
    node.watch((b) => removed.push(...b.removed));
    // Keep the EO going; the radar's expiry passes at 6.5 s.
    for (let i = 0; i < 3; i++) {
      await report('lasting', { source: { sensorId: 'eo-1', sensorType: 'eo' }, position: { ...here, accuracy: 5 } });
      await clock.advance(1_000);
    }
    expect(await node.get('fleeting')).toBeUndefined();
    expect(await node.get(fused[0]!)).toBeUndefined();
    expect((await node.list()).map((v) => v.id)).toEqual(['lasting']);
    expect(removed).toContain(fused[0]);
    expect(await node.fusionStats()).toMatchObject({ fused: 0, sources: 0 });
  });

  it('drops a fused view at once when one of its sources is deleted, and shows the other again', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    await node.simulate({ eo: { tracks: 4, hz: 1 }, radar: { tracks: 4, hz: 1 }, seed: 5 });
    await clock.advance(6_000);
    await node.stopSimulation();
    const fused = (await node.list()).find((v) => isFused(v.id));
    expect(fused).toBeDefined();
    const sources = (fused!.components.fusion as Fusion).sources;
    expect(sources).toHaveLength(2);
    const [gone, kept] = [sources[0]!, sources[1]!];
    const removed: string[] = [];
    node.watch((b) => removed.push(...b.removed));
    await node.remove(gone);
    await settle();
    expect(await node.get(fused!.id)).toBeUndefined();
    const ids = (await node.list()).map((v) => v.id);
    expect(ids).not.toContain(fused!.id);
    expect(ids).toContain(kept);
    expect(removed).toContain(fused!.id);
    expect(removed).toContain(gone);
  });
});
