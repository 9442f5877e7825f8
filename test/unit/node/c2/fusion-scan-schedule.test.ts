/**
 * Fusion scans follow changes (docs/fusion.md, "Wiring it in"): a change schedules one scan on the
 * injected scheduler, a burst of changes is one scan, a change during a scan schedules exactly one
 * more, and the host's tick scans only when a pair's dwell ends. Driven by hand, with no timer of its own. And
 * the time basis (docs/fusion.md, "Time basis"): a report's time is its position version's stamp.
 */
import { describe, expect, it, vi } from 'vitest';
import { encodeTs } from '../../../../src/core/clock/timestamp';
import type { ComponentValue, Fusion } from '../../../../src/core/entity/component-types';
import type { EntityId, NodeId } from '../../../../src/core/ids';
import { offset } from '../../../../src/core/sim/geo';
import type { EntityView } from '../../../../src/core/store/entity-view';
import { FusionEngine } from '../../../../src/core/fusion/engine';
import { DEFAULT_FUSION_CONFIG } from '../../../../src/core/fusion/types';
import { MAX_STAMP_LEAD_MS } from '../../../../src/core/fusion/time-alignment';
import { FUSION_COALESCE_MS, FusionView } from '../../../../src/node/fusion-view';
import type { Scheduler } from '../../../../src/node/scheduler';

const T0 = 1_700_000_000_000;
const BASE = { lat: 52.37, lon: 4.89 };
const SELF = 'node-a' as NodeId;

class Timers implements Scheduler {
  readonly due: { at: number; fn: () => void; live: boolean }[] = [];
  constructor(private readonly clock: { now: number }) {}
  after(ms: number, fn: () => void): () => void {
    const t = { at: this.clock.now + ms, fn, live: true };
    this.due.push(t);
    return () => {
      t.live = false;
    };
  }
  get pending(): number {
    return this.due.filter((t) => t.live).length;
  }
  /** Runs the timers due by now. */
  run(): void {
    for (const t of [...this.due]) {
      if (!t.live || t.at > this.clock.now) continue;
      t.live = false;
      t.fn();
    }
  }
}

/** Who wrote a report: a peer's (`author`), stamped by its clock. */
interface By {
  readonly author?: NodeId;
  readonly stampMs?: number;
}

/** `probe`: counts the entity views the fusion view asks for, and gives it the store's `has`. */
function setup(withScheduler = true, probe?: { views: number }, background?: (fn: () => void) => void) {
  const clock = { now: T0 };
  const timers: Timers & Scheduler = new Timers(clock);
  if (background !== undefined) timers.background = background;
  const store = new Map<EntityId, EntityView>();
  const view = new FusionView({
    now: () => clock.now,
    view: (id) => {
      if (probe !== undefined) probe.views++;
      return store.get(id);
    },
    ...(probe === undefined ? {} : { has: (id: EntityId) => store.has(id) }),
    all: () => store.values(),
    log: () => undefined,
    ...(withScheduler ? { scheduler: timers } : {}),
  });
  const tick = view.tick.bind(view);
  view.configure({ enabled: true });
  timers.run();
  let c = 0;
  /** Writes a report as the store would: a new position version, received now. */
  const report = (id: string, sensorId: string, east: number, accuracy: number, by: By = {}): void => {
    const p = offset(BASE, east, 0);
    const author = by.author ?? SELF;
    const ts = { ms: by.stampMs ?? clock.now, c: c++, node: author };
    const meta = { version: encodeTs(ts), author, time: ts.ms, conflict: false, heads: 1 };
    const components: Record<string, ComponentValue> = {
      source: { sensorId, sensorType: sensorId },
      position: { lat: p.lat, lon: p.lon, accuracy },
    };
    store.set(id as EntityId, {
      id: id as EntityId,
      components,
      meta: { source: meta, position: meta },
      conflicts: [],
      updatedAt: ts.ms,
    });
    view.observe(id as EntityId);
  };
  /** A change fusion does not read: the entity gets a classification, its report stays. */
  const classify = (id: string): void => {
    const v = store.get(id as EntityId)!;
    const classification = { label: 'uav', confidence: 0.5 } as unknown as ComponentValue;
    store.set(id as EntityId, { ...v, components: { ...v.components, classification } });
    view.observe(id as EntityId);
  };
  /** The entity leaves the store (deleted). */
  const remove = (id: string): void => {
    store.delete(id as EntityId);
    view.observe(id as EntityId);
  };
  return { clock, timers, view, report, tick, classify, remove };
}

