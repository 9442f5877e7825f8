import { COORD_KEY } from '../../../src/ui/coord-setting';
import { equal, eventually, includes, ok } from './assert';
import { byTestId, queryAllDeep, queryDeep } from './dom';
import { afterEach, describe, it } from './mocha';
import { mountApp, unmountAll } from './mount';
import { openTestNode } from './test-node';

const OTHER_NODE = 'otherNodeBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

/** The inspector's rows of one component, as "label: text". */
function fieldsOf(root: Element, kind: string): string[] {
  const comp = queryDeep(root, `${byTestId('inspector-component')}[data-kind="${kind}"]`);
  return queryAllDeep(comp, `${byTestId('fields')} > div`).map(
    (d) => `${d.querySelector('dt')!.textContent!.trim()}: ${d.querySelector('dd')!.textContent!.trim()}`,
  );
}

describe('<lm-entity-inspector>', () => {
  afterEach(() => {
    unmountAll();
    localStorage.removeItem(COORD_KEY);
  });

  it('reads components with units and compass headings, in lat/lon or MGRS as set, and keeps the setting', async () => {
    localStorage.removeItem(COORD_KEY);
    const client = await openTestNode();
    await client.create({
      id: 'fighter',
      components: {
        classification: { label: 'Fighter', disposition: 'HOSTILE', environment: 'AIR', confidence: 0.9 },
        position: { lat: 51.4775, lon: -0.4614, alt: 3000, accuracy: 250 },
        velocity: { east: -120, north: -60 },
      },
    });
    let { app } = await mountApp(client);
    app.selectedId = 'fighter';
    await eventually(() => equal(queryDeep(app, byTestId('inspector-title')).textContent, 'fighter'));
    equal(
      fieldsOf(app, 'position').join(' | '),
      'Lat/Lon: 51.47750° N, 0.46140° W | Altitude: 3000 m | Error (1σ): ± 250 m',
    );
    equal(fieldsOf(app, 'velocity').join(' | '), 'Speed: 134.2 m/s (261 kn) | Heading: 243° WSW');
    includes(fieldsOf(app, 'classification').join(' | '), 'Identity: Hostile');
    const comp = queryDeep(app, `${byTestId('inspector-component')}[data-kind="position"]`);
    ok(queryDeep(comp, byTestId('author')).textContent!.length > 0, 'the author fingerprint is shown');
    includes(queryDeep(comp, byTestId('clock')).textContent, 'UTC');

    queryDeep(app, byTestId('coord-toggle')).click();
    await eventually(() => equal(fieldsOf(app, 'position')[0], 'MGRS: 30U XC 76285 05983'));

    // A new shell (as after a reload) reads the stored setting.
    unmountAll();
    ({ app } = await mountApp(client));
    app.selectedId = 'fighter';
    await eventually(() => equal(fieldsOf(app, 'position')[0], 'MGRS: 30U XC 76285 05983'));
    equal(queryDeep(app, byTestId('coord-toggle')).textContent!.trim(), 'MGRS');
  });

  it('puts the concurrent heads of a conflict side by side, each with its value, author and clock', async () => {
    const client = await openTestNode();
    await client.create({ id: 'contact', components: { threat: { level: 'LOW' } } });
    client.remoteWrite('contact', 'threat', { level: 'HIGH' }, OTHER_NODE);
    const { app } = await mountApp(client);
    app.selectedId = 'contact';
    const heads = await eventually(() => {
      const items = queryAllDeep(app, byTestId('head'));
      equal(items.length, 2, 'both heads');
      return items;
    });
    includes(heads[0]!.textContent, 'winner');
    includes(heads[0]!.textContent, 'Level');
    includes(heads[0]!.textContent, 'HIGH');
    includes(heads[1]!.textContent, 'LOW');
    includes(queryDeep(heads[0]!, byTestId('head-author')).textContent, 'othe rNod eBBB BBBB');
    const [a, b] = heads.map((h) => h.getBoundingClientRect());
    equal(a!.top, b!.top, 'the heads stand in one row');
    ok(b!.left >= a!.right, 'the second head is right of the first');
  });
});

