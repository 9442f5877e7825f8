import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { CompactDecoder, type DecodedViews } from '../core/feed/feed-decoder';
import type { EntityView, NodeInfo } from '../node/node-api';
import { errorText } from './error-text';
import { Picture } from './picture';
import type { UiClient } from './ui-client';

/** How often the node's info (storage health above all) is refreshed. */
const INFO_INTERVAL_MS = 2000;
/** Wait before starting a new feed after one failed. */
const RETRY_MS = 3000;

/**
 * Keeps the host's copy of the picture from the node's compact feed (`watchCompact`, src/core/feed):
 * its first batch is the whole picture, which replaces what the host held; every later batch is
 * decoded as it arrives and applied in place, with one host update per batch. A batch the decoder
 * refuses ends the feed: after a pause a new one starts, with the picture again.
 */
export class NodeController implements ReactiveController {
  /** The picture, with the ids each batch changed (picture.ts): the map takes only those. */
  readonly picture = new Picture();
  info: NodeInfo | undefined;
  /** Why the node cannot be reached, if it cannot. */
  error = '';
  loading = false;
  private client: UiClient | undefined;
  private connected = false;
  /** Bumped whenever the client changes or the host disconnects: late answers of an older session are dropped. */
  private session = 0;
  private unwatch: (() => void) | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  get entities(): ReadonlyMap<string, EntityView> {
    return this.picture.views;
  }

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  setClient(client: UiClient | undefined): void {
    if (client === this.client) return;
    this.stop();
    this.client = client;
    this.picture.clear();
    this.info = undefined;
    this.error = '';
    if (this.connected) this.start();
  }

  hostConnected(): void {
    this.connected = true;
    this.start();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.stop();
  }

  /** Puts a view the host already has (e.g. a write's answer) into the picture ahead of its batch. */
  upsert(view: EntityView): void {
    const held = this.picture.updatedAt(view.id);
    if (held !== undefined && held > view.updatedAt) return;
    this.picture.set(view);
    this.host.requestUpdate();
  }

  /** Takes an entity out of the picture ahead of its batch (e.g. after a confirmed delete). */
  forget(id: string): void {
    if (this.picture.delete(id)) this.host.requestUpdate();
  }

  /** The feed was refused and a new one has not yet brought its picture: what is shown is stale. */
  private feedDown = false;

  private start(): void {
    const client = this.client;
    if (client === undefined || this.unwatch !== undefined) return;
    const session = ++this.session;
    const decoder = new CompactDecoder();
    this.loading = true;
    this.unwatch = client.watchCompact((batch) => {
      if (session !== this.session) return;
      let decoded: DecodedViews;
      try {
        decoded = decoder.decode(batch);
      } catch (err) {
        // A batch misread: what the feed sends next builds on it, so start a new feed.
        this.unwatch?.();
        this.unwatch = undefined;
        this.feedDown = true;
        this.fail(session, err);
        this.retry(session);
        return;
      }
      // The feed's first batch is the whole picture: what was held before goes.
      if (batch.snapshot === true) {
        this.picture.clear();
        if (this.feedDown) {
          this.feedDown = false;
          this.error = '';
        }
      }
      const changed = this.picture.take(decoded);
      if (changed || this.loading) {
        this.loading = false;
        this.host.requestUpdate();
      }
    });
    this.refreshInfo(session);
    this.timer = setInterval(() => this.refreshInfo(session), INFO_INTERVAL_MS);
  }

  private stop(): void {
    this.session++;
    this.unwatch?.();
    this.unwatch = undefined;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.loading = false;
  }

  private refreshInfo(session: number): void {
    this.client?.info().then(
      (info) => {
        if (session !== this.session) return;
        const changed = JSON.stringify(info) !== JSON.stringify(this.info) || this.error !== '';
        this.info = info;
        // A refused feed's error stays until a new feed's picture came: the one shown is stale.
        if (!this.feedDown) this.error = '';
        if (changed) this.host.requestUpdate();
      },
      (err: unknown) => this.fail(session, err),
    );
  }

  /** Starts the session over (a refused batch leaves nothing the next ones can be applied to). */
  private retry(session: number): void {
    setTimeout(() => {
      if (session !== this.session || !this.connected) return;
      this.stop();
      this.start();
    }, RETRY_MS);
  }

  private fail(session: number, err: unknown): void {
    if (session !== this.session) return;
    this.error = errorText(err);
    this.loading = false;
    this.host.requestUpdate();
  }
}
