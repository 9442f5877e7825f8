import { equal, eventually, includes, ok } from './assert';
import { byTestId, fill, queryAllDeep, queryDeep } from './dom';
import { afterEach, describe, it } from './mocha';
import { mountApp, unmountAll } from './mount';
import { openTestNode } from './test-node';

const field = <E extends HTMLElement = HTMLInputElement>(root: Element, name: string): E =>
  queryDeep<E>(root, byTestId(`field-${name}`));

const rows = (root: Element): string[] =>
  queryAllDeep(root, byTestId('track-row')).map((r) => r.dataset.entityId ?? '');

describe('<lm-entity-form> inside <lm-app>', () => {
  afterEach(unmountAll);

  it('shows the validation error inline and creates nothing (lat 200)', async () => {
    const { app, client } = await mountApp();
    fill(field(app, 'id'), 'bad-1');
    fill(field(app, 'lat'), '200');
    fill(field(app, 'lon'), '0');
    queryDeep(app, byTestId('form-submit')).click();
    const error = await eventually(() => queryDeep(app, byTestId('form-error')));
    equal(error.getAttribute('role'), 'alert');
    includes(error.textContent, 'position.lat');
    includes(error.textContent, 'out of range');
    equal(await client.get('bad-1'), undefined, 'nothing created');
    const stats = await client.stats();
    equal(stats.entities, 0);
    equal(stats.rejected['ValidationError'], 1, 'refused by the node');
    equal(rows(app).length, 0);
  });

  it('reports a non-number as the validator words it', async () => {
    const { app } = await mountApp();
    fill(field(app, 'lat'), 'north');
    fill(field(app, 'lon'), '3');
    queryDeep(app, byTestId('form-submit')).click();
    const error = await eventually(() => queryDeep(app, byTestId('form-error')));
    includes(error.textContent, 'position.lat: expected a finite number');
  });

  it('reports bad JSON in the other-components box', async () => {
    const { app, client } = await mountApp();
    fill(field<HTMLTextAreaElement>(app, 'other'), '{"speed": ');
    queryDeep(app, byTestId('form-submit')).click();
    includes((await eventually(() => queryDeep(app, byTestId('form-error')))).textContent, 'not valid JSON');
    equal(client.writes.length, 0);
  });

  it('creates a valid entity, which appears in the list and is selected', async () => {
    const { app, client } = await mountApp();
    fill(field(app, 'id'), 'new-1');
    fill(field(app, 'lat'), '10.5');
    fill(field(app, 'lon'), '20.25');
    fill(field(app, 'label'), 'Patrol boat');
    fill(field<HTMLSelectElement>(app, 'disposition'), 'FRIENDLY');
    fill(field<HTMLSelectElement>(app, 'environment'), 'SURFACE');
    fill(field(app, 'confidence'), '0.9');
    fill(field<HTMLSelectElement>(app, 'threat'), 'NONE');
    fill(field<HTMLTextAreaElement>(app, 'other'), '{"speed": {"kts": 25}}');
    queryDeep(app, byTestId('form-submit')).click();
    await eventually(() => equal(rows(app).join(), 'new-1'));
    const view = await client.get('new-1');
    ok(view !== undefined, 'created');
    equal(JSON.stringify(view.components.position), '{"lat":10.5,"lon":20.25}');
    equal(JSON.stringify(view.components.speed), '{"kts":25}');
    equal(queryAllDeep(app, byTestId('form-error')).length, 0);
    await eventually(() => includes(queryDeep(app, byTestId('form-title')).textContent, 'Edit new-1'));
    equal(queryDeep(app, byTestId('inspector-title')).textContent, 'new-1');
  });

  it('stores a position as the wire carries it (1e-7 degrees), as every peer will hold it', async () => {
    const { app, client } = await mountApp();
    fill(field(app, 'id'), 'fine-1');
    fill(field(app, 'lat'), '10.123456789');
    fill(field(app, 'lon'), '20.98765432101');
    queryDeep(app, byTestId('form-submit')).click();
    await eventually(() => equal(rows(app).join(), 'fine-1'));
    equal(JSON.stringify((await client.get('fine-1'))!.components.position), '{"lat":10.1234568,"lon":20.9876543}');
  });

  it('shows the node refusing more than 32 components in one write', async () => {
    const { app, client } = await mountApp();
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`extra${i}`, { n: i }]));
    fill(field<HTMLTextAreaElement>(app, 'other'), JSON.stringify(many));
    queryDeep(app, byTestId('form-submit')).click();
    includes((await eventually(() => queryDeep(app, byTestId('form-error')))).textContent, 'at most 32 per write');
    equal((await client.stats()).entities, 0);
  });

  it('edits only what changed, based on the versions shown when opened', async () => {
    const client = await openTestNode();
    const created = await client.create({
      id: 'e-1',
      components: { position: { lat: 1, lon: 1, accuracy: 30 }, threat: { level: 'LOW' } },
    });
    const { app } = await mountApp(client);
    (await eventually(() => queryDeep(app, `${byTestId('track-row')}[data-entity-id="e-1"]`))).click();
    await eventually(() => equal(field(app, 'lat').value, '1'));
    fill(field(app, 'lat'), '2');
    queryDeep(app, byTestId('form-submit')).click();
    await eventually(() => includes(queryDeep(app, byTestId('form-status')).textContent, 'Saved position'));
    const call = client.writes.at(-1)!;
    equal(call.method, 'update');
    equal(JSON.stringify(call.args[1]), '{"position":{"accuracy":30,"lat":2,"lon":1}}', 'only position, accuracy kept');
    equal(JSON.stringify(call.args[2]), JSON.stringify({ basedOn: { position: created.meta.position!.version } }));
  });

  it('refuses an edit when someone changed the component meanwhile, and says so', async () => {
    const client = await openTestNode();
    await client.create({ id: 'e-2', components: { threat: { level: 'LOW' } } });
    const { app } = await mountApp(client);
    (await eventually(() => queryDeep(app, `${byTestId('track-row')}[data-entity-id="e-2"]`))).click();
    await eventually(() => equal(field<HTMLSelectElement>(app, 'threat').value, 'LOW'));
    fill(field<HTMLSelectElement>(app, 'threat'), 'MEDIUM');
    await client.update('e-2', { threat: { level: 'HIGH' } });
    await eventually(() => queryDeep(app, byTestId('form-moved')));
    queryDeep(app, byTestId('form-submit')).click();
    const error = await eventually(() => queryDeep(app, byTestId('form-error')));
    includes(error.textContent, 'Conflict');
    equal(((await client.get('e-2'))!.components.threat as { level: string }).level, 'HIGH', 'their change kept');
  });

  it('deletes only after a second, explicit press', async () => {
    const client = await openTestNode();
    await client.create({ id: 'd-1', components: { threat: { level: 'LOW' } } });
    const { app } = await mountApp(client);
    (await eventually(() => queryDeep(app, `${byTestId('track-row')}[data-entity-id="d-1"]`))).click();
    (await eventually(() => queryDeep(app, byTestId('form-delete')))).click();
    await eventually(() => queryDeep(app, byTestId('form-delete-confirm')));
    equal(client.writes.filter((c) => c.method === 'remove').length, 0, 'first press only arms');
    queryDeep(app, byTestId('form-delete-confirm')).click();
    await eventually(() => equal(rows(app).length, 0));
    equal(await client.get('d-1'), undefined);
    await eventually(() => equal(queryDeep(app, byTestId('form-title')).textContent, 'New entity'));
  });
});
