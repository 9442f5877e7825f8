import type { EntityView } from '../../../src/node/node-api';
import { Picture } from '../../../src/ui/picture';
import '../../../src/ui/track-list';
import type { TrackList } from '../../../src/ui/track-list';
import { OVERSCAN } from '../../../src/ui/track-list';
import { ROW_HEIGHT } from '../../../src/ui/track-row';
import { equal, eventually, ok } from './assert';
import { byTestId, fill, queryAllDeep, queryDeep } from './dom';
import { afterEach, describe, it } from './mocha';

const N = 2000;
const LEVELS = ['HIGH', 'MEDIUM', 'LOW', 'NONE', undefined] as const;
const NODE = 'nodeAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** Track i: threat cycling HIGH, MEDIUM, LOW, NONE, none; every 7th fused; radar when even, EO when odd. */
function track(i: number, now: number): EntityView {
  const id = `t-${i.toString().padStart(4, '0')}`;
  const level = LEVELS[i % LEVELS.length];
  const time = now - 1000;
  const components: Record<string, unknown> = {
    position: { lat: 59 + i / 10_000, lon: 18 },
    classification: { label: `Boat ${i.toString()}`, disposition: 'UNKNOWN', environment: 'SURFACE', confidence: 1 },
    source: { sensorId: 's', sensorType: i % 2 === 0 ? 'radar' : 'eo' },
  };
  if (level !== undefined) components.threat = { level };
  if (i % 7 === 0) components.fusion = { sources: ['a', 'b'], position: components.position, confidence: 0.9 };
  const meta: Record<string, unknown> = {};
  for (const kind of Object.keys(components)) {
    meta[kind] = {
      version: `${time.toString(16).padStart(12, '0')}0000${NODE}`,
      author: NODE,
      time,
      conflict: false,
      heads: 1,
    };
  }
  return { id, components, meta, conflicts: [], updatedAt: time } as unknown as EntityView;
}

/** The order the list must show: by threat, highest first, then arrival (the views' order). */
function expected(views: readonly EntityView[], keep: (v: EntityView) => boolean): string[] {
  const rank = (v: EntityView): number => {
    const level = (v.components.threat as { level?: string } | undefined)?.level;
    return level === undefined ? -1 : ['NONE', 'LOW', 'MEDIUM', 'HIGH'].indexOf(level);
  };
  return views
    .filter(keep)
    .map((v, k) => ({ v, k }))
    .sort((a, b) => rank(b.v) - rank(a.v) || a.k - b.k)
    .map(({ v }) => v.id);
}

async function mount(): Promise<{ list: TrackList; views: EntityView[] }> {
  const now = Date.now();
  const views = Array.from({ length: N }, (_, i) => track(i, now));
  const picture = new Picture();
  picture.replace(views);
  const list = document.createElement('lm-track-list');
  list.style.cssText = 'display:grid; width: 420px';
  list.picture = picture;
  list.revision = picture.revision;
  document.body.append(list);
  await list.updateComplete;
  return { list, views };
}

const rows = (list: TrackList): HTMLElement[] => queryAllDeep(list, byTestId('track-row'));
const view = (list: TrackList): HTMLElement => queryDeep(list, byTestId('track-view'));
const count = (list: TrackList): string =>
  queryDeep(list, byTestId('track-count')).textContent!.replace(/\s+/g, ' ').trim();

/** The rows the operator sees in the scroll container, top to bottom, by what they say. */
function visibleIds(list: TrackList): string[] {
  const box = view(list).getBoundingClientRect();
  return rows(list)
    .filter((r) => {
      const b = r.getBoundingClientRect();
      return b.top >= box.top - 1 && b.bottom <= box.bottom + ROW_HEIGHT;
    })
    .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
    .map((r) => queryDeep(r, byTestId('track-id')).textContent!);
}

