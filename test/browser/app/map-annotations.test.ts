import { offset } from '../../../src/core/sim/geo';
import { DEFENDED_POINT } from '../../../src/node/c2-pipeline';
import { waitInTab, type MochaContext } from '../mesh/mesh-support';
import { closeAllTabs, inTab, openTab } from '../support/app-pages';
import { expect } from '../support/expect';

declare const describe: (name: string, fn: (this: MochaContext) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const afterEach: (fn: () => Promise<unknown>) => void;

const lattice = () => `?lattice=mk${Math.floor(Math.random() * 1e9).toString(36)}`;
/** 2 km from the defended point: a hostile cue there is HIGH at once (docs/c2-pipeline.md). */
const NEAR = offset(DEFENDED_POINT, 0, 2_000);

/** What the tab's map draws over its tracks, read from the map element (its test accessors). */
interface Drawn {
  links: Record<string, string[]>;
  pending: string[];
  fused: Record<string, string[]>;
  /** Tracks with a pending request, as the node says. */
  requests: string[];
}

describe('the map marks fused tracks and pending approvals (built app, real worker)', function () {
  this.timeout(120_000);
  afterEach(() => closeAllTabs());

  it('links each fused track to its sources only while fusion is on, and marks a pending request until it is answered', async () => {
    const tab = await openTab({ query: lattice() });
    await inTab(tab, async () => {
      const w = window as unknown as { lmDrawn: () => Promise<unknown> };
      w.lmDrawn = async () => {
        const map = document.querySelector('lm-app')!.shadowRoot!.querySelector('lattice-map') as unknown as {
          renderedLinks(): Record<string, string[]>;
          renderedPending(): string[];
        };
        const fused: Record<string, string[]> = {};
        for (const v of await window.lattice.list()) {
          const f = v.components['fusion'] as { sources: string[] } | undefined;
          if (f !== undefined) fused[v.id] = [...f.sources].sort();
        }
        const requests = (await window.lattice.approvals())
          .filter((a) => a.state === 'pending')
          .map((a) => a.entityId)
          .sort();
        return { links: map.renderedLinks(), pending: map.renderedPending(), fused, requests };
      };
      await window.lattice.simulate({ eo: { tracks: 3, hz: 2 }, radar: { tracks: 3, hz: 2 }, seed: 7 });
    });
    const drawn = () => inTab(tab, () => (window as unknown as { lmDrawn: () => Promise<Drawn> }).lmDrawn());

    // Every fused track gets a line to each of its sources, and nothing else is linked.
    await waitInTab(
      tab,
      'a fused track linked to its two sources',
      async () => {
        const d = await (window as unknown as { lmDrawn: () => Promise<Drawn> }).lmDrawn();
        const ids = Object.keys(d.fused);
        return (
          ids.length > 0 &&
          ids.every((id) => d.links[id]?.join() === d.fused[id]!.join() && d.fused[id]!.length === 2) &&
          Object.keys(d.links).every((id) => id in d.fused)
        );
      },
      null,
      40_000,
    );
    await inTab(tab, () => window.lattice.stopSimulation());

    // Fusion off: the fused views go, and their links with them.
    await inTab(tab, () => window.lattice.setFusion({ enabled: false }));
    await waitInTab(
      tab,
      'no links with fusion off',
      async () => {
        const d = await (window as unknown as { lmDrawn: () => Promise<Drawn> }).lmDrawn();
        return Object.keys(d.links).length === 0 && Object.keys(d.fused).length === 0;
      },
      null,
      30_000,
    );

    // A HIGH track: the gate raises a request, and the map marks it while it is pending.
    await inTab(
      tab,
      async ({ lat, lon }: { lat: number; lon: number }) => {
        const cue = { label: 'fighter', disposition: 'HOSTILE', environment: 'AIR', confidence: 0.95 };
        await window.lattice.create({
          id: 'm1',
          components: {
            source: { sensorId: 'test-eo', sensorType: 'eo' },
            position: { lat, lon, alt: 3_000 },
            velocity: { east: 0, north: -150 },
            cue,
          },
        });
      },
      { lat: NEAR.lat, lon: NEAR.lon },
    );
    await waitInTab(
      tab,
      'the pending marker on m1',
      async () => {
        const d = await (window as unknown as { lmDrawn: () => Promise<Drawn> }).lmDrawn();
        return d.pending.includes('m1');
      },
      null,
      30_000,
    );
    // Every pending request is marked, and nothing else (the simulated tracks may have raised some too).
    await waitInTab(
      tab,
      'the marks matching the requests',
      async () => {
        const d = await (window as unknown as { lmDrawn: () => Promise<Drawn> }).lmDrawn();
        return d.pending.join() === d.requests.join();
      },
      null,
    );
    await inTab(tab, () => window.lattice.decide('m1', 'deny'));
    await waitInTab(
      tab,
      'the marker gone from m1 once denied',
      async () => {
        const d = await (window as unknown as { lmDrawn: () => Promise<Drawn> }).lmDrawn();
        return !d.pending.includes('m1') && d.pending.join() === d.requests.join();
      },
      null,
      30_000,
    );
    const final = await drawn();
    expect(Object.keys(final.links)).toEqual([]);
    expect(final.pending.includes('m1')).toBe(false);
  });
});
