/**
 * Scenario 12 (docs/performance.md): the C2 pipeline under load, human on the loop. Two tabs of the
 * built app, each in its own browser context (two devices: no shared BroadcastChannel or storage),
 * meshed through the app server's WebSocket signaling over real WebRTC. Tab A runs the simulator
 * (`simulate({eo: {tracks: 1000, hz: 1}, radar: {tracks: 1000, hz: 1}, seed})`), so A's worker
 * writes the tracks, classifies them (the classifier runs on the node that wrote `source`) and
 * raises the approval requests (the threat's author is the actor); B merges what A sends.
 *
 * Worker CPU share: the CPU time the OS charged to each tab's worker thread (Chromium names it
 * `DedicatedWorker`; read from /proc/<pid>/task/<tid>/schedstat, ns on CPU) over a window of wall
 * time. Read from outside, so nothing is added to the worker: no sampling profiler (whose own cost
 * lands on the measured thread) and no timers in the product. It counts everything the thread does
 * (simulation tick, writes, classifier, gate, merge, change feed, GC on that thread), not only the
 * pipeline; V8's concurrent GC helper threads are not counted.
 *
 * HIGH-to-prompt latency: a request's id is the encoded HLC timestamp of the threat write that
 * raised it (docs/c2-pipeline.md), and on a fresh node that HLC's ms is the wall clock at the write.
 * Each tab does what the approval prompt does: on a `watch()` batch with `approvals: true` it takes
 * the approval lists the batch carries (or calls `approvals()` when it carries none), and stamps
 * Date.now() when a request first shows as pending. Latency = that stamp −
 * the threat write's ms (one machine clock, ms resolution).
 *
 * With the prompt on main (src/ui/approvals) each tab also polls, every 50 ms, for the
 * `lm-approval-card` of each request (S12_DOM=0 leaves that probe out): "card rendered" rows.
 *
 * Run alone: `node --import tsx bench/s12-c2-pipeline.ts` (BENCH_QUICK=1 for shorter windows).
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { BrowserContext } from 'puppeteer-core';
import { launchApp, waitConnected, type AppPage } from './lib/app-browser';
import { QUICK, loadNow, log, machine } from './lib/measure';
import type { Row } from './lib/result';
import { saveResult } from './lib/save';
import { median, percentile, stat } from './lib/stats';

/**
 * S12_BUDGET=<bytes/s> (bench/s12-flood.ts: 8,000): both tabs budget every link to it
 * (`setBudget('*', {bytesPerSecond})`, scenario 3's 64 kbit/s hop, docs/budgeter.md), so the
 * 2,000 tracks flood the link and the gate's traffic must pass the budgeter's queues.
 */
const BUDGET = process.env.S12_BUDGET === undefined ? undefined : Number(process.env.S12_BUDGET);
const FLOODED = BUDGET !== undefined;
/** The p99 target of the two end-to-end paths: 500 ms unconstrained, 2 s on the flooded link (docs/performance.md). */
const P99_TARGET = FLOODED ? { text: '< 2 s', value: 2000 } : { text: '< 500 ms', value: 500 };
const TRACKS = 1000;
const HZ = 1;
const SEED = 20_261_202;
const WARM_UP_S = QUICK ? 10 : 20;
const WINDOW_S = QUICK ? 20 : 40;
const WINDOWS = QUICK ? 2 : 5;

const r1 = (x: number): number => Math.round(x * 10) / 10;

