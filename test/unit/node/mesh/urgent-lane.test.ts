import { describe, expect, it } from 'vitest';
import { Harness } from './scripted-peers';

describe('an unbudgeted link whose live queue is full', () => {
  it('sends a HIGH threat at once, ahead of the updates waiting, which follow once there is room', async () => {
    const h = await Harness.create('m');
    const p = h.peer('p');
    p.hello();
    h.tick();
    // The link (in the browser: the page relaying it) is slower than the writes: they wait here.
    p.buffered = 2 * 1024 * 1024;
    for (let i = 0; i < 300; i++)
      await h.node.create({ id: `trk-${i.toString()}`, components: { threat: { level: 'LOW' } } });
    h.tick();
    p.reset();
    await h.node.update('trk-7', { threat: { level: 'HIGH' } });
    const first = p.versionsOut();
    expect(first.map((v) => `${v.entity}:${v.kind}:${JSON.stringify(v.value)}`)).toContain(
      'trk-7:threat:{"level":"HIGH"}',
    );
    expect(first.every((v) => v.entity === 'trk-7')).toBe(true);
    p.buffered = 0;
    for (let i = 0; i < 10; i++) h.tick();
    const waited = new Set(
      p
        .versionsOut()
        .filter((v) => v.kind === 'threat')
        .map((v) => v.entity),
    );
    expect(waited.size).toBe(300);
  });
});
