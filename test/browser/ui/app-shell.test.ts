import { clockTime, shortId } from '../../../src/ui/format';
import { equal, eventually, includes, ok } from './assert';
import { byTestId, queryAllDeep, queryDeep } from './dom';
import { afterEach, describe, it } from './mocha';
import { mountApp, unmountAll } from './mount';
import { openTestNode } from './test-node';

const OTHER_NODE = 'otherNodeBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

function row(root: Element, id: string): HTMLElement {
  return queryDeep(root, `${byTestId('track-row')}[data-entity-id="${id}"]`);
}

function component(root: Element, kind: string): HTMLElement {
  return queryDeep(root, `${byTestId('inspector-component')}[data-kind="${kind}"]`);
}

describe('<lm-app>', () => {
  afterEach(unmountAll);

  it('shows the node id (short, full on hover), the lattice and the storage state', async () => {
    const { app, client } = await mountApp(await openTestNode({ lattice: 'alpha' }));
    const nodeId = await eventually(() => {
      const el = queryDeep(app, byTestId('node-id'));
      equal(el.textContent?.trim(), shortId(client.nodeId));
      return el;
    });
    equal(nodeId.title, client.nodeId, 'full id on hover');
    equal(queryDeep(app, byTestId('lattice-name')).textContent, 'alpha');
    equal(queryDeep(app, byTestId('storage-status')).dataset.state, 'ok');
  });

  it('shows a full storage in red with its message, and keeps the write on screen', async () => {
    // Too small for any commit: the write is refused as a full IndexedDB refuses it, and kept in memory.
    const client = await openTestNode({ quotaBytes: 1 });
    const refused = await client.create({ id: 'kept', components: { threat: { level: 'LOW' } } }).then(
      () => 'stored',
      (error: unknown) => (error as Error).name,
    );
    equal(refused, 'StorageFullError');
    const { message } = (await client.info()).storage;
    includes(message, 'quota exceeded');
    const { app } = await mountApp(client);
    const badge = await eventually(() => {
      const el = queryDeep(app, byTestId('storage-status'));
      equal(el.dataset.state, 'full');
      return el;
    });
    equal(badge.getAttribute('role'), 'alert');
    includes(badge.shadowRoot?.textContent, message!);
    await eventually(() => row(app, 'kept'));
  });

  it('lists every entity as one row: id, label, threat, identity, position and when it was written', async () => {
    const client = await openTestNode();
    const created = await client.create({
      id: 'trk-1',
      components: {
        position: { lat: 51.5, lon: -0.12, alt: 120 },
        classification: { label: 'Fighter', disposition: 'HOSTILE', environment: 'AIR', confidence: 0.8 },
        threat: { level: 'HIGH' },
        source: { sensorId: 'r1', sensorType: 'radar' },
        speed: { kts: 250 },
      },
    });
    const { app } = await mountApp(client);
    const r = await eventually(() => row(app, 'trk-1'));
    const text = (id: string): string => queryDeep(r, byTestId(id)).textContent?.trim() ?? '';
    equal(text('track-id'), 'trk-1');
    equal(text('track-label'), 'Fighter');
    equal(text('track-threat'), 'HIGH');
    equal(text('track-identity'), 'Hostile');
    equal(text('track-source'), 'Radar');
    equal(text('track-position'), '51.5000, -0.1200');
    const time = queryDeep(r, byTestId('track-time'));
    equal(time.textContent?.trim(), clockTime(created.updatedAt).slice(0, 8));
    ok(r.getBoundingClientRect().height >= 44, 'a row is a 44 px target');
    // Each component with its author and clock is the inspector's (inspector.test.ts).
    r.click();
    const pos = await eventually(() => component(app, 'position'));
    equal(queryDeep(pos, byTestId('author')).title, client.nodeId);
    for (const kind of ['classification', 'threat', 'speed']) component(app, kind);
  });

  it('follows watch batches: changes and removals appear without a reload', async () => {
    const { app, client } = await mountApp();
    await client.create({ id: 'live-1', components: { threat: { level: 'LOW' } } });
    await eventually(() => row(app, 'live-1'));
    await client.update('live-1', { threat: { level: 'MEDIUM' } });
    await eventually(() => equal(queryDeep(row(app, 'live-1'), byTestId('track-threat')).textContent, 'MEDIUM'));
    await client.remove('live-1');
    await eventually(() => equal(queryAllDeep(app, `${byTestId('track-row')}[data-entity-id="live-1"]`).length, 0));
  });

  it('starts from the picture its feed sends first, and no change made meanwhile is rolled back', async () => {
    const client = await openTestNode();
    await client.create({ id: 'early', components: { threat: { level: 'LOW' } } });
    const { app } = await mountApp(client);
    // Written while the feed's first batch (the picture, with 'early' LOW) is on its way.
    await client.update('early', { threat: { level: 'HIGH' } });
    await client.create({ id: 'late', components: { threat: { level: 'MEDIUM' } } });
    await client.settle();
    await eventually(() => {
      equal(
        queryDeep(row(app, 'early'), byTestId('track-threat')).textContent,
        'HIGH',
        'not rolled back by the picture',
      );
      row(app, 'late');
    });
  });

  it('marks a conflicted track and lists its heads in the inspector', async () => {
    const client = await openTestNode();
    await client.create({ id: 'trk-2', components: { position: { lat: 1, lon: 2 }, threat: { level: 'LOW' } } });
    // Another node raised the threat without having seen our write: two concurrent heads.
    client.remoteWrite('trk-2', 'threat', { level: 'HIGH' }, OTHER_NODE);
    const { app } = await mountApp(client);
    const r = await eventually(() => row(app, 'trk-2'));
    equal(queryDeep(r, byTestId('track-conflict')).dataset.kinds, 'threat', 'the row names the conflicted component');
    equal(queryDeep(r, byTestId('track-threat')).textContent, 'HIGH', 'higher threat wins a conflict');

    r.click();
    const heads = await eventually(() => {
      const items = queryAllDeep(app, byTestId('head'));
      equal(items.length, 2, 'heads listed');
      return items;
    });
    queryDeep(component(app, 'threat'), byTestId('conflict-marker'));
    includes(heads[0]!.textContent, 'winner');
    includes(heads[0]!.textContent, 'HIGH');
    includes(heads[1]!.textContent, 'LOW');
  });

  it('selecting a source hidden under a fused view (the prompt’s “Show track”) selects the fused track', async () => {
    const client = await openTestNode();
    const position = { lat: 51.5, lon: -0.12 };
    // A fused view as the node shows it: its sources are not in the picture, it is.
    await client.create({
      id: 'fused-7',
      components: { position, fusion: { sources: ['eo-1', 'radar-1'], position, confidence: 0.9 } },
    });
    const { app } = await mountApp(client);
    await eventually(() => row(app, 'fused-7'));
    app.dispatchEvent(new CustomEvent('entity-select', { detail: { id: 'eo-1' }, bubbles: true, composed: true }));
    await app.updateComplete;
    equal(app.selectedId, 'fused-7');
    await eventually(() => equal(queryDeep(app, byTestId('inspector-title')).textContent, 'fused-7'));
  });
});