describe('<lm-track-list> virtualised', () => {
  afterEach(() => document.querySelectorAll('lm-track-list').forEach((l) => l.remove()));

  it('draws only the rows in view among 2,000 tracks, and the right ones when scrolled', async () => {
    const { list, views } = await mount();
    const order = expected(views, () => true);
    equal(count(list).startsWith(`${N.toString()} of ${N.toString()} tracks`), true, count(list));
    const perView = Math.ceil(view(list).clientHeight / ROW_HEIGHT);
    ok(perView >= 3, `the view shows several rows (${perView.toString()})`);
    await eventually(() =>
      ok(rows(list).length <= perView + 2 * OVERSCAN + 1, `${rows(list).length.toString()} rows in the DOM`),
    );
    equal(visibleIds(list)[0], order[0], 'the first row is the first HIGH track');
    equal(rows(list)[0]!.getAttribute('aria-setsize'), N.toString(), 'the listbox says how many there are');

    for (const at of [1000, 1999, 37]) {
      view(list).scrollTop = at * ROW_HEIGHT;
      await eventually(() => {
        const shown = visibleIds(list);
        // The last index cannot scroll to the top: it is the last row in view.
        const want = at === N - 1 ? order[N - 1] : order[at];
        ok(shown.includes(want!), `row ${at.toString()} (${want!}) in view, saw ${shown.join(',')}`);
        if (at !== N - 1) equal(shown[0], order[at], `the row at the top after scrolling to ${at.toString()}`);
      });
      const row = queryDeep(list, `${byTestId('track-row')}[data-entity-id="${order[at]!}"]`);
      equal(row.getAttribute('aria-posinset'), (at + 1).toString(), 'its position in the list');
      ok(rows(list).length <= perView + 2 * OVERSCAN + 1, `still only ${rows(list).length.toString()} rows in the DOM`);
    }
  });

  it('counts and shows what the filters let through, from the top', async () => {
    const { list, views } = await mount();
    view(list).scrollTop = 500 * ROW_HEIGHT;
    queryDeep(list, byTestId('filters-toggle')).click();
    await list.updateComplete;
    queryDeep(list, byTestId('chip-threat-HIGH')).click();
    queryDeep(list, byTestId('chip-source-radar')).click();
    const high = expected(views, (v) => (v.components.threat as { level?: string } | undefined)?.level === 'HIGH');
    const want = high.filter((id) => Number(id.slice(2)) % 2 === 0);
    await eventually(() => equal(count(list).split(' tracks')[0], `${want.length.toString()} of ${N.toString()}`));
    await eventually(() => equal(visibleIds(list).slice(0, 3).join(), want.slice(0, 3).join(), 'from the top'));
    equal(view(list).scrollTop, 0);

    queryDeep(list, byTestId('chip-fused')).click();
    const fused = want.filter((id) => Number(id.slice(2)) % 7 === 0);
    await eventually(() => equal(count(list).split(' tracks')[0], `${fused.length.toString()} of ${N.toString()}`));
    await eventually(() => equal(visibleIds(list)[0], fused[0]));

    queryDeep(list, byTestId('chip-fused')).click();
    queryDeep(list, byTestId('chip-source-radar')).click();
    queryDeep(list, byTestId('chip-threat-HIGH')).click();
    fill(queryDeep<HTMLInputElement>(list, byTestId('filter-text')), 'boat 1999');
    await eventually(() => equal(visibleIds(list).join(), 't-1999', 'search'));
    equal(count(list).split(' tracks')[0], `1 of ${N.toString()}`);
  });

  it('moves the focus with the arrow keys and End, scrolling the row into view, and picks with Enter', async () => {
    const { list, views } = await mount();
    const order = expected(views, () => true);
    const picked: string[] = [];
    list.addEventListener('entity-select', (e) => picked.push(e.detail.id!));
    const focused = (): string => (list.shadowRoot!.activeElement as HTMLElement | null)?.dataset.entityId ?? '';
    rows(list)[0]!.focus();
    const key = (k: string): void => {
      const target = list.shadowRoot!.activeElement!;
      target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, composed: true }));
    };
    key('ArrowDown');
    await eventually(() => equal(focused(), order[1]));
    key('End');
    await eventually(() => equal(focused(), order[N - 1]));
    ok(visibleIds(list).includes(order[N - 1]!), 'the last row scrolled into view');
    key('Enter');
    equal(picked.join(), order[N - 1]);
    // One tab stop, the focused row; scrolled far away from it, it stays in the DOM and focused.
    const stops = (): string[] =>
      rows(list)
        .filter((r) => r.tabIndex === 0)
        .map((r) => r.dataset.entityId!);
    equal(stops().join(), order[N - 1]);
    view(list).scrollTop = 0;
    view(list).dispatchEvent(new Event('scroll'));
    await eventually(() => ok(visibleIds(list).includes(order[0]!), 'scrolled back to the top'));
    await list.updateComplete;
    equal(focused(), order[N - 1]);
    equal(stops().join(), order[N - 1]);
  });
});
