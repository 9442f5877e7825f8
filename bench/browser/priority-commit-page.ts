/**
 * The page of bench/priority-commit.ts: a WriteBehind over IdbStorage in Chromium, as the node's
 * worker runs them. Each round enqueues a bulk write of 1,024 positions (superseding the last
 * round's, as a track flood does), waits for its commit to be in flight, then enqueues one
 * approval in the priority lane, and times both until durable (docs/c2-pipeline.md, "The priority lane").
 */
import { deleteIdbStorage, openIdbStorage } from '../../src/adapters/idb';
import type { ComponentKind, EntityId, NodeId } from '../../src/core/ids';
import type { Version } from '../../src/core/merge/version';
import { WriteBehind } from '../../src/node/write-behind';
import { versionKey } from '../../src/ports/storage';

const BULK = 1024;
const sig = Uint8Array.from({ length: 64 }, (_, i) => i);

function version(entity: string, kind: string, value: Version['value'], ms: number): Version {
  return {
    entity: entity as EntityId,
    kind: kind as ComponentKind,
    value,
    ts: { ms, c: 0, node: 'A' as NodeId },
    seen: [],
    sig,
  };
}

const position = (i: number, round: number): Version =>
  version(
    `track-${i.toString()}`,
    'position',
    { lat: 51 + i * 1e-5 + round * 1e-7, lon: -0.4, alt: 100 },
    1.7e12 + round * 10_000 + i,
  );

interface Result {
  readonly priorityMs: number[];
  readonly bulkMs: number[];
  /** Rounds where the approval was durable before the bulk commit it was enqueued behind. */
  readonly overtook: number;
}

/**
 * Keeps the thread busy in tasks of `ms` each, one after another, until stopped: the node's worker
 * under scenario 12's load, where classifier slices, fusion scans and merges queue up. An
 * IndexedDB transaction commits only once the thread has handled its requests' success events, so
 * a transaction's life then spans several of these tasks.
 */
function busy(ms: number): () => void {
  let on = ms > 0;
  const burn = (): void => {
    if (!on) return;
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // busy
    }
    setTimeout(burn, 0);
  };
  setTimeout(burn, 0);
  return () => (on = false);
}

async function run(rounds: number, busyMs = 0): Promise<Result> {
  const stop = busy(busyMs);
  const name = `priority-commit-${Date.now().toString()}`;
  const storage = await openIdbStorage(name);
  const writer = new WriteBehind(storage);
  const priorityMs: number[] = [];
  const bulkMs: number[] = [];
  let overtook = 0;
  let previous: Version[] = [];
  for (let r = 0; r < rounds; r++) {
    const put = Array.from({ length: BULK }, (_, i) => position(i, r));
    const t0 = performance.now();
    let bulkDone = false;
    const bulk = writer.enqueue(put, previous.map(versionKey)).then(() => {
      bulkDone = true;
      bulkMs.push(performance.now() - t0);
    });
    previous = put;
    // The bulk commit starts in a microtask (the write-behind's flush): two hops later its
    // transaction exists and its requests are issued, with no task run in between.
    for (let k = 0; k < 2; k++) await new Promise<void>((resolve) => queueMicrotask(resolve));
    const approval = version(
      `request-${r.toString()}`,
      'approval',
      { requestId: `r${r.toString()}`, state: 'approved' },
      1.8e12 + r,
    );
    const t1 = performance.now();
    await writer.enqueue([approval], [], { clock: r }, [], undefined, 'priority');
    priorityMs.push(performance.now() - t1);
    if (!bulkDone) overtook += 1;
    await bulk;
  }
  stop();
  await writer.flushed();
  await storage.close();
  await deleteIdbStorage(name);
  return { priorityMs, bulkMs, overtook };
}

(window as unknown as { pc: unknown }).pc = { run };
