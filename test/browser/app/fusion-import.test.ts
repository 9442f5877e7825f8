/**
 * A picture imported once fuses (docs/fusion.md, "Hysteresis"): a GeoJSON file of EO and radar
 * tracks of the same objects, chosen in the picture panel of one tab (the built app, its worker),
 * is written once and never updated. Each source is one report, so counting reports never fused
 * them; after the pairs' dwell both tabs of the lattice show one fused track per object, marked
 * with its sources and a confidence, under the same ids, with no raw source and no duplicate; the
 * settings' Fusion switch then shows that tab the raw sources again.
 */
import { offset } from '../../../src/core/sim/geo';
import { DEFENDED_POINT } from '../../../src/node/c2-pipeline';
import { openNodes, uniqueLattice, waitFullMesh, waitInTab, type MochaContext } from '../mesh/mesh-support';
import { closeAllTabs, inTab, type AppTab } from '../support/app-pages';
import { expect } from '../support/expect';

declare const describe: (name: string, fn: (this: MochaContext) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

const OBJECTS = 3;

/** The file: object n seen by the EO (σ 5 m) and by the radar (σ 30 m, 18 m off), 2 km apart. */
function picture(): string {
  const features = [];
  for (let n = 0; n < OBJECTS; n++) {
    const p = offset(DEFENDED_POINT, 2_000 * n, 8_000);
    const r = offset(p, 15, -10);
    features.push(
      {
        type: 'Feature',
        id: `imp-eo-${n}`,
        geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
        properties: { source: { sensorId: 'eo-import', sensorType: 'eo' }, position: { accuracy: 5 } },
      },
      {
        type: 'Feature',
        id: `imp-radar-${n}`,
        geometry: { type: 'Point', coordinates: [r.lon, r.lat] },
        properties: { source: { sensorId: 'radar-import', sensorType: 'radar' }, position: { accuracy: 30 } },
      },
    );
  }
  return JSON.stringify({ type: 'FeatureCollection', features });
}

const EXPECTED = Array.from({ length: OBJECTS }, (_, n) => `imp-eo-${n} imp-radar-${n}`);

interface Shown {
  /** Every entity listed: id → its fusion sources (sorted, joined), or '' for a raw track. */
  listed: Record<string, string>;
  confidences: number[];
  /** The track list's rows and, per fused row, its sources and confidence as the row shows them. */
  rows: string[];
  fusionTexts: string[];
  /** The map's links: fused id → source ids. */
  links: Record<string, string[]>;
}

/** What the tab shows: its list, its track list and its map's links (self-contained: sent as text). */
function shown(tab: AppTab): Promise<Shown> {
  return inTab(tab, async () => {
    const listed: Record<string, string> = {};
    const confidences: number[] = [];
    for (const v of await window.lattice.list()) {
      const f = v.components['fusion'] as { sources: string[]; confidence: number } | undefined;
      listed[v.id] = f === undefined ? '' : [...f.sources].sort().join(' ');
      if (f !== undefined) confidences.push(f.confidence);
    }
    const rows = window.deepQueryAll(document, '[data-testid="track-row"]').map((r) => r.dataset.entityId ?? '');
    const fusionTexts = window
      .deepQueryAll(document, '[data-testid="track-fusion"]')
      .map((c) => c.textContent?.replace(/\s+/g, ' ').trim() ?? '');
    const map = window.deepQuery(document, 'lattice-map') as unknown as { renderedLinks(): Record<string, string[]> };
    // The map reads the sources' positions by id before it draws the links: poll until it has.
    let links = map.renderedLinks();
    for (let k = 0; k < 50 && Object.keys(links).length !== Object.keys(listed).length; k++) {
      await new Promise((r) => setTimeout(r, 100));
      links = map.renderedLinks();
    }
    return { listed, confidences, rows: rows.sort(), fusionTexts, links };
  });
}

/** True once the tab lists exactly one fused track per imported object and nothing else. */
function fusedAsExpected(expected: string[]): Promise<boolean> {
  return (async () => {
    const pairs: string[] = [];
    for (const v of await window.lattice.list()) {
      const f = v.components['fusion'] as { sources: string[] } | undefined;
      if (f === undefined) return false;
      pairs.push([...f.sources].sort().join(' '));
    }
    return pairs.sort().join() === expected.join();
  })();
}

describe('a picture imported once, in two tabs of one lattice (built app, real workers)', function () {
  this.timeout(120_000);
  after(() => closeAllTabs());

  it('fuses after the dwell into one fused track per object with its sources, the same on both tabs; the Fusion switch shows the raw ones', async () => {
    const [a, b] = await openNodes(2, `?lattice=${uniqueLattice('fimp')}`);
    await waitFullMesh([a!, b!]);

    // Chosen in tab A's picture panel, as a user does: one writeMany, never updated.
    await inTab(
      a!,
      ({ text }: { text: string }) => {
        const input = window.deepQuery<HTMLInputElement>(document, '[data-testid="import-file"]')!;
        const files = new DataTransfer();
        files.items.add(new File([text], 'picture.geojson'));
        input.files = files.files;
        input.dispatchEvent(new Event('change', { bubbles: true }));
      },
      { text: picture() },
    );

    for (const tab of [a!, b!]) {
      await waitInTab(tab, 'one fused track per imported object, nothing raw', fusedAsExpected, EXPECTED, 40_000);
    }
    // Past the 10 s after which tracks used to age out of fusion: still fused, on both.
    await new Promise((r) => setTimeout(r, 11_000));
    const seen = { a: await shown(a!), b: await shown(b!) };
    for (const s of Object.values(seen)) {
      expect(Object.values(s.listed).sort()).toEqual(EXPECTED);
      // Marked as fused in the track list (its sources and confidence) and linked on the map.
      expect(s.rows).toEqual(Object.keys(s.listed).sort());
      expect(s.fusionTexts.length).toBe(OBJECTS);
      for (const text of s.fusionTexts) expect(text).toContain('2 sources');
      // The association's probability for an EO (σ 5 m) and a radar (σ 30 m) 18 m apart (0.991),
      // times an age factor (the import's stamps are over 10 s old now): docs/fusion.md, "Confidence".
      for (const c of s.confidences) expect(c > 0.5 && c <= 0.991).toBe(true);
      for (const [id, sources] of Object.entries(s.links)) expect([...sources].sort().join(' ')).toBe(s.listed[id]!);
      expect(Object.keys(s.links).length).toBe(OBJECTS);
      expect(Object.keys(s.listed).length).toBe(OBJECTS);
    }
    // Selected, a fused track's inspector lists its sources and its confidence.
    await inTab(a!, () => {
      window.deepQuery(document, '[data-testid="track-row"]')!.click();
    });
    await waitInTab(
      a!,
      'the inspector showing the fused track`s sources and confidence',
      () => {
        const text =
          window.deepQuery(document, '[data-testid="inspector-component"][data-kind="fusion"]')?.textContent ?? '';
        return /Sources\s*2: imp-eo-\d, imp-radar-\d/.test(text) && /Confidence\s*\d+ %/.test(text);
      },
      null,
    );
    // Its position claims no write of this tab's node: derived by fusion from the import's author.
    const provenance = await inTab(a!, () => {
      const c = window.deepQuery(document, '[data-testid="inspector-component"][data-kind="position"]')!;
      return {
        derived: c.querySelector('[data-testid="derived"]')?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
        authors: c.querySelectorAll('[data-testid="derived-author"]').length,
        author: c.querySelector('[data-testid="author"]') !== null,
      };
    });
    expect(provenance.derived).toContain('derived by fusion');
    expect(provenance.authors).toBe(1);
    expect(provenance.author).toBe(false);
    // The same fused ids on both tabs: no duplicate entity for one object across the two nodes.
    expect(Object.keys(seen.b.listed).sort()).toEqual(Object.keys(seen.a.listed).sort());
    // The settings' Fusion switch turns it off on this node: its track list shows the raw sources
    // again, while the other tab, whose setting it is not, stays fused.
    await inTab(a!, () => {
      window.deepQuery(document, '[data-testid="settings-open"]')!.click();
    });
    await waitInTab(
      a!,
      'the Fusion switch (on) pressed once',
      () => {
        const toggle = window.deepQuery<HTMLButtonElement>(document, '[data-testid="setting-fusion"]');
        if (toggle === null || toggle.disabled || toggle.getAttribute('aria-pressed') !== 'true') return false;
        toggle.click();
        return true;
      },
      null,
    );
    const raw = Array.from({ length: OBJECTS }, (_, n) => [`imp-eo-${n}`, `imp-radar-${n}`])
      .flat()
      .sort();
    await waitInTab(
      a!,
      'the raw sources in the track list',
      (ids: string[]) => {
        const rows = window.deepQueryAll(document, '[data-testid="track-row"]').map((r) => r.dataset.entityId);
        return rows.sort().join() === ids.join();
      },
      raw,
    );
    expect(Object.values((await shown(b!)).listed).sort()).toEqual(EXPECTED);
    // Nothing stored under a fused id (a derived view): no register heads under any of them.
    for (const tab of [a!, b!]) {
      const heads = await inTab(
        tab,
        async (ids: string[]) =>
          (await Promise.all(ids.map((id) => window.lattice.heads(id, 'position')))).flat().length,
        Object.keys(seen.a.listed),
      );
      expect(heads).toBe(0);
    }
  });
});
