/**
 * Scenario 6, the page: the production path from the node's worker to the map. A worker
 * (s6-node-worker.ts: the real worker API, relay and compact feed over N moving tracks) is wrapped by
 * the app's own `window.lattice` handle (src/app/lattice-handle.ts); a host element holds the
 * picture as the shell does (NodeController: snapshot, then the compact feed decoded and taken into
 * the Picture) and mounts the approval prompt (its feed watches the cue alone), and hands the map the
 * picture's frame at each update, as the shell renders `<lattice-map .picture=...>`. Nothing else of
 * the shell is mounted (no track list, inspector or panels). Bundled by bench/s6-map-frame.ts and
 * driven through `window.s6`; the page measures per frame and returns raw samples.
 */
import * as Comlink from 'comlink';
import { LitElement, html } from 'lit';
import { createLatticeHandle } from '../../src/app/lattice-handle';
import type { CompactBatch } from '../../src/node/node-api';
import type { WorkerApi } from '../../src/node/worker-api';
import '../../src/ui/approvals/approval-overlay';
import '../../src/ui/map/lattice-map';
import { NodeController } from '../../src/ui/node-controller';
import type { UiClient } from '../../src/ui/ui-client';
import type { S6Control } from './s6-node-worker';

/** What the page's feed does per batch: the compact batch's rows and whole views, its buffer's bytes, and the ms its reading took. */
interface BatchSample {
  readonly rows: number;
  readonly whole: number;
  readonly bytes: number;
  readonly ms: number;
}

export interface FrameSample {
  readonly frames: number;
  readonly seconds: number;
  /**
   * Per frame: the map's update, ms: taking the new picture (its Lit update) and, at its next
   * animation frame, applying it and drawing the symbols (its `updateTime`, read as a difference).
   */
  readonly updateMs: number[];
  /** Per batch: the page reading it (decode, validation, the rows into the Picture, the host's update asked). */
  readonly feedMs: number[];
  readonly rows: number[];
  readonly whole: number[];
  readonly bytes: number[];
  /** Reports the worker made during the run, and how many of them changed a threat (sent whole). */
  readonly reports: number;
  readonly threatChanges: number;
  /** Times the map's GPU layer drew the symbols (the map spaces redraws when the GPU is slow). */
  readonly symbolDraws: number;
}

/** The shell's part that feeds the map: the picture (NodeController), the map, and the approval prompt (its cue watcher). */
class S6Host extends LitElement {
  static override properties = { client: { attribute: false } };
  declare client: UiClient | undefined;
  readonly node = new NodeController(this);
  /** Each host update's timing, for the map's half of the update rows. */
  readonly taken: number[] = [];

  protected override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('client')) this.node.setClient(this.client);
  }

  protected override render(): unknown {
    const t0 = performance.now();
    void this.updateComplete.then(() => this.taken.push(performance.now() - t0));
    return html`<lattice-map style="position:fixed;inset:0" .picture=${this.node.picture.frame()}></lattice-map>
      <lm-approvals .client=${this.client}></lm-approvals>`;
  }
}
customElements.define('s6-host', S6Host);

let host: S6Host | undefined;
let control: Comlink.Remote<S6Control> | undefined;
let batches: BatchSample[] = [];

/** Starts the worker with `n` tracks, mounts the host on the app's handle, waits for the snapshot and a settled map. */
async function prepare(n: number): Promise<void> {
  const worker = new Worker(new URL('./s6-node-worker.ts', import.meta.url), { type: 'module' });
  const remote = Comlink.wrap<WorkerApi & S6Control>(worker);
  control = remote;
  await remote.prepare(n);
  const handle = createLatticeHandle(remote, 's6');
  await handle.ready;
  // The client the host reads, timing each compact batch's reading (the NodeController's callback).
  const client: UiClient = {
    ...handle,
    watchCompact: (callback) =>
      handle.watchCompact((batch: CompactBatch) => {
        const rows = new Uint32Array(batch.buffer, 4, 1)[0]!;
        const bytes = batch.buffer.byteLength;
        const t0 = performance.now();
        callback(batch);
        batches.push({ rows, whole: batch.views.length, bytes, ms: performance.now() - t0 });
      }),
  };
  host = document.createElement('s6-host') as S6Host;
  host.client = client;
  document.body.append(host);
  while (host.node.picture.size < n) await new Promise((r) => setTimeout(r, 50));
  const map = host.renderRoot.querySelector('lattice-map')!;
  await map.updateComplete;
  map.olMap!.renderSync();
  // Settle the first render (symbol atlas, layer replays) before measuring.
  await new Promise((r) => setTimeout(r, 500));
}

/**
 * Moves every track once a second (in the worker) for `seconds` and samples each of this page's
 * frames; with `still`, nothing moves (the page's own frames over the same picture: the floor).
 */
async function measure(seconds: number, still = false): Promise<FrameSample> {
  if (host === undefined || control === undefined) throw new Error('prepare first');
  const map = host.renderRoot.querySelector('lattice-map')!;
  batches = [];
  host.taken.length = 0;
  const applied: number[] = [];
  let appliedBefore = map.updateTime.ms;
  const drawsBefore = map.symbolDraws;
  let frames = 0;
  if (!still) await control.move();
  const start = performance.now();
  let last = start;
  const end = start + seconds * 1000;
  await new Promise<void>((done) => {
    const frame = (t: number): void => {
      last = t;
      if (t >= end) {
        done();
        return;
      }
      frames++;
      const appliedNow = map.updateTime.ms;
      if (frames > 1) applied.push(appliedNow - appliedBefore);
      appliedBefore = appliedNow;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  const made = await control.stop();
  const taken = host.taken.slice();
  return {
    frames,
    seconds: (last - start) / 1000,
    updateMs: applied.map((ms, i) => ms + (taken[i] ?? 0)),
    feedMs: batches.map((b) => b.ms),
    rows: batches.map((b) => b.rows),
    whole: batches.map((b) => b.whole),
    bytes: batches.map((b) => b.bytes),
    reports: made.reports,
    threatChanges: made.wholeByThreat,
    symbolDraws: map.symbolDraws - drawsBefore,
  };
}

declare global {
  interface Window {
    s6?: { prepare: typeof prepare; measure: typeof measure };
  }
}
window.s6 = { prepare, measure };
