import { equal, eventually, includes, ok } from './assert';
import { byTestId, queryAllDeep, queryDeep } from './dom';
import { afterEach, describe, it } from './mocha';
import { mountApp, unmountAll } from './mount';
import { openTestNode } from './test-node';

/** Hands a file to the import's file input as the picker does: its files, then a change event. */
function chooseFile(input: HTMLInputElement, name: string, text: string): void {
  const files = new DataTransfer();
  files.items.add(new File([text], name));
  input.files = files.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
}

const rowIds = (app: HTMLElement): string =>
  queryAllDeep(app, byTestId('track-row'))
    .map((r) => r.dataset.entityId)
    .sort()
    .join(',');

const event = (uid: string, type: string, lat: string, callsign: string): string =>
  `<event version="2.0" uid="${uid}" type="${type}" how="h-e" time="2026-01-01T00:00:00Z" start="2026-01-01T00:00:00Z" ` +
  `stale="2099-01-01T00:00:00Z"><point lat="${lat}" lon="18.06" hae="9999999" ce="9999999" le="9999999"/>` +
  `<detail><contact callsign="${callsign}"/></detail></event>`;

describe('<lm-picture-transfer> import and export', () => {
  afterEach(unmountAll);

  it('imports the good items of a malformed CoT file and names each bad one with its reason', async () => {
    const { app } = await mountApp();
    const button = queryDeep(app, byTestId('import-picture'));
    ok(button.getBoundingClientRect().height >= 44, 'the Import button is a 44 px touch target');
    const file = [
      '<events>',
      event('boat-1', 'a-h-S', '59.33', 'Gunboat'),
      event('bad-lat', 'a-h-S', '91', 'Too far north'),
      event('friend-1', 'a-f-G', '59.34', 'Blue 1'),
      event('joker', 'a-j-A', '59.35', 'Joker'),
      '</events>',
    ].join('\n');
    chooseFile(queryDeep<HTMLInputElement>(app, byTestId('import-file')), 'picture.cot', file);

    await eventually(() => equal(rowIds(app), 'boat-1,friend-1', 'the good events are in the list'));
    const result = await eventually(() => {
      const text = queryDeep(app, byTestId('import-result')).textContent ?? '';
      includes(text, 'Imported 2, rejected 2');
      return text;
    });
    includes(result, 'item 2 (bad-lat): position.lat: 91 is out of range', 'the bad latitude is named');
    includes(result, 'item 4 (joker): type "a-j-A": affiliation "j" has no disposition here', 'the bad type is named');
    equal(queryAllDeep(app, byTestId('track-row')).length, 2, 'nothing of the bad items was written');
  });

  it('refuses a file that is not XML at all with one clear message and writes nothing', async () => {
    const { app } = await mountApp();
    chooseFile(queryDeep<HTMLInputElement>(app, byTestId('import-file')), 'broken.xml', '<events><event uid="a">');
    await eventually(() =>
      includes(
        queryDeep(app, byTestId('import-result')).textContent,
        'Import failed: Invalid input: not well-formed XML',
      ),
    );
    equal(rowIds(app), '', 'no track was written');
  });

  it('exports the picture as GeoJSON that another node imports to the same tracks', async () => {
    const source = await openTestNode();
    await source.create({
      id: 'contact-7',
      components: {
        position: { lat: 59.33, lon: 18.06 },
        classification: { label: 'Ferry', disposition: 'NEUTRAL', environment: 'SURFACE', confidence: 0.9 },
      },
    });
    const { app: first } = await mountApp(source);
    await eventually(() => equal(rowIds(first), 'contact-7'));
    // Catch the download: the Blob the button saves, and no navigation.
    const saved: Blob[] = [];
    const create = URL.createObjectURL.bind(URL);
    const click = HTMLAnchorElement.prototype.click;
    URL.createObjectURL = (blob: Blob | MediaSource) => {
      if (blob instanceof Blob) saved.push(blob);
      return 'blob:caught';
    };
    HTMLAnchorElement.prototype.click = function () {};
    try {
      queryDeep(first, byTestId('export-geojson')).click();
    } finally {
      URL.createObjectURL = create;
      HTMLAnchorElement.prototype.click = click;
    }
    equal(saved.length, 1, 'one file saved');
    unmountAll();

    const { app: second } = await mountApp();
    chooseFile(queryDeep<HTMLInputElement>(second, byTestId('import-file')), 'picture.geojson', await saved[0]!.text());
    await eventually(() => equal(rowIds(second), 'contact-7', 'the exported track is imported'));
    includes(queryDeep(second, byTestId('import-result')).textContent, 'Imported 1, rejected 0');
  });
});
