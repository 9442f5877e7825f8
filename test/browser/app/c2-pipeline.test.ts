import { closeAllTabs, inTab, openTab } from '../support/app-pages';
import { expect } from '../support/expect';

declare const describe: (name: string, fn: () => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

const lattice = () => `?lattice=t${Math.floor(Math.random() * 1e9).toString(36)}`;

describe('the C2 pipeline in a real tab (worker timers, window.lattice)', () => {
  after(() => closeAllTabs());

  it('simulates EO and radar tracks, fuses them, and stops', async () => {
    const tab = await openTab({ query: lattice() });
    const result = await inTab(tab, async () => {
      const l = window.lattice;
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      let refused = '';
      try {
        await l.simulate({ eo: { tracks: 5, hz: 100 } });
      } catch (e) {
        refused = `${(e as Error).name}: ${(e as Error).message}`;
      }
      await l.simulate({ eo: { tracks: 5, hz: 2 }, radar: { tracks: 5, hz: 2 }, seed: 42 });
      let stats = await l.fusionStats();
      // Fusion confirms a pair after 3 associated reports (2 Hz here), scanning as they arrive.
      for (let i = 0; i < 30 && stats.fused === 0; i++) {
        await sleep(500);
        stats = await l.fusionStats();
      }
      const list = await l.list();
      const truth = await l.simulationTruth();
      await l.stopSimulation();
      await sleep(300);
      // Fusion off before comparing: scans go on after the stop and may confirm one more pair,
      // hiding its two sources from list() without any write. The stop is about the store.
      await l.setFusion({ enabled: false });
      const sources = await l.list({ kind: 'source' });
      const versions = sources.map((v) => `${v.id}@${v.meta.position?.version}`).join();
      await sleep(1_200);
      const later = (await l.list({ kind: 'source' })).map((v) => `${v.id}@${v.meta.position?.version}`).join();
      const raw = await l.list();
      return {
        refused,
        stats,
        listed: list.map((v) => v.id),
        fusedSources: list.filter((v) => v.components.fusion !== undefined).map((v) => v.components.fusion),
        truth: truth.map((t) => t.id),
        sourcesAfterStop: sources.length,
        versionsSame: versions === later,
        raw: raw.map((v) => v.id),
      };
    });
    expect(result.refused).toContain('ValidationError');
    expect(result.refused).toContain('simulate.eo.hz');
    expect(result.stats.fused > 0).toBe(true);
    expect(result.stats.sources).toBe(2 * result.stats.fused);
    // A scan may fuse one more pair between fusionStats() and list(): count from the list itself.
    expect(result.fusedSources.length > 0).toBe(true);
    expect(result.listed.length).toBe(10 - result.fusedSources.length);
    expect(result.truth).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(result.sourcesAfterStop).toBe(10);
    expect(result.versionsSame).toBe(true);
    expect(result.raw.length).toBe(10);
  });
});
