import { equal, eventually } from './assert';
import { byTestId, queryDeep } from './dom';
import { afterEach, describe, it } from './mocha';
import { mountApp, unmountAll } from './mount';
import { openTestNode } from './test-node';

describe('<lm-settings-panel> fusion toggle', () => {
  afterEach(unmountAll);

  it('turning fusion off and on keeps the gate set through setFusion({ enabled, gateMeters })', async () => {
    const client = await openTestNode();
    await client.setFusion({ enabled: true, gateMeters: 300 });
    // A test node has no mesh, so no budget: the panel reads one all the same.
    const { app } = await mountApp({ ...client, budgetStats: async () => ({ bytesPerSecond: 6000 }) as never });
    queryDeep(app, byTestId('settings-open')).click();
    const toggle = (): HTMLButtonElement => queryDeep<HTMLButtonElement>(app, byTestId('setting-fusion'));
    const status = (): string => queryDeep(app, byTestId('settings-status')).textContent ?? '';
    await eventually(() => equal(toggle().getAttribute('aria-pressed'), 'true', status()), 5000);
    for (const pressed of ['false', 'true']) {
      await eventually(() => equal(toggle().disabled, false));
      toggle().click();
      await eventually(() => equal(toggle().getAttribute('aria-pressed'), pressed));
    }
    const info = await client.info();
    equal(info.fusionEnabled, true);
    equal(info.fusionGateMeters, 300, 'the gate survived the toggle');
  });
});
