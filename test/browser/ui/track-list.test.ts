import { equal, eventually, ok } from './assert';
import { byTestId, fill, queryAllDeep, queryDeep } from './dom';
import { afterEach, describe, it } from './mocha';
import { mountApp, unmountAll } from './mount';
import { openTestNode } from './test-node';

const OTHER_NODE = 'otherNodeBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
const here = { lat: 59.33, lon: 18.06 };
const cls = (label: string, disposition: string) => ({ label, disposition, environment: 'SURFACE', confidence: 1 });

describe('<lm-track-list> filters', () => {
  afterEach(unmountAll);

  it('narrows the list by identity, threat, source, fused, age, conflicts and search, and clears again', async () => {
    const client = await openTestNode();
    await client.create({
      id: 'radar-hostile',
      components: {
        classification: cls('Gunboat', 'HOSTILE'),
        threat: { level: 'HIGH' },
        source: { sensorId: 'r1', sensorType: 'radar' },
        position: here,
      },
    });
    await client.create({
      id: 'eo-friend',
      components: {
        classification: cls('Blue 1', 'FRIENDLY'),
        threat: { level: 'NONE' },
        source: { sensorId: 'c1', sensorType: 'eo' },
        position: here,
      },
    });
    await client.create({
      id: 'fused-suspect',
      components: {
        classification: cls('Skiff', 'SUSPICIOUS'),
        threat: { level: 'MEDIUM' },
        fusion: { sources: ['radar-hostile', 'eo-friend'], position: here, confidence: 0.8 },
        position: here,
      },
    });
    // A contact last fixed ten minutes ago, as a peer reported it: stale (docs/ui.md).
    client.remoteWrite('old-contact', 'classification', cls('Ferry', 'NEUTRAL'), OTHER_NODE, Date.now() - 600_000);
    client.remoteWrite('old-contact', 'position', here, OTHER_NODE, Date.now() - 600_000);
    await client.create({ id: 'argued', components: { threat: { level: 'LOW' } } });
    client.remoteWrite('argued', 'threat', { level: 'NONE' }, OTHER_NODE);
    const { app } = await mountApp(client);
    const ids = (): string =>
      queryAllDeep(app, byTestId('track-row'))
        .map((r) => r.dataset.entityId)
        .sort()
        .join(',');
    const all = 'argued,eo-friend,fused-suspect,old-contact,radar-hostile';
    await eventually(() => equal(ids(), all, 'every track before filtering'));
    const tap = (id: string): void => queryDeep(app, byTestId(id)).click();
    const chipsShown = (): boolean => queryAllDeep(app, byTestId('filter-chips')).length > 0;

    equal(chipsShown(), false, 'the chips start folded away');
    tap('filters-toggle');
    await eventually(() => ok(chipsShown(), 'the Filters button shows the chips'));
    for (const chip of queryAllDeep(app, 'button.chip')) {
      const box = chip.getBoundingClientRect();
      ok(box.height >= 44 && box.width >= 44, `${chip.dataset.testid ?? ''} is ${box.width}×${box.height}, not 44 px`);
    }

    tap('chip-disposition-HOSTILE');
    await eventually(() => equal(ids(), 'radar-hostile', 'identity: hostile'));
    tap('chip-disposition-SUSPICIOUS');
    await eventually(() => equal(ids(), 'fused-suspect,radar-hostile', 'identity: hostile or suspect'));
    equal(queryDeep(app, byTestId('chip-disposition-HOSTILE')).getAttribute('aria-pressed'), 'true');
    tap('chip-disposition-HOSTILE');
    tap('chip-disposition-SUSPICIOUS');
    await eventually(() => equal(ids(), all, 'no identity chosen: any'));
    equal(queryDeep(app, byTestId('filters-toggle')).textContent?.trim(), 'Filters');

    tap('chip-threat-MEDIUM');
    tap('chip-threat-HIGH');
    await eventually(() => equal(ids(), 'fused-suspect,radar-hostile', 'threat: medium or high'));
    equal(
      queryDeep(app, byTestId('filters-toggle')).textContent?.trim(),
      'Filters (1)',
      'the button counts what is on',
    );
    tap('chip-threat-MEDIUM');
    tap('chip-threat-HIGH');

    tap('chip-source-eo');
    await eventually(() => equal(ids(), 'eo-friend', 'source: EO camera'));
    tap('chip-source-eo');
    tap('chip-fused');
    await eventually(() => equal(ids(), 'fused-suspect', 'fused only'));
    tap('chip-fused');

    tap('chip-stale-stale');
    await eventually(() => equal(ids(), 'old-contact', 'stale only'));
    tap('chip-stale-fresh');
    await eventually(() => ok(!ids().includes('old-contact') && ids().includes('radar-hostile'), 'fresh only'));
    tap('chip-stale-any');

    tap('chip-conflicts');
    await eventually(() => equal(ids(), 'argued', 'in conflict'));
    tap('chip-conflicts');

    fill(queryDeep<HTMLInputElement>(app, byTestId('filter-text')), 'skiff');
    await eventually(() => equal(ids(), 'fused-suspect', 'search by label'));
    fill(queryDeep<HTMLInputElement>(app, byTestId('filter-text')), '');
    await eventually(() => equal(ids(), all, 'every chip off and no search: everything again'));
  });
});
