import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ApprovalView, TaskView } from '../../node/approval-views';
import { errorText } from '../error-text';
import type { ApprovalClient } from './approval-client';

/** A slow re-read besides the change feed, in case a batch was lost (a worker restart). */
const REFRESH_MS = 5_000;

/**
 * Keeps the host's copy of `approvals()` and `tasks()`. Decisions, time-outs, cancellations and
 * task progress are all writes to an entity's `approval` or `task` component, and the node flags
 * every watch batch that carries one (`approvals: true`, also for a source hidden under a fused
 * view); this feed watches that cue alone (`approvalsOnly`: no track views cross for it), so only
 * those batches cause a read, not the position reports of the tracks; a batch
 * from the worker carries the lists themselves (`approvalLists`, read when it left), so no call
 * back is needed. Reads never overlap: a change during a read causes one more read after it.
 */
export class ApprovalFeed implements ReactiveController {
  approvals: readonly ApprovalView[] = [];
  tasks: readonly TaskView[] = [];
  /** Why the last read failed, if it did. */
  error = '';
  private client: ApprovalClient | undefined;
  private connected = false;
  private session = 0;
  private unwatch: (() => void) | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private reading = false;
  private again = false;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  setClient(client: ApprovalClient | undefined): void {
    if (client === this.client) return;
    this.stop();
    this.client = client;
    this.approvals = [];
    this.tasks = [];
    this.error = '';
    this.host.requestUpdate();
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

  /** Reads again now (e.g. right after this page decided). */
  refresh(): void {
    const client = this.client;
    if (client !== undefined) this.read(client, this.session);
  }

  private start(): void {
    const client = this.client;
    if (client === undefined || this.unwatch !== undefined) return;
    const session = ++this.session;
    this.unwatch = client.watch(
      (batch) => {
        if (session !== this.session || batch.approvals !== true) return;
        const state = batch.approvalLists;
        // A read under way may have started before this state: it reads once more after it.
        if (state === undefined || this.reading) this.read(client, session);
        else this.take(state.approvals, state.tasks);
        // The cue alone: the track views are the map's and the list's watch, not the prompt's.
      },
      { approvalsOnly: true },
    );
    this.read(client, session);
    this.timer = setInterval(() => this.read(client, session), REFRESH_MS);
  }

  private stop(): void {
    this.session++;
    this.unwatch?.();
    this.unwatch = undefined;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.reading = false;
    this.again = false;
  }

  private read(client: ApprovalClient, session: number): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    Promise.all([client.approvals(), client.tasks()]).then(
      ([approvals, tasks]) => {
        if (session !== this.session) return;
        this.take(approvals, tasks, false);
        this.done(client, session);
      },
      (err: unknown) => {
        if (session !== this.session) return;
        this.error = errorText(err);
        this.done(client, session);
      },
    );
  }

  /** Keeps the lists read (or pushed); `update`: ask the host to render now. */
  private take(approvals: readonly ApprovalView[], tasks: readonly TaskView[], update = true): void {
    // The slow re-read mostly finds nothing new: keep the arrays, and the prompt does not re-render.
    if (JSON.stringify(approvals) !== JSON.stringify(this.approvals)) this.approvals = approvals;
    if (JSON.stringify(tasks) !== JSON.stringify(this.tasks)) this.tasks = tasks;
    this.error = '';
    if (update) this.host.requestUpdate();
  }

  private done(client: ApprovalClient, session: number): void {
    this.reading = false;
    this.host.requestUpdate();
    if (this.again) {
      this.again = false;
      this.read(client, session);
    }
  }
}