describe('<lm-entity-inspector> keep this one', () => {
  afterEach(() => unmountAll());

  it('resolves a conflict with the chosen head by a write that has seen every head', async () => {
    const client = await openTestNode();
    await client.create({ id: 'contact', components: { threat: { level: 'LOW' } } });
    client.remoteWrite('contact', 'threat', { level: 'HIGH' }, OTHER_NODE);
    const { app } = await mountApp(client);
    app.selectedId = 'contact';
    const buttons = await eventually(() => {
      const b = queryAllDeep(app, byTestId('keep-head'));
      equal(b.length, 2, 'a Keep button per head');
      return b;
    });
    // The second head is the local LOW: keeping it overrides the winning HIGH.
    buttons[1]!.click();
    await eventually(() => equal(queryAllDeep(app, byTestId('conflict-marker')).length, 0, 'the marker clears'));
    const view = await client.get('contact');
    equal(view!.conflicts.length, 0);
    equal((view!.components['threat'] as { level: string }).level, 'LOW');
    const heads = await client.heads('contact', 'threat');
    equal(heads.length, 1, 'one head left');
    ok(heads[0]!.seen.length > 0, 'the resolving write names what it had seen');
    const update = client.writes.find((w) => w.method === 'update');
    equal(JSON.stringify(update?.args.slice(0, 2)), JSON.stringify(['contact', { threat: { level: 'LOW' } }]));
  });

  it('writes nothing when the heads moved on since they were shown, and shows the new ones', async () => {
    const client = await openTestNode();
    await client.create({ id: 'contact', components: { threat: { level: 'LOW' } } });
    client.remoteWrite('contact', 'threat', { level: 'HIGH' }, OTHER_NODE);
    const { app } = await mountApp(client);
    app.selectedId = 'contact';
    const buttons = await eventually(() => {
      const b = queryAllDeep(app, byTestId('keep-head'));
      equal(b.length, 2);
      return b;
    });
    // A third writer's concurrent value arrives; the inspector has not re-read the heads yet.
    const realHeads = client.heads.bind(client);
    let third = false;
    (client as { heads: typeof client.heads }).heads = async (id, kind) => {
      if (!third) {
        third = true;
        client.remoteWrite('contact', 'threat', { level: 'MEDIUM' }, `thirdNode${'C'.repeat(OTHER_NODE.length - 9)}`);
      }
      return realHeads(id, kind);
    };
    buttons[1]!.click();
    await eventually(() => includes(queryDeep(app, byTestId('keep-error')).textContent, 'changed meanwhile'));
    equal(client.writes.filter((w) => w.method === 'update').length, 0, 'nothing written');
    await eventually(() => equal(queryAllDeep(app, byTestId('head')).length, 3, 'the new heads shown'));
  });

  it('shows each component’s author as a fingerprint and whether its signature was verified', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    const client = await openTestNode({
      nodeId: 'signingNodeCCCCCCCCCCCCCCCCCCCCC',
      signer: {
        publicKey,
        sign: async (bytes) =>
          new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, bytes as BufferSource)),
      },
    });
    await client.create({ id: 'own', components: { threat: { level: 'LOW' } } });
    // Merged without a signature (no ingest path of the app does this: a mesh refuses it).
    client.remoteWrite('unsigned', 'threat', { level: 'HIGH' }, OTHER_NODE);
    await client.settle();
    const { app } = await mountApp(client);
    const mark = async (id: string): Promise<{ author: string; verified: string; text: string }> => {
      app.selectedId = id;
      return await eventually(() => {
        equal(queryDeep(app, byTestId('inspector-title')).textContent, id);
        const comp = queryDeep(app, `${byTestId('inspector-component')}[data-kind="threat"]`);
        const sig = queryDeep(comp, byTestId('signature'));
        return {
          author: queryDeep(comp, byTestId('author')).textContent!.trim(),
          verified: sig.getAttribute('data-verified')!,
          text: sig.textContent!.trim(),
        };
      });
    };
    const own = await mark('own');
    equal(own.author, 'sign ingN odeC CCCC');
    equal(own.verified, 'true');
    includes(own.text, 'signature verified');
    const other = await mark('unsigned');
    equal(other.author, 'othe rNod eBBB BBBB');
    equal(other.verified, 'false');
    includes(other.text, 'not verified');
  });
});
