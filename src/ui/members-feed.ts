import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { RosterApi } from '../node/lattice-api';
import type { MembersView } from '../node/roster-api';
import { intervalEvery, type Every } from './poll-controller';

export type MembersClient = Pick<RosterApi, 'members'>;

/** How often the roster is read while anything shows it. */
export const MEMBERS_REFRESH_MS = 2000;

/**
 * One members() poll per client, shared by everything that shows the roster (the OPEN badge, the
 * roster panel): it polls while at least one reader is subscribed, and hands each reader the same
 * answer. `refresh` reads at once (after an invitation or a removal).
 */
export class MembersFeed {
  private view: MembersView | undefined;
  private readonly readers = new Set<(view: MembersView) => void>();
  private stop: (() => void) | undefined;
  /** Calls issued, and the newest call whose answer is shown: an older, slower answer never replaces a newer one. */
  private issued = 0;
  private shown = 0;
  private inFlight = 0;

  constructor(
    private readonly client: MembersClient,
    private readonly every: Every = intervalEvery,
    private readonly ms = MEMBERS_REFRESH_MS,
  ) {}

  /** The last answer, if any. */
  get latest(): MembersView | undefined {
    return this.view;
  }

  /** Starts the poll for the first reader; the returned function unsubscribes (the last one stops it). */
  subscribe(reader: (view: MembersView) => void): () => void {
    this.readers.add(reader);
    if (this.stop === undefined) {
      void this.refresh();
      // A beat while a call is still out adds none: a slow worker does not get a pile of polls.
      this.stop = this.every(this.ms, () => {
        if (this.inFlight === 0) void this.refresh();
      });
    }
    return () => {
      if (!this.readers.delete(reader) || this.readers.size > 0) return;
      this.stop?.();
      this.stop = undefined;
    };
  }

  async refresh(): Promise<void> {
    const call = ++this.issued;
    this.inFlight++;
    let view: MembersView;
    try {
      view = await this.client.members();
    } catch {
      // The node is still starting: the next poll tries again.
      return;
    } finally {
      this.inFlight--;
    }
    if (call < this.shown) return;
    this.shown = call;
    this.view = view;
    for (const reader of this.readers) reader(view);
  }
}

const feeds = new WeakMap<MembersClient, MembersFeed>();

/** The feed of a client (one per client object, so its readers share one poll). */
export function membersFeed(client: MembersClient): MembersFeed {
  let feed = feeds.get(client);
  if (feed === undefined) {
    feed = new MembersFeed(client);
    feeds.set(client, feed);
  }
  return feed;
}

/**
 * A host element's reading of the members feed of its `client` property: subscribed while the
 * host is connected, following a new client when the property changes; `view` is the last answer.
 */
export class MembersController implements ReactiveController {
  view: MembersView | undefined;
  private client: MembersClient | undefined;
  private unsubscribe: (() => void) | undefined;
  private connected = false;

  constructor(
    private readonly host: ReactiveControllerHost & { readonly client: MembersClient | undefined },
    private readonly feedOf: (client: MembersClient) => MembersFeed = membersFeed,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.connected = true;
    this.follow();
  }

  hostUpdate(): void {
    if (this.host.client !== this.client) this.follow();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.client = undefined;
  }

  /** Reads the roster now (every reader of the feed gets the answer). */
  refresh(): Promise<void> {
    return this.client === undefined ? Promise.resolve() : this.feedOf(this.client).refresh();
  }

  private follow(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.client = this.host.client;
    if (!this.connected || this.client === undefined) return;
    const feed = this.feedOf(this.client);
    this.view = feed.latest;
    this.unsubscribe = feed.subscribe((view) => {
      this.view = view;
      this.host.requestUpdate();
    });
  }
}
