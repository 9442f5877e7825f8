import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ChangeBatch, EntityView, NodeInfo } from '../node/node-api';
import { errorText } from './error-text';
import { Picture } from './picture';
import type { UiClient } from './ui-client';

/** How often the node's info (storage health above all) is refreshed. */
const INFO_INTERVAL_MS = 2000;
/** Wait before asking again for a snapshot that failed. */
const RETRY_MS = 3000;

/**
 * Keeps the host's copy of the picture: a snapshot from `list()`, then every `watch` batch
 * applied in place, with one host update per batch. Batches that arrive while the snapshot is on
 * its way are replayed after it, skipping views older than the snapshot's.
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
    if (this.apply({ changed: [view], removed: [] }, true)) this.host.requestUpdate();
  }

  /** Takes an entity out of the picture ahead of its batch (e.g. after a confirmed delete). */
  forget(id: string): void {
    if (this.picture.delete(id)) this.host.requestUpdate();
  }

  private start(): void {
    const client = this.client;
    if (client === undefined || this.unwatch !== undefined) return;
    const session = ++this.session;
    let pending: ChangeBatch[] | undefined = [];
    this.unwatch = client.watch((batch) => {
      if (session !== this.session) return;
      if (pending !== undefined) pending.push(batch);
      else if (this.apply(batch, false)) this.host.requestUpdate();
    });
    this.loading = true;
    client.list().then(
      (views) => {
        if (session !== this.session) return;
        this.picture.replace(views);
        for (const batch of pending ?? []) this.apply(batch, true);
        pending = undefined;
        this.loading = false;
        this.host.requestUpdate();
      },
      (err: unknown) => {
        this.fail(session, err);
        this.retry(session);
      },
    );
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

  /** Applies a batch; with `guard`, a view older than the one held is ignored. Returns whether anything changed. */
  private apply(batch: ChangeBatch, guard: boolean): boolean {
    let touched = false;
    for (const v of batch.changed) {
      const held = this.picture.get(v.id);
      if (guard && held !== undefined && held.updatedAt > v.updatedAt) continue;
      this.picture.set(v);
      touched = true;
    }
    for (const id of batch.removed) touched = this.picture.delete(id) || touched;
    return touched;
  }

  private refreshInfo(session: number): void {
    this.client?.info().then(
      (info) => {
        if (session !== this.session) return;
        const changed = JSON.stringify(info) !== JSON.stringify(this.info) || this.error !== '';
        this.info = info;
        this.error = '';
        if (changed) this.host.requestUpdate();
      },
      (err: unknown) => this.fail(session, err),
    );
  }

  /** Starts the session over (a failed snapshot leaves nothing to apply batches to). */
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