describe('fusion scans follow changes', () => {
  it('a burst of changes is one scheduled scan, and three reports fuse without any host tick', () => {
    const { clock, timers, view, report } = setup();
    for (let k = 0; k < 3; k++) {
      report('eo.1', 'eo', 0, 5);
      report('radar.1', 'radar', 20, 30);
      // Two changes, one scan scheduled, nothing scanned yet (the write path is not held up).
      expect(timers.pending).toBe(1);
      clock.now += FUSION_COALESCE_MS;
      timers.run();
      expect(timers.pending).toBe(0);
      clock.now += 1_000 - FUSION_COALESCE_MS;
    }
    expect(view.stats()).toMatchObject({ fused: 1, sources: 2 });
  });

  it('a change during a scan schedules exactly one more scan after it', () => {
    const { clock, timers, view, report } = setup();
    let during = 0;
    // A watcher that writes while it hears the scan's changes (a change arriving mid-scan).
    view.watch(
      () => {
        during++;
        report('radar.2', 'radar', 5_000, 30);
        report('eo.2', 'eo', 5_000, 5);
      },
      () => () => undefined,
    );
    for (let k = 0; k < 3; k++) {
      report('eo.1', 'eo', 0, 5);
      report('radar.1', 'radar', 20, 30);
      clock.now += FUSION_COALESCE_MS;
      timers.run();
      clock.now += 900;
    }
    expect(during).toBe(1);
    // The scan that fused eo.1 + radar.1 told the watcher, which wrote twice: one more scan, not two.
    expect(timers.pending).toBe(1);
  });

  it('the host tick scans only when a dwell ends (or for changes when no scheduler runs the scan); an idle picture is never scanned', () => {
    const { clock, timers, view, report, tick } = setup();
    report('eo.1', 'eo', 0, 5);
    clock.now += FUSION_COALESCE_MS;
    timers.run();
    // One track, nothing pending: no scan however long the picture stays idle.
    for (let k = 0; k < 30; k++) {
      clock.now += 1_000;
      expect(tick()).toBe(false);
    }
    // One report each of an EO and a radar track of one object, never repeated (an import): the
    // pair's dwell is pending, so the tick scans once it ends, and the pair fuses there.
    report('eo.2', 'eo', 5_000, 5);
    report('radar.2', 'radar', 5_020, 30);
    clock.now += FUSION_COALESCE_MS;
    timers.run();
    const dwell = DEFAULT_FUSION_CONFIG.confirmDwellMs;
    clock.now += dwell - 1;
    expect(tick()).toBe(false);
    expect(view.stats().fused).toBe(0);
    clock.now += 1;
    expect(tick()).toBe(true);
    expect(view.stats()).toMatchObject({ fused: 1, sources: 2, lastScanMs: 0 });
    clock.now += 1_000;
    expect(tick()).toBe(false);

    const bare = setup(false);
    bare.report('eo.1', 'eo', 0, 5);
    bare.clock.now += 10;
    expect(bare.timers.pending).toBe(0);
    expect(bare.tick()).toBe(true);
    bare.clock.now += 10;
    expect(bare.tick()).toBe(false);
  });
});

