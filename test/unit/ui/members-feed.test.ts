import { describe, expect, it } from 'vitest';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { MembersView } from '../../../src/node/roster-api';
import { MembersController, MembersFeed, type MembersClient } from '../../../src/ui/members-feed';
import { PollController, type Every } from '../../../src/ui/poll-controller';

/** Timers run by hand: `fire()` runs every live interval once. */
function manualEvery(): Every & { live: number; fire(): void } {
  const live = new Set<() => void>();
  const every = ((_ms: number, fn: () => void) => {
    live.add(fn);
    return () => void live.delete(fn);
  }) as unknown as Every & { live: number; fire(): void };
  Object.defineProperty(every, 'live', { get: () => live.size });
  every.fire = () => [...live].forEach((fn) => fn());
  return every;
}

function fakeHost<T extends object>(
  extra: T,
): ReactiveControllerHost & T & { controllers: ReactiveController[]; updates: number } {
  const host = {
    ...extra,
    controllers: [] as ReactiveController[],
    updates: 0,
    addController(c: ReactiveController) {
      host.controllers.push(c);
    },
    removeController() {},
    requestUpdate() {
      host.updates++;
    },
    updateComplete: Promise.resolve(true),
  };
  return host;
}

const view = (open: boolean): MembersView => ({ open }) as unknown as MembersView;
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

function countingClient(open = false): MembersClient & { calls: number } {
  const client = {
    calls: 0,
    members: async () => {
      client.calls++;
      return view(open);
    },
  };
  return client;
}

describe('PollController: the UI’s one way of polling', () => {
  it('polls on connect, on every beat while connected, and stops on disconnect', async () => {
    const every = manualEvery();
    let polls = 0;
    const host = fakeHost({});
    new PollController(host, 1000, () => void polls++, every);
    host.controllers[0]!.hostConnected!();
    await settle();
    expect(polls).toBe(1);
    every.fire();
    every.fire();
    await settle();
    expect(polls).toBe(3);
    host.controllers[0]!.hostDisconnected!();
    expect(every.live).toBe(0);
  });

  it('drops a poll that rejects and keeps polling', async () => {
    const every = manualEvery();
    let polls = 0;
    const host = fakeHost({});
    new PollController(
      host,
      1000,
      () => {
        polls++;
        return Promise.reject(new Error('not started'));
      },
      every,
    );
    host.controllers[0]!.hostConnected!();
    every.fire();
    await settle();
    expect(polls).toBe(2);
  });
});

describe('MembersFeed: one members() poll shared by the badge and the roster panel', () => {
  it('polls once per beat for all its readers and stops when the last one leaves', async () => {
    const every = manualEvery();
    const client = countingClient(true);
    const feed = new MembersFeed(client, every, 2000);
    const seen: boolean[] = [];
    const offA = feed.subscribe((v) => seen.push(v.open));
    const offB = feed.subscribe((v) => seen.push(v.open));
    await settle();
    expect(client.calls).toBe(1);
    expect(every.live).toBe(1);
    every.fire();
    await settle();
    expect(client.calls).toBe(2);
    expect(seen).toEqual([true, true, true, true]);
    offA();
    expect(every.live).toBe(1);
    offB();
    expect(every.live).toBe(0);
  });

  it('never shows an older answer over a newer one, and adds no poll while a call is out', async () => {
    const every = manualEvery();
    const pending: Array<(v: MembersView) => void> = [];
    const client: MembersClient = { members: () => new Promise<MembersView>((resolve) => pending.push(resolve)) };
    const feed = new MembersFeed(client, every, 2000);
    const seen: boolean[] = [];
    feed.subscribe((v) => seen.push(v.open));
    expect(pending.length).toBe(1);
    every.fire(); // the first call is still out: no second poll
    expect(pending.length).toBe(1);
    const newer = feed.refresh(); // an explicit refresh (after a removal) does go out
    expect(pending.length).toBe(2);
    pending[1]!(view(false));
    await newer;
    pending[0]!(view(true)); // the slow, older answer arrives last
    await settle();
    expect(seen).toEqual([false]);
    expect(feed.latest?.open).toBe(false);
  });

  it('a badge and a roster panel of one client read one feed: one members() call per beat', async () => {
    const every = manualEvery();
    const client = countingClient(true);
    const feed = new MembersFeed(client, every, 2000);
    const badge = fakeHost({ client: client as MembersClient | undefined });
    const panel = fakeHost({ client: client as MembersClient | undefined });
    const onBadge = new MembersController(badge, () => feed);
    const onPanel = new MembersController(panel, () => feed);
    badge.controllers[0]!.hostConnected!();
    panel.controllers[0]!.hostConnected!();
    await settle();
    every.fire();
    await settle();
    expect(client.calls).toBe(2);
    expect(onBadge.view?.open).toBe(true);
    expect(onPanel.view?.open).toBe(true);
    expect(badge.updates).toBeGreaterThan(0);
    // A refresh (after an invitation) reaches both.
    await onPanel.refresh();
    expect(client.calls).toBe(3);
    badge.controllers[0]!.hostDisconnected!();
    panel.controllers[0]!.hostDisconnected!();
    expect(every.live).toBe(0);
  });

  it('follows a client set after the host connected', async () => {
    const every = manualEvery();
    const client = countingClient(false);
    const feed = new MembersFeed(client, every, 2000);
    const host = fakeHost({ client: undefined as MembersClient | undefined });
    const c = new MembersController(host, () => feed);
    host.controllers[0]!.hostConnected!();
    expect(every.live).toBe(0);
    host.client = client;
    host.controllers[0]!.hostUpdate!();
    await settle();
    expect(client.calls).toBe(1);
    expect(c.view?.open).toBe(false);
  });
});