/** Linux thread CPU time: the first field of schedstat is ns on CPU. */
interface Thread {
  readonly pid: number;
  readonly tid: number;
  readonly name: string;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid.toString()}/task`)) {
    try {
      const text = readFileSync(`/proc/${pid.toString()}/task/${task}/children`, 'utf8').trim();
      if (text !== '') out.push(...text.split(/\s+/).map(Number));
    } catch {
      // The thread ended.
    }
  }
  return out;
}

/** Every thread of the browser's renderer processes. */
function rendererThreads(browserPid: number): Thread[] {
  const pids: number[] = [];
  const queue = [browserPid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    for (const c of childrenOf(p)) {
      pids.push(c);
      queue.push(c);
    }
  }
  const out: Thread[] = [];
  for (const pid of pids) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid.toString()}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmd.includes('--type=renderer')) continue;
    for (const task of readdirSync(`/proc/${pid.toString()}/task`)) {
      try {
        const name = readFileSync(`/proc/${pid.toString()}/task/${task}/comm`, 'utf8').trim();
        out.push({ pid, tid: Number(task), name });
      } catch {
        // The thread ended.
      }
    }
  }
  return out;
}

function cpuNs(t: Thread): number {
  const text = readFileSync(`/proc/${t.pid.toString()}/task/${t.tid.toString()}/schedstat`, 'utf8');
  return Number(text.split(' ')[0]);
}

const key = (t: Thread): string => `${t.pid.toString()}/${t.tid.toString()}`;
const workerThreads = (browserPid: number): Thread[] =>
  rendererThreads(browserPid).filter((t) => t.name.startsWith('DedicatedWorke'));

/**
 * What the prompt does (src/ui/approvals/approval-feed.ts): on a batch flagged `approvals`, take
 * the lists it carries (`approvalLists`) or, without them, ask for them; stamp each request first seen
 * pending. Plain JavaScript text: tsx would wrap the named inner functions of a TypeScript callback
 * in its `__name` helper, which the page does not have.
 */
const PROMPT_PROBE = `(() => {
  const seen = new Set();
  const seenTasks = new Set();
  const seenApproved = new Set();
  const probe = { seen: [], calls: 0, approve: false, decided: [], refused: 0, tasks: [], approved: [], last: {} };
  window.s12 = probe;
  let running = false;
  let again = false;
  function take(list) {
    const now = Date.now();
    for (const r of list) {
      probe.last[r.requestId] = r.state;
      // Hops of the decision path: the approval first listed as approved here, with its decidedAt.
      if (r.state === 'approved' && !seenApproved.has(r.requestId)) {
        seenApproved.add(r.requestId);
        probe.approved.push([r.requestId, now, r.decidedAt]);
      }
      if (r.state !== 'pending' || seen.has(r.requestId)) continue;
      seen.add(r.requestId);
      probe.seen.push([r.entityId, r.requestId, now, r.requestedAt]);
      // The operator on this tab approves every other request as soon as it shows.
      if (probe.approve && probe.seen.length % 2 === 0) {
        window.lattice.decide(r.entityId, 'approve', r.requestId).then(
          () => probe.decided.push([r.requestId, now]),
          () => probe.refused++,
        );
      }
    }
  }
  function takeTasks(list) {
    const now = Date.now();
    for (const t of list) {
      if (seenTasks.has(t.requestId)) continue;
      seenTasks.add(t.requestId);
      probe.tasks.push([t.requestId, now, t.updatedAt]);
    }
  }
  async function poll() {
    if (running) { again = true; return; }
    running = true;
    try {
      do {
        again = false;
        probe.calls++;
        take(await window.lattice.approvals());
        takeTasks(await window.lattice.tasks());
      } while (again);
    } finally {
      running = false;
    }
  }
  window.lattice.watch((batch) => {
    if (batch.approvals !== true) return;
    if (batch.approvalLists === undefined) return void poll();
    take(batch.approvalLists.approvals);
    takeTasks(batch.approvalLists.tasks);
  }, { approvalsOnly: true });
  probe.longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.longTasks.push([performance.timeOrigin + e.startTime, e.duration]);
  }).observe({ type: 'longtask' });
})()`;

/**
 * The approval prompt itself (src/ui/approvals): every 50 ms, the request ids of the
 * `lm-approval-card`s rendered (their `section[data-request]`), first time each is seen. Read from
 * outside the components, through their open shadow roots; 50 ms resolution.
 */
const DOM_PROBE = `(() => {
  const seen = new Set();
  const out = [];
  window.s12dom = out;
  let prompt;
  function find(root, tag) {
    for (const el of root.querySelectorAll('*')) {
      if (el.localName === tag) return el;
      if (el.shadowRoot) {
        const inner = find(el.shadowRoot, tag);
        if (inner) return inner;
      }
    }
    return undefined;
  }
  setInterval(() => {
    prompt = prompt && prompt.isConnected ? prompt : find(document, 'lm-approval-prompt');
    if (!prompt || !prompt.shadowRoot) return;
    const now = Date.now();
    for (const card of prompt.shadowRoot.querySelectorAll('lm-approval-card')) {
      const id = card.shadowRoot && card.shadowRoot.querySelector('section[data-request]')?.dataset.request;
      if (id && !seen.has(id)) {
        seen.add(id);
        out.push([id, now]);
      }
    }
  }, 50);
})()`;

async function installPromptProbe(tab: AppPage): Promise<void> {
  await tab.page.evaluate(PROMPT_PROBE);
  if (process.env.S12_DOM !== '0') await tab.page.evaluate(DOM_PROBE);
}

const readDom = async (tab: AppPage): Promise<Map<string, number>> =>
  new Map(await tab.page.evaluate(() => (window as unknown as { s12dom?: [string, number][] }).s12dom ?? []));

type Seen = [string, string, number, number][];
/** A decision made on the tab: [request id, epoch ms when the operator decided]; a task first listed: [request id, epoch ms]. */
type Stamped = [string, number][];
const readDecided = async (tab: AppPage): Promise<Stamped> =>
  tab.page.evaluate(() => (window as unknown as { s12: { decided: Stamped } }).s12.decided);
/** A task first listed: [request id, epoch ms, its updatedAt (the task write, on the assigning node's clock)]. */
type Listed = [string, number, number][];
const readTasks = async (tab: AppPage): Promise<Listed> =>
  tab.page.evaluate(() => (window as unknown as { s12: { tasks: Listed } }).s12.tasks);
/** A request first listed as approved: [request id, epoch ms, its decidedAt (the decision write, on the deciding node's clock)]. */
const readApproved = async (tab: AppPage): Promise<Listed> =>
  tab.page.evaluate(() => (window as unknown as { s12: { approved: Listed } }).s12.approved);
/** The page's long tasks (> 50 ms, the browser's PerformanceObserver): [epoch ms at start, duration ms]. */
const readLongTasks = async (tab: AppPage): Promise<[number, number][]> =>
  tab.page.evaluate(() => (window as unknown as { s12: { longTasks: [number, number][] } }).s12.longTasks);
/** Each request's state as the tab's lists last showed it. */
const readLast = async (tab: AppPage): Promise<Record<string, string>> =>
  tab.page.evaluate(() => (window as unknown as { s12: { last: Record<string, string> } }).s12.last);
const readSeen = async (tab: AppPage): Promise<Seen> =>
  tab.page.evaluate(() => (window as unknown as { s12: { seen: Seen } }).s12.seen);

/** The threat write's wall-clock ms, from the request id (`<ms hex 12><counter hex 4><node id>`). */
const writtenAt = (requestId: string): number => parseInt(requestId.slice(0, 12), 16);

interface Window_ {
  readonly seconds: number;
  readonly workerA: number;
  readonly workerB: number;
  readonly mainA: number;
  readonly mainB: number;
  /** Each tab's map symbol worker (0 when the map draws on the page). */
  readonly symbolsA: number;
  readonly symbolsB: number;
  /** B's link to A was connected at the window's end. */
  readonly linked: boolean;
  /** Versions A's write-behind still had to persist at the window's end (local writes reach listeners once durable). */
  readonly pendingA: number;
  /** A's budgeter for its link to B (budgetStats): the `high` class's queued items at the window's end and its queue-to-wire p99 over the last 10 s. */
  readonly highQueued: number;
  readonly highP99: number;
}

const startedAt = new Date();
const app = await launchApp();
const windows: Window_[] = [];
const samplesA: number[] = [];
const samplesB: number[] = [];
/** Parts of A's figure: threat write → the gate raised the request (its requestedAt); raised → listed on A's page. */
const raiseA: number[] = [];
const listA: number[] = [];
/** HIGH → the prompt's card for the request rendered, on A and on B. */
const domA: number[] = [];
const domB: number[] = [];
let missedOnB = 0;
/** B's operator approves → A's tasks() lists the intercept task A assigned for it. */
const decideToTask: number[] = [];
let decisions = 0;
/**
 * The hops of the decision path (one machine clock): B's page decides → B's worker writes the
 * decision (its decidedAt); decidedAt → A's worker writes the task (its updatedAt: B durable,
 * signed, both pages, the channel, A's check, merge and durable decision, A's gate); the task write
 * → listed on A's page (A durable, the cue); decidedAt → the decision listed as approved on A.
 */
const hops = {
  decideWrite: [] as number[],
  writeTask: [] as number[],
  taskListed: [] as number[],
  approvedOnA: [] as number[],
};
/** The same hops, for the decisions whose decision → task took at least its p95: which hop makes the tail. */
const tailHops = { decideWrite: [] as number[], writeTask: [] as number[], taskListed: [] as number[] };
/** HIGH path on B: A's gate raised the request (requestedAt) → listed on B (A durable, signed, both pages, the channel, B's check, merge, durable, cue). */
const raisedToB: number[] = [];
let noTaskOnA = 0;
/** Of those, by the request's state as A's lists last showed it: closed before the decision came (cancelled, timed out, denied), approved, or never decided on A. */
const noTask = { closed: 0, approved: 0, undecided: 0 };
/** Each page's main thread in the windows: longest task, and the share of wall time spent in tasks over 50 ms. */
const longest = { a: 0, b: 0 };
const inLongTasks = { a: 0, b: 0 };
let requests = 0;
const loadDuring: number[] = [];
const meshWarnings: string[] = [];
try {
  const browserPid = app.browser.process()?.pid;
  if (browserPid === undefined) throw new Error('no browser process to read thread CPU time from');
  const lattice = `s12-${Math.floor(Math.random() * 1e9).toString(36)}`;
  // Open: the two tabs are separate devices (browser contexts), and the scenario is about the prompt, not admission.
  const query = `lattice=${lattice}&signal=websocket&open=1`;
  const contexts: BrowserContext[] = [
    await app.browser.createBrowserContext(),
    await app.browser.createBrowserContext(),
  ];
  const before = new Set(workerThreads(browserPid).map(key));
  const a = await app.openApp(query, contexts[0]);
  const ofA = workerThreads(browserPid).filter((t) => !before.has(key(t)));
  const b = await app.openApp(query, contexts[1]);
  const ofB = workerThreads(browserPid).filter((t) => !before.has(key(t)) && !ofA.some((x) => key(x) === key(t)));
  // Each tab runs two workers: the node's (started by the page's first script) and the map's symbol
  // layer (started when the map mounts, later): the node's thread is the one created first, so it
  // has the lower thread id.
  const byTid = (xs: Thread[]): Thread[] => [...xs].sort((x, y) => x.tid - y.tid);
  const [nodeA, symbolsA] = byTid(ofA);
  const [nodeB, symbolsB] = byTid(ofB);
  if (nodeA === undefined || nodeB === undefined || ofA.length > 2 || ofB.length > 2) {
    throw new Error(
      `expected one or two worker threads per tab, found ${ofA.length.toString()} and ${ofB.length.toString()}`,
    );
  }
  const mainOf = (w: Thread): Thread => ({ pid: w.pid, tid: w.pid, name: 'main' });
  const threads = {
    workerA: nodeA,
    workerB: nodeB,
    mainA: mainOf(nodeA),
    mainB: mainOf(nodeB),
    ...(symbolsA === undefined ? {} : { symbolsA }),
    ...(symbolsB === undefined ? {} : { symbolsB }),
  };
  if (threads.workerA.pid === threads.workerB.pid) throw new Error('both tabs share one renderer process');
  await waitConnected(a.page, b.nodeId, 60_000);
  await waitConnected(b.page, a.nodeId, 60_000);
  const via = await a.page.evaluate(
    async (id) => (await window.lattice.peers()).find((p) => p.id === id)?.via,
    b.nodeId,
  );
  log(`s12: ${a.nodeId.slice(0, 8)} ↔ ${b.nodeId.slice(0, 8)} linked via ${String(via)}`);
  if (BUDGET !== undefined) {
    for (const tab of [a, b])
      await tab.page.evaluate((rate) => window.lattice.setBudget('*', { bytesPerSecond: rate }), BUDGET);
    log(`s12: every link budgeted to ${BUDGET.toString()} B/s`);
  }
  await installPromptProbe(a);
  await installPromptProbe(b);
  // B's operator approves every other request it is shown: the task A assigns is timed on A.
  await b.page.evaluate(() => {
    (window as unknown as { s12: { approve: boolean } }).s12.approve = true;
  });
  await a.page.evaluate(
    (o) => window.lattice.simulate({ eo: { tracks: o.n, hz: o.hz }, radar: { tracks: o.n, hz: o.hz }, seed: o.seed }),
    { n: TRACKS, hz: HZ, seed: SEED },
  );
  log(
    `s12: simulating ${TRACKS.toString()} EO + ${TRACKS.toString()} radar tracks at ${HZ.toString()} Hz; warm-up ${WARM_UP_S.toString()} s`,
  );
  await new Promise((r) => setTimeout(r, WARM_UP_S * 1000));
  const countedFrom = Date.now();
  for (let k = 0; k < WINDOWS; k++) {
    const t0 = performance.now();
    const c0 = Object.fromEntries(Object.entries(threads).map(([n, t]) => [n, cpuNs(t)]));
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const seconds = (performance.now() - t0) / 1000;
    const share = (n: keyof typeof threads): number => {
      const t = threads[n];
      return t === undefined ? 0 : r1(((cpuNs(t) - c0[n]!) / 1e9 / seconds) * 100);
    };
    const w: Window_ = {
      seconds,
      workerA: share('workerA'),
      workerB: share('workerB'),
      mainA: share('mainA'),
      mainB: share('mainB'),
      symbolsA: share('symbolsA'),
      symbolsB: share('symbolsB'),
      linked: await b.page.evaluate(
        async (id) => (await window.lattice.peers()).some((p) => p.id === id && p.state === 'connected'),
        a.nodeId,
      ),
      pendingA: (await a.page.evaluate(() => window.lattice.stats())).storage.pending,
      ...(await a.page.evaluate(async (id) => {
        const high = (await window.lattice.budgetStats(id)).classes.high;
        return { highQueued: high.queued, highP99: high.latencyP99Ms };
      }, b.nodeId)),
    };
    windows.push(w);
    loadDuring.push(loadNow());
    log(
      `s12 window ${(k + 1).toString()}: worker A ${w.workerA.toString()} %, worker B ${w.workerB.toString()} %, ` +
        `main A ${w.mainA.toString()} %, main B ${w.mainB.toString()} % of one core; B ${w.linked ? 'linked to' : 'NOT linked to'} A; ` +
        `A's write-behind ${w.pendingA.toString()} versions behind; A's high class to B: ${w.highQueued.toString()} queued, p99 ${w.highP99.toString()} ms`,
    );
  }
  // Let the last requests reach B before reading.
  await new Promise((r) => setTimeout(r, 3000));
  const seenA = await readSeen(a);
  const seenB = new Map((await readSeen(b)).map(([, id, t]) => [id, t]));
  const cardsA = await readDom(a);
  const cardsB = await readDom(b);
  for (const [, id, tA, raised] of seenA) {
    const at = writtenAt(id);
    if (at < countedFrom) continue;
    requests++;
    samplesA.push(tA - at);
    raiseA.push(raised - at);
    listA.push(tA - raised);
    const cardA = cardsA.get(id);
    if (cardA !== undefined) domA.push(cardA - at);
    const cardB = cardsB.get(id);
    if (cardB !== undefined) domB.push(cardB - at);
    const tB = seenB.get(id);
    if (tB === undefined) missedOnB++;
    else {
      samplesB.push(tB - at);
      raisedToB.push(tB - raised);
    }
  }
  const tasksOnA = new Map((await readTasks(a)).map(([id, t, written]) => [id, [t, written] as const]));
  const approvedOnA = new Map((await readApproved(a)).map(([id, t, decided]) => [id, [t, decided] as const]));
  const lastOnA = await readLast(a);
  const hopRows: { total: number; decideWrite: number; writeTask: number; taskListed: number }[] = [];
  for (const [id, decidedAt] of await readDecided(b)) {
    if (writtenAt(id) < countedFrom) continue;
    decisions++;
    const listed = tasksOnA.get(id);
    if (listed === undefined) {
      noTaskOnA++;
      const state = lastOnA[id];
      if (state === 'approved') noTask.approved++;
      else if (state === 'cancelled' || state === 'timed_out' || state === 'denied') noTask.closed++;
      else noTask.undecided++;
    } else decideToTask.push(listed[0] - decidedAt);
    const approved = approvedOnA.get(id);
    if (approved === undefined || listed === undefined) continue;
    const [seenAt, written] = approved;
    hops.approvedOnA.push(seenAt - written);
    hopRows.push({
      total: listed[0] - decidedAt,
      decideWrite: written - decidedAt,
      writeTask: listed[1] - written,
      taskListed: listed[0] - listed[1],
    });
  }
  for (const h of hopRows) {
    hops.decideWrite.push(h.decideWrite);
    hops.writeTask.push(h.writeTask);
    hops.taskListed.push(h.taskListed);
  }
  const tailFrom = percentile(
    hopRows.map((h) => h.total),
    0.95,
  );
  for (const h of hopRows.filter((x) => x.total >= tailFrom)) {
    tailHops.decideWrite.push(h.decideWrite);
    tailHops.writeTask.push(h.writeTask);
    tailHops.taskListed.push(h.taskListed);
  }
  log(
    `s12: decision hops p50/p99: page→decision write ${median(hops.decideWrite).toString()}/${percentile(hops.decideWrite, 0.99).toString()}, ` +
      `decision write→task write on A ${median(hops.writeTask).toString()}/${percentile(hops.writeTask, 0.99).toString()}, ` +
      `task write→listed on A ${median(hops.taskListed).toString()}/${percentile(hops.taskListed, 0.99).toString()}; ` +
      `tail (≥ p95, ${tailHops.writeTask.length.toString()}) medians ${median(tailHops.decideWrite).toString()} / ${median(tailHops.writeTask).toString()} / ${median(tailHops.taskListed).toString()}; ` +
      `raised on A → listed on B p50 ${median(raisedToB).toString()} p99 ${percentile(raisedToB, 0.99).toString()}`,
  );
  const countedTo = Date.now();
  for (const [k, tab] of [
    ['a', a],
    ['b', b],
  ] as const) {
    const tasks = (await readLongTasks(tab)).filter(([at]) => at >= countedFrom && at < countedTo);
    longest[k] = Math.round(Math.max(0, ...tasks.map(([, d]) => d)));
    inLongTasks[k] = r1((tasks.reduce((n, [, d]) => n + d, 0) / (countedTo - countedFrom)) * 100);
  }
  const stats = await a.page.evaluate(() => window.lattice.stats());
  log(
    `s12: ${requests.toString()} requests raised in the windows (${seenA.length.toString()} in all); ` +
      `A p50 ${median(samplesA).toString()} ms p95 ${percentile(samplesA, 0.95).toString()} ms ` +
      `(write → raised p50 ${median(raiseA).toString()}, raised → listed p50 ${median(listA).toString()}); ` +
      `B p50 ${median(samplesB).toString()} ms p95 ${percentile(samplesB, 0.95).toString()} ms; ` +
      `cards: A ${domA.length.toString()} p50 ${median(domA).toString()} ms, B ${domB.length.toString()} p50 ${median(domB).toString()} ms; ` +
      `${missedOnB.toString()} never seen pending on B; A holds ${stats.entities.toString()} entities; ` +
      `B approved ${decisions.toString()}, A listed the task of ${decideToTask.length.toString()} ` +
      `(decision → task p50 ${median(decideToTask).toString()} ms, p99 ${percentile(decideToTask, 0.99).toString()} ms)`,
  );
  await a.page.evaluate(() => window.lattice.stopSimulation());
  meshWarnings.push(...app.consoleErrors.filter((l) => /\[lattice node\] mesh: link/.test(l)));
  const errors = app.consoleErrors.filter((l) => !/favicon/i.test(l));
  if (errors.length > 0) log(`s12: console: ${errors.slice(0, 5).join(' | ')}`);
} finally {
  await app.close();
}
if (samplesA.length === 0) throw new Error('no HIGH threat raised a request during the windows');

const per = (f: (w: Window_) => number): number[] => windows.map(f);
const rows: Row[] = [
  {
    case: "A's worker (simulator, classifier, gate, 2k tracks at 1 Hz): CPU share of one core",
    unit: '%',
    better: 'lower',
    ours: stat(per((w) => w.workerA)),
  },
  {
    case: "B's worker (merging A's tracks and requests): CPU share of one core",
    unit: '%',
    better: 'lower',
    ours: stat(per((w) => w.workerB)),
  },
  {
    case: "part: A's page main thread (mesh, watch batches): CPU share",
    unit: '%',
    better: 'lower',
    ours: stat(per((w) => w.mainA)),
  },
  {
    case: "part: B's page main thread: CPU share",
    unit: '%',
    better: 'lower',
    ours: stat(per((w) => w.mainB)),
  },
  {
    case: "part: A's map symbol worker (draws the 2,000 moving tracks): CPU share",
    unit: '%',
    better: 'lower',
    ours: stat(per((w) => w.symbolsA)),
  },
  {
    case: "part: B's map symbol worker: CPU share",
    unit: '%',
    better: 'lower',
    ours: stat(per((w) => w.symbolsB)),
  },
  {
    case: `threat turns HIGH on A → pending in approvals() on A (same node), p50 of ${samplesA.length.toString()}`,
    unit: 'ms',
    better: 'lower',
    ours: stat([median(samplesA)]),
  },
  {
    case: 'threat turns HIGH on A → pending in approvals() on A, p95',
    unit: 'ms',
    better: 'lower',
    ours: stat([percentile(samplesA, 0.95)]),
  },
  {
    case: 'threat turns HIGH on A → pending in approvals() on A, p99',
    unit: 'ms',
    better: 'lower',
    ours: stat([percentile(samplesA, 0.99)]),
  },
  ...(samplesB.length === 0
    ? []
    : [
        {
          case: `threat turns HIGH on A → pending in approvals() on B (meshed), p50 of ${samplesB.length.toString()}`,
          unit: 'ms',
          better: 'lower' as const,
          ours: stat([median(samplesB)]),
        },
        {
          case: 'threat turns HIGH on A → pending in approvals() on B, p95',
          unit: 'ms',
          better: 'lower' as const,
          ours: stat([percentile(samplesB, 0.95)]),
        },
        {
          case: 'threat turns HIGH on A → pending in approvals() on B, p99',
          unit: 'ms',
          better: 'lower' as const,
          ours: stat([percentile(samplesB, 0.99)]),
          target: P99_TARGET,
        },
      ]),
  ...(decideToTask.length === 0
    ? []
    : [
        {
          case: `decision on B (approve) → the task listed by A's tasks(), p50 of ${decideToTask.length.toString()}`,
          unit: 'ms',
          better: 'lower' as const,
          ours: stat([median(decideToTask)]),
        },
        {
          case: "decision on B (approve) → the task listed by A's tasks(), p99",
          unit: 'ms',
          better: 'lower' as const,
          ours: stat([percentile(decideToTask, 0.99)]),
          target: P99_TARGET,
        },
      ]),
  {
    case: 'approvals B made in the windows whose task A had not listed when read (3 s after the windows)',
    unit: 'decisions',
    better: 'lower',
    ours: stat([noTaskOnA]),
  },
  ...(
    [
      ['A (same node)', domA],
      ['B (meshed)', domB],
    ] as const
  ).flatMap(([where, xs]): Row[] =>
    xs.length === 0
      ? []
      : [
          {
            case: `threat turns HIGH on A → the prompt's card rendered on ${where}, p50 of ${xs.length.toString()}`,
            unit: 'ms',
            better: 'lower',
            ours: stat([median(xs)]),
          },
          {
            case: `threat turns HIGH on A → the prompt's card rendered on ${where}, p95`,
            unit: 'ms',
            better: 'lower',
            ours: stat([percentile(xs, 0.95)]),
          },
          {
            case: `threat turns HIGH on A → the prompt's card rendered on ${where}, p99`,
            unit: 'ms',
            better: 'lower',
            ours: stat([percentile(xs, 0.99)]),
          },
        ],
  ),
  {
    case: "approvals without a task on A: A's lists last showed the request cancelled, timed out or denied (closed before the decision came: no task is owed)",
    unit: 'decisions',
    better: 'lower',
    ours: stat([noTask.closed]),
  },
  {
    case: 'approvals without a task on A: A last showed the request approved (a task owed, not listed)',
    unit: 'decisions',
    better: 'lower',
    ours: stat([noTask.approved]),
  },
  {
    case: 'approvals without a task on A: A last showed the request pending, or never listed (the decision had not reached A)',
    unit: 'decisions',
    better: 'lower',
    ours: stat([noTask.undecided]),
  },
  {
    case: "part: A's budgeter, its link to B, `high` class (approvals, tasks, HIGH threats and HIGH tracks' motion): queue → wire p99 over each window's last 10 s (budgetStats)",
    unit: 'ms',
    better: 'lower',
    ours: stat(per((w) => w.highP99)),
  },
  {
    case: "part: A's budgeter, `high` class: items queued at a window's end",
    unit: 'items',
    better: 'lower',
    ours: stat(per((w) => w.highQueued)),
  },
  {
    case: "part: A's threat write → A's gate raised the request (requestedAt), p50",
    unit: 'ms',
    better: 'lower',
    ours: stat([median(raiseA)]),
  },
  {
    case: "part: raised → listed by A's approvals() (approval write durable, batch, call), p50",
    unit: 'ms',
    better: 'lower',
    ours: stat([median(listA)]),
  },
  ...(raisedToB.length === 0
    ? []
    : [
        {
          case: "part: A's gate raised the request → listed on B (A durable, signed, both pages, the channel, B's check, merge, durable, cue), p50",
          unit: 'ms',
          better: 'lower' as const,
          ours: stat([median(raisedToB)]),
        },
        {
          case: 'part: raised on A → listed on B, p99',
          unit: 'ms',
          better: 'lower' as const,
          ours: stat([percentile(raisedToB, 0.99)]),
        },
      ]),
  ...(hops.writeTask.length === 0
    ? []
    : (
        [
          ["decision: B's page decides → B's worker wrote the decision (its decidedAt)", 'decideWrite'],
          ["decision: B's decision write → A's worker wrote the task (its updatedAt)", 'writeTask'],
          ["decision: A's task write → the task listed on A's page", 'taskListed'],
        ] as const
      ).flatMap(([what, k]): Row[] => [
        {
          case: `part: ${what}, p50 / p99`,
          unit: 'ms',
          better: 'lower',
          ours: stat([median(hops[k])]),
          note: `p99 ${percentile(hops[k], 0.99).toLocaleString('en-US')} ms; median over the decisions at or above the decision → task p95: ${median(tailHops[k]).toLocaleString('en-US')} ms`,
        },
      ])),
  {
    case: "part: A's page main thread (it relays the mesh frames and runs the prompt): its longest task in the windows",
    unit: 'ms',
    better: 'lower',
    ours: stat([longest.a]),
  },
  {
    case: "part: A's page main thread: share of the windows' wall time in tasks over 50 ms",
    unit: '%',
    better: 'lower',
    ours: stat([inLongTasks.a]),
  },
  {
    case: "part: B's page main thread: its longest task in the windows",
    unit: 'ms',
    better: 'lower',
    ours: stat([longest.b]),
  },
  {
    case: "A's write-behind backlog at a window's end (local writes reach the gate and peers once durable)",
    unit: 'versions',
    better: 'lower',
    ours: stat(per((w) => w.pendingA)),
  },
  {
    case: "windows ending with B's link to A connected",
    unit: 'windows',
    better: 'higher',
    ours: stat([windows.filter((w) => w.linked).length]),
  },
  {
    case: 'requests A raised in the windows that B never listed as pending',
    unit: 'requests',
    better: 'lower',
    ours: stat([missedOnB]),
  },
];