describe('the scan a change asks for runs at low priority', () => {
  it('a task ready when its timer fires (a gate step, a peer`s frame) runs before the scan', async () => {
    const low: (() => void)[] = [];
    const { clock, timers, view, report } = setup(true, undefined, (fn) => void low.push(fn));
    const order: string[] = [];
    const engine = (view as unknown as { engine: { scan(now: number): unknown } }).engine;
    const scan = engine.scan.bind(engine);
    engine.scan = (now: number) => {
      order.push('scan');
      return scan(now);
    };
    for (let k = 0; k < 4; k++) {
      report('eo.1', 'eo', 0, 5);
      report('radar.1', 'radar', 20, 30);
      clock.now += FUSION_COALESCE_MS;
      timers.run();
      // The coalescing timer fired: the scan waits for a low-priority task; a gate step queued
      // meanwhile at normal priority goes first.
      timers.after(0, () => void order.push('gate'));
      timers.run();
      for (const fn of low.splice(0)) fn();
      await Promise.resolve();
      clock.now += 1_000 - FUSION_COALESCE_MS;
    }
    expect(order).toEqual(['gate', 'scan', 'gate', 'scan', 'gate', 'scan', 'gate', 'scan']);
    expect(view.stats()).toMatchObject({ fused: 1, sources: 2 });
  });

  it('a low-priority scan cancelled before it runs (fusion turned off) does not run', async () => {
    const low: (() => void)[] = [];
    const { clock, timers, view, report } = setup(true, undefined, (fn) => void low.push(fn));
    report('eo.1', 'eo', 0, 5);
    clock.now += FUSION_COALESCE_MS;
    timers.run();
    expect(low).toHaveLength(1);
    view.configure({ enabled: false });
    for (const fn of low.splice(0)) fn();
    await Promise.resolve();
    expect(view.stats().lastScanMs).toBe(0);
    expect(timers.pending).toBe(0);
  });
});

describe('a scan builds only the views it hands on', () => {
  it('one pair of 100 moving builds the views of that fused track, not of every fused track and its sources', () => {
    const probe = { views: 0 };
    const { clock, timers, view, report } = setup(true, probe);
    for (let k = 0; k < 4; k++) {
      for (let n = 0; n < 100; n++) {
        report(`eo.${n.toString()}`, 'eo', n * 5_000, 5);
        report(`radar.${n.toString()}`, 'radar', n * 5_000 + 20, 30);
      }
      clock.now += FUSION_COALESCE_MS;
      timers.run();
      clock.now += 1_000 - FUSION_COALESCE_MS;
    }
    expect(view.stats()).toMatchObject({ fused: 100, sources: 200 });
    report('eo.7', 'eo', 7 * 5_000 + 3, 5);
    report('radar.7', 'radar', 7 * 5_000 + 25, 30);
    probe.views = 0;
    clock.now += FUSION_COALESCE_MS;
    timers.run();
    // The moved fused track's view (its two sources) for the watchers; whether each fused track and
    // its sources still stand is asked of `has`. It used to build 3 views per fused track (300 here)
    // at every scan: most of a scan's time under scenario 12 (docs/benchmarks.md).
    expect(probe.views).toBeLessThanOrEqual(4);
    expect(view.stats()).toMatchObject({ fused: 100, sources: 200 });
  });
});

describe('only changes fusion reads ask for a scan', () => {
  it('a classification or threat written on a source (the classifier does on every track) schedules no scan', () => {
    const { clock, timers, view, report, classify, tick } = setup();
    report('eo.1', 'eo', 0, 5);
    report('radar.1', 'radar', 20, 30);
    clock.now += FUSION_COALESCE_MS;
    timers.run();
    expect(timers.pending).toBe(0);
    const scans = vi.spyOn(FusionEngine.prototype, 'scan');
    classify('eo.1');
    classify('radar.1');
    // The changed sources are read once, when the timer their change set runs: no scan follows.
    clock.now += FUSION_COALESCE_MS;
    timers.run();
    expect(scans).not.toHaveBeenCalled();
    expect(timers.pending).toBe(0);
    // Nor does the host's tick scan for it (nothing is due before the pair's dwell).
    clock.now += 1_000;
    expect(tick()).toBe(false);
    expect(scans).not.toHaveBeenCalled();
    scans.mockRestore();
    // A new report still does.
    report('eo.1', 'eo', 1, 5);
    expect(timers.pending).toBe(1);
    expect(view.stats().fused).toBe(0);
  });
});

describe('changes are read once per entity, when the picture is needed', () => {
  it('an entity changed by many merges before the scan builds one view, and the scan fuses it', () => {
    const probe = { views: 0 };
    const { clock, timers, view, report } = setup(true, probe);
    for (let k = 0; k < 3; k++) {
      probe.views = 0;
      // A peer's frame merged in parts: each part changes the same two tracks again.
      for (let part = 0; part < 4; part++) {
        report('eo.1', 'eo', part, 5);
        report('radar.1', 'radar', 20 + part, 30);
      }
      expect(probe.views).toBe(0);
      expect(timers.pending).toBe(1);
      clock.now += FUSION_COALESCE_MS;
      timers.run();
      // One view each when the timer read them (it was 8, one per change), and at most the two the
      // scan hands on with a fused track.
      expect(probe.views).toBeLessThanOrEqual(4);
      clock.now += 1_000 - FUSION_COALESCE_MS;
    }
    expect(view.stats()).toMatchObject({ fused: 1, sources: 2 });
  });

  it('a read before the timer sees every change: a source that left takes its fused view with it', () => {
    const { clock, timers, view, report, remove } = setup(true, { views: 0 });
    for (let k = 0; k < 3; k++) {
      report('eo.1', 'eo', 0, 5);
      report('radar.1', 'radar', 20, 30);
      clock.now += FUSION_COALESCE_MS;
      timers.run();
      clock.now += 1_000 - FUSION_COALESCE_MS;
    }
    expect(view.stats()).toMatchObject({ fused: 1, sources: 2 });
    const fused = view.list({}, () => [])[0]!.id;
    const heard: EntityId[][] = [];
    view.watch(
      (batch) => heard.push([...batch.removed]),
      () => () => undefined,
    );
    remove('eo.1');
    expect(timers.pending).toBe(1); // read when the timer runs, or at the first read before it
    expect(view.get(fused, undefined)).toBeUndefined();
    expect(heard).toEqual([[fused]]);
  });
});

describe('entities that are not tracks', () => {
  it('a change to one builds no view when the host can tell it is no track, and schedules no scan', () => {
    const clock = { now: T0 };
    const timers = new Timers(clock);
    let views = 0;
    const notes = new Map<EntityId, EntityView>();
    const view = new FusionView({
      now: () => clock.now,
      view: (id) => {
        views++;
        return notes.get(id);
      },
      has: (id) => notes.has(id),
      mayBeTrack: () => false,
      all: () => notes.values(),
      log: () => undefined,
      scheduler: timers,
    });
    view.configure({ enabled: true });
    clock.now += FUSION_COALESCE_MS;
    timers.run();
    expect(timers.pending).toBe(0);
    const meta = { version: encodeTs({ ms: T0, c: 0, node: SELF }), author: SELF, time: T0, conflict: false, heads: 1 };
    for (let k = 0; k < 100; k++) {
      // A peer's bulk of notes (no source, no position): observed one by one, as the node does.
      const id = `note-${k.toString()}` as EntityId;
      const annotation = { text: 'x' } as unknown as ComponentValue;
      notes.set(id, { id, components: { annotation }, meta: { annotation: meta }, conflicts: [], updatedAt: T0 });
      view.observe(id);
    }
    expect(views).toBe(0);
    expect(timers.pending).toBe(0);
  });
});

describe('due scans keep the gap of change scans', () => {
  it('a dwell ending right after a slow scan waits twice that scan`s duration', () => {
    // A host that only ticks (no scheduler), so its change scans come as close as its ticks.
    const { clock, view, report, tick } = setup(false);
    // Every scan costs 400 ms of the node's clock (a large picture on a slow tablet).
    const engine = (view as unknown as { engine: { scan(now: number): unknown } }).engine;
    const scan = engine.scan.bind(engine);
    engine.scan = (now: number) => {
      const out = scan(now);
      clock.now += 400;
      return out;
    };
    const t0 = clock.now;
    // Two written-once pairs whose dwells start 500 ms apart, so they end 500 ms apart.
    report('eo.1', 'eo', 0, 5);
    report('radar.1', 'radar', 20, 30);
    expect(tick()).toBe(true); // dwell 1 from t0, the scan ends at t0 + 400
    report('eo.2', 'eo', 5_000, 5);
    report('radar.2', 'radar', 5_020, 30);
    clock.now += 100;
    expect(tick()).toBe(true); // dwell 2 from t0 + 500
    const dwell = DEFAULT_FUSION_CONFIG.confirmDwellMs;
    clock.now = t0 + dwell;
    expect(tick()).toBe(true); // dwell 1 ends; the scan ends at t0 + dwell + 400
    expect(view.stats()).toMatchObject({ fused: 1, lastScanMs: 400 });
    // Dwell 2 is due at t0 + dwell + 500, only 100 ms after that scan: it waits 2 × 400 ms.
    clock.now = t0 + dwell + 500;
    expect(tick()).toBe(false);
    clock.now = t0 + dwell + 400 + 800 - 1;
    expect(tick()).toBe(false);
    clock.now += 1;
    expect(tick()).toBe(true);
    expect(view.stats().fused).toBe(2);
  });
});