let budgetLine = '';
if (FLOODED) {
  budgetLine = `Both tabs budget every link to ${(BUDGET ?? 0).toLocaleString('en-US')} B/s (\`setBudget('*', {bytesPerSecond: ${(BUDGET ?? 0).toString()}})\`, scenario 3's 64 kbit/s hop, docs/budgeter.md) before the simulation starts, so A's 2,000 reports/s flood the link: positions are coalesced and deferred by the budgeter, the gate's writes pass in its high class. The link itself is the real WebRTC channel on one machine (no added latency or loss, unlike scenario 3's shaper).`;
}
await saveResult({
  id: FLOODED ? 's12-flood' : 's12',
  scenario: 12,
  title: FLOODED
    ? 'human on the loop over a flooded 64 kbit/s link: 1,000 targets, HIGH threat → approval prompt'
    : 'human on the loop: the C2 pipeline at 1,000 targets, HIGH threat → approval prompt',
  target: FLOODED
    ? 'HIGH on node A → prompt on node B, and a decision on B → the task on A: p99 < 2 s on the 64 kbit/s flooded link of scenario 3 (< 500 ms unconstrained: the section above)'
    : 'HIGH on node A → prompt on node B, and a decision on B → the task on A: p99 < 500 ms on an unconstrained link (< 2 s on the 64 kbit/s flooded link of scenario 3: the next section; worker CPU share: reported, no target yet)',
  reference: '— (no peer has a replicated gate)',
  quick: QUICK,
  runs: windows.length,
  peers: [],
  rows,
  notes: [
    ...(budgetLine === '' ? [] : [budgetLine]),
    `Two tabs of the built app in one headless Chromium, each in its own browser context (two devices), meshed through the app server's WebSocket signaling over WebRTC. ` +
      `Tab A runs \`simulate({eo: {tracks: ${TRACKS.toString()}, hz: ${HZ.toString()}}, radar: {tracks: ${TRACKS.toString()}, hz: ${HZ.toString()}}, seed: ${SEED.toString()}})\`: ` +
      `(1,000 targets, each followed by both sensors: 2,000 track entities, 2,000 reports/s); its worker writes the sensor tracks, classifies them and raises the approval requests (default 30 s deadline, nobody decides, so they time out); B only merges. ` +
      `${WARM_UP_S.toString()} s warm-up, then ${windows.length.toString()} windows of ${WINDOW_S.toString()} s.`,
    "CPU share: the CPU time Linux charged to each tab's `DedicatedWorker` thread (and, as parts, to each renderer's main thread) in a window, over the window's wall time " +
      '(100 % = one full core; the machine has 2, shared). Read from /proc/<pid>/task/<tid>/schedstat outside the browser, so the worker runs unmodified and unprofiled; ' +
      "it counts everything the thread does (simulation tick, local writes, classifier, gate, merge, change feed, GC on that thread), not V8's GC helper threads. " +
      `Rows give the median (min–max) over the windows. Load average during the windows: ${loadDuring.map((l) => l.toFixed(1)).join(', ')}.`,
    `Latency: from the threat write that turned a track HIGH (its HLC ms, carried in the request id; on a fresh node that is the wall clock at the write) to the moment the tab, ` +
      'doing what the approval prompt does (on a `watch()` batch flagged `approvals: true`, take the lists the batch carries, or call `approvals()` when it carries none), first lists the request as pending; both on one machine clock, ms resolution. ' +
      `Pooled over the ${requests.toString()} requests raised during the windows (nearest-rank percentiles). ` +
      "It includes the classifier tick that writes the threat to the gate raising the request, the request's write becoming durable, the ≤ 16 ms change batching and the cue's crossing to the page; on B also the mesh. " +
      '"Listed" is `approvals()` on the page listing the request; "card rendered" (when present) is the prompt\'s `lm-approval-card` for the request found in the DOM by a 50 ms poll from outside the components.' +
      " The decision path: B's tab approves every other request it lists, as soon as it lists it (`decide(entityId, 'approve', requestId)`), stamping Date.now(); A's tab stamps when the request's intercept task (A assigns it: A raised the request) first shows in the lists a cue carries, or in `tasks()`; latency = A's stamp − B's.",
    ...(meshWarnings.length === 0
      ? []
      : [
          `The mesh link did not hold under this load: ${meshWarnings.length.toString()} link warning(s) in the tabs' consoles, e.g. ${meshWarnings
            .slice(0, 2)
            .map((l) => `"${l}"`)
            .join(
              ', ',
            )}. Requests raised while B was unlinked reach B only after a reconnect, or never (the row above), so B's latency rows describe the requests B did see.`,
        ]),
    `Measured parts (this run): A's gate raises a request ${median(raiseA).toLocaleString('en-US')} ms (p50) after the threat write; ` +
      `A's write-behind backlog at a window's end is ${median(per((w) => w.pendingA)).toLocaleString('en-US')} versions (median; a local write reaches the page and the peers once durable). ` +
      `A's page ran tasks over 50 ms for ${inLongTasks.a.toString()} % of the windows' wall time (longest ${longest.a.toLocaleString('en-US')} ms; B's longest ${longest.b.toLocaleString('en-US')} ms) ` +
      `while using ${median(per((w) => w.mainA)).toString()} % of a core. Every hop of the prompt's path crosses a page's main thread: the approvals cue on A; towards B, ` +
      "A's page relaying the frames to the data channel, B's page relaying them to its worker, then B's cue.",
    'Where the time goes. The hops of the decision path are timed by this bench from the fields `approvals()` and `tasks()` already carry (the rows "part: decision: …"; one machine clock, nothing added to the product). ' +
      "Measured on the code before the round of 2026-12-04 19:50 UTC (19:27, load average 15–19): of the decisions whose decision → task took its p95 or more, B's decision write → A's task write took a median of 10.2 s (B durable, signed, both pages, the channel, A's check, merge, durable decision, A's gate), B's page → B's decision write 0.16 s, A's task write → listed on A 1.2 s; on the flooded link the tail was A's task write → listed on A (5.6 s: A's durable task and the cue). " +
      "Every one of those hops is a wait in a busy thread's queue, and the durable ones wait for the bulk commit in flight, which was the whole write-behind backlog (up to 6,800 versions at a window's end). " +
      "What the workers' long tasks are made of (CDP CPU profiles, `bench/profile-s12.ts` with `bench/lib/cpu-profile-tasks.ts`, 2026-12-04 16:47 UTC, load 7–11): on A the simulator's tick (target reports, then the group signer hashing the leaves of the tick's writes), the write-behind's commits and the change feed's emit, the classifier (0.35–0.55 s stretches at that load); on B checking and merging A's frames (the new-register precheck, SHA-256 of the leaves, the verified-versions cache). " +
      'Built in the round of 19:50 (docs/c2-pipeline.md, "The priority lane"): the classifier judges at most 200 tracks per task; a bulk commit holds at most 1,024 versions plus one whole write, so a priority write waits behind one bounded commit; the change feed tells the approvals cue before it builds the views of a batch. ' +
      "The pages already relay the frames without copying or decoding them: a data-channel message's buffer is transferred whole to the worker, and the worker's frame is sent as it came; what is left on a page per frame is simple-peer's stream and a postMessage.",
    "The machine is shared by several engineers' jobs: absolute figures move between runs; read them as an order of magnitude.",
  ],
  startedAt: startedAt.toISOString(),
  durationMs: Date.now() - startedAt.getTime(),
  machine: machine(),
});
log('s12: saved');