describe('the time basis: the position version`s own stamp, not when this node received it', () => {
  const PEER = 'node-b' as NodeId;

  it('an old report arriving now is as old as its stamp; a report arriving late is as recent as its stamp', () => {
    const { clock, timers, view, report } = setup();
    // The peer's radar report stamped 30 s ago (a partition healed) reaches us now, while our EO
    // reports the same place: 30 s apart by the stamps, outside the 2-s time gate, never fused.
    // Its receipt time would have made it current.
    for (let k = 0; k < 3; k++) {
      report('eo.1', 'eo', 0, 5);
      report('radar.1', 'radar', 20, 30, { author: PEER, stampMs: clock.now - 30_000 });
      clock.now += FUSION_COALESCE_MS;
      timers.run();
      clock.now += 900;
    }
    expect(view.stats()).toMatchObject({ fused: 0 });
    // Reports stamped at the EO's instants, each reaching us 1.5 s after it: compared at their
    // stamps they are simultaneous and fuse (by receipt they were 1.5 s apart).
    for (let k = 0; k < 3; k++) {
      const stamp = clock.now;
      report('eo.2', 'eo', 3_000, 5);
      clock.now += 1_500;
      report('radar.2', 'radar', 3_010, 30, { author: PEER, stampMs: stamp });
      clock.now += FUSION_COALESCE_MS;
      timers.run();
      clock.now += 900;
    }
    expect(view.stats()).toMatchObject({ fused: 1, sources: 2 });
  });
  it('a report stamped 59 s ahead is left out until the clock is within MAX_STAMP_LEAD_MS of its stamp, then timed by its stamp: two nodes receiving it at different moments show the same fused track', () => {
    // A peer whose clock runs 59 s ahead (inside the skew hold) reports what our EO sees; our
    // hybrid logical clock heard it, so our EO's reports are stamped at that instant too. Node A
    // receives both versions at once, node B 7 s later. Timed by min(stamp, arrival + 1 s) they
    // got different times on the two nodes (A: T0 + 1 s, B: T0 + 8 s): A fused 7 s before B, and
    // its fused track aged 7 s sooner.
    const a = setup();
    const b = setup();
    const stamp = T0 + 59_000;
    const send = (n: typeof a): void => {
      n.report('eo.1', 'eo', 0, 5, { stampMs: stamp - 300 });
      n.report('radar.1', 'radar', 20, 30, { author: PEER, stampMs: stamp });
    };
    const fusedOf = (n: typeof a) =>
      n.view
        .list({}, () => [])
        .filter((v) => v.components.fusion !== undefined)
        .map((v) => ({ id: v.id, fusion: v.components.fusion as Fusion }));
    const step = (n: typeof a, at: number): void => {
      n.clock.now = at;
      n.timers.run();
      n.tick();
    };
    send(a);
    let fusedAt: number | undefined;
    for (let at = T0; at <= stamp + 40_000; at += 250) {
      if (at === T0 + 7_000) send(b);
      step(a, at);
      step(b, at);
      if (at >= T0 + 7_000) expect(fusedOf(b)).toEqual(fusedOf(a));
      // Nothing of these reports is fused while their stamps are more than the lead ahead.
      if (at < stamp - 300 - MAX_STAMP_LEAD_MS) expect(fusedOf(a)).toEqual([]);
      if (fusedAt === undefined && fusedOf(a).length > 0) fusedAt = at;
    }
    // Fused by the dwell once both reports are in (the radar from stamp − lead), on both nodes alike.
    expect(fusedAt).toBe(stamp - MAX_STAMP_LEAD_MS + DEFAULT_FUSION_CONFIG.confirmDwellMs);
    // The sources fell silent: 40 s after its stamp the fused track has aged from its stamp, alike on both.
    const aged = fusedOf(a)[0]!.fusion;
    expect(aged.confidence).toBeGreaterThan(0);
    expect(fusedOf(b)).toEqual(fusedOf(a));
    expect(aged.confidence).toBeLessThan(0.7);
  });
});
