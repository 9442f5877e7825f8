import * as Automerge from '@automerge/automerge';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as Y from 'yjs';
import type { ComponentValue } from '../src/core/entity/component-types';
import { validateComponent } from '../src/core/entity/validate-component';
import type { Version } from '../src/core/merge/version';
import { EntityStore } from '../src/core/store/entity-store';
import { decodeVersions, encodeVersions, IdCache } from '../src/core/wire';
import { QUICK, RUNS, gc, log, machine } from './lib/measure';
import type { Row } from './lib/result';
import { saveResult } from './lib/save';
import { stat } from './lib/stats';
import { fresh, runningNode, s10Data } from './lib/s10-node';
import { BATCH } from './lib/workload';

/**
 * Scenario 10 (docs/performance.md): memory for N entities × 6 components. Each figure comes from a
 * fresh Node process (--expose-gc): heapUsed after a full GC with the structure alive, minus
 * heapUsed after a full GC before building it (the input is built before the first reading).
 */
type Variant = 'decoded' | 'local' | 'node' | 'node-warm' | 'versions' | 'values' | 'yjs' | 'automerge';

interface Sample {
  readonly heap: number;
  readonly external: number;
}

/** Runs in the child: builds one structure and reports its heap growth. */
async function child(variant: Variant, n: number): Promise<Sample> {
  const versions = s10Data(n);
  const bytes: Uint8Array[] = [];
  for (let i = 0; i < versions.length; i += BATCH) bytes.push(encodeVersions(versions.slice(i, i + BATCH)));
  if (variant === 'node-warm') {
    // A running node of 1,000 entities built and dropped first: what the process keeps once any node
    // has run (compiled code, V8's caches, modules' lazy state) is then in both readings, and the
    // figure is what a node holds for its entities.
    const warm = s10Data(1000);
    const warmBytes: Uint8Array[] = [];
    for (let i = 0; i < warm.length; i += BATCH) warmBytes.push(encodeVersions(warm.slice(i, i + BATCH)));
    await runningNode(warmBytes);
  }
  // Inputs stay alive until after the second reading, so freeing them cannot offset the figure;
  // whatever the structure keeps is built from them during the measurement (copies, not shares).
  gc();
  gc();
  const m0 = process.memoryUsage();
  let keep: unknown;
  switch (variant) {
    case 'decoded': {
      const store = new EntityStore();
      const ids = new IdCache();
      for (const b of bytes) for (const v of decodeVersions(b, { ids })) store.apply(v);
      keep = store;
      break;
    }
    case 'node':
    case 'node-warm':
      keep = await runningNode(bytes);
      break;
    case 'versions': {
      // The decoded versions alone, in one array: the store's own structure is the rest.
      const ids = new IdCache();
      const all: Version[] = [];
      for (const b of bytes) for (const v of decodeVersions(b, { ids })) all.push(v);
      keep = all;
      break;
    }
    case 'values': {
      const ids = new IdCache();
      const all: unknown[] = [];
      for (const b of bytes) for (const v of decodeVersions(b, { ids })) all.push(v.value);
      keep = all;
      break;
    }
    case 'local': {
      // As a local writer stores them: values normalised by validateComponent, a clock object per write.
      const store = new EntityStore();
      for (const v of versions) {
        store.apply({ ...v, entity: fresh(v.entity), ts: { ...v.ts }, value: validateComponent(v.kind, v.value) });
      }
      keep = store;
      break;
    }
    case 'yjs': {
      const doc = new Y.Doc();
      const root = doc.getMap<Y.Map<ComponentValue>>('entities');
      for (let i = 0; i < versions.length; i += 6 * 1000) {
        doc.transact(() => {
          for (let j = i; j < Math.min(i + 6 * 1000, versions.length); j += 6) {
            const m = new Y.Map<ComponentValue>();
            for (let k = 0; k < 6; k++) m.set(versions[j + k]!.kind, structuredClone(versions[j + k]!.value!));
            root.set(versions[j]!.entity, m);
          }
        });
      }
      keep = doc;
      break;
    }
    case 'automerge': {
      const entities: Record<string, Record<string, unknown>> = {};
      for (const v of versions) (entities[v.entity] ??= {})[v.kind] = structuredClone(v.value);
      keep = Automerge.from<{ entities: typeof entities }>({ entities });
      break;
    }
  }
  gc();
  gc();
  const m1 = process.memoryUsage();
  if (keep === undefined || versions.length + bytes.length === 0) throw new Error('nothing built');
  const external = m1.external - m0.external;
  // Our store keeps lean registers in typed arrays (src/core/store/lean-columns.ts), whose backing
  // stores V8 counts as external memory, not heapUsed: they are the worker's memory all the same.
  const ours = variant === 'decoded' || variant === 'local' || variant === 'node' || variant === 'node-warm';
  return { heap: m1.heapUsed - m0.heapUsed + (ours ? external : 0), external };
}

function measure(variant: Variant, n: number): Sample {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=6144', '--import', 'tsx', fileURLToPath(import.meta.url), variant, String(n)],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`s10 child ${variant} ${n} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Sample;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  // 1M (docs/performance.md's sweep) in the full sweep only, one run of the running node and of Yjs:
  // each is a fresh process of ~10 minutes on this machine kind.
  const sizes = QUICK ? [1000, 10_000, 100_000] : [1000, 10_000, 100_000, 1_000_000];
  const automergeMax = QUICK ? 1000 : 10_000;
  const yjsRuns = QUICK ? 3 : RUNS;
  const rows: Row[] = [];
  const target = { text: '≤ 100 B', value: 100 };
  const k = (n: number): string => `${n / 1000}k`;
  let automergeExternal = '';
  for (const n of sizes) {
    const components = n * 6;
    const per = (variant: Variant, runs: number): number[] => {
      log(`s10: ${variant}, ${k(n)} entities × 6, ${runs} run(s)`);
      return Array.from({ length: runs }, () => measure(variant, n).heap / components);
    };
    const runs = n >= 1_000_000 ? 1 : n >= 100_000 ? yjsRuns : RUNS;
    const yjs = stat(per('yjs', runs));
    if (n >= 1_000_000) {
      rows.push({
        case: `${k(n)} entities: running node (store + sync index) filled from wire batches (one run)`,
        unit: 'B/component',
        better: 'lower',
        ours: stat(per('node', 1)),
        peers: { Yjs: yjs, Automerge: null },
        target,
      });
      continue;
    }
    let automerge = null;
    if (n <= automergeMax) {
      const s = measure('automerge', n);
      automerge = stat([s.heap / components]);
      automergeExternal += ` ${k(n)}: ${Math.round(s.external / components)} B/component outside the JS heap;`;
    }
    const peers = { Yjs: yjs, Automerge: automerge };
    rows.push(
      {
        case: `${k(n)} entities: store filled from wire batches`,
        unit: 'B/component',
        better: 'lower',
        ours: stat(per('decoded', runs)),
        peers,
        target,
      },
      ...(n < 10_000
        ? []
        : [
            {
              case: `${k(n)} entities: running node (store + sync index) filled from wire batches`,
              unit: 'B/component',
              better: 'lower' as const,
              ours: stat(per('node', runs)),
              peers,
              target,
            },
          ]),
      ...(n !== 10_000
        ? []
        : [
            {
              // No target: what a node holds for its entities once the process's one-time costs are paid.
              case: `${k(n)} entities: running node, built after a 1k node was dropped (the process's one-time costs excluded)`,
              unit: 'B/component',
              better: 'lower' as const,
              ours: stat(per('node-warm', runs)),
              peers,
            },
          ]),
      {
        case: `${k(n)} entities: local writes (validateComponent values)`,
        unit: 'B/component',
        better: 'lower',
        ours: stat(per('local', runs)),
        peers,
      },
    );
  }
  // Where the bytes go, at 100k (one run each: these are for the notes).
  const n = 100_000;
  const c = n * 6;
  const store = measure('decoded', n).heap / c;
  const versionsOnly = measure('versions', n).heap / c;
  const valuesOnly = measure('values', n).heap / c;
  const breakdown =
    `Where our ${Math.round(store)} B per component go (${k(n)} entities, measured by building less): the store keeps ` +
    "no decoded object of a sensor's track: each lean register is a row of typed arrays (src/core/store/" +
    "lean-columns.ts): the head's timestamp (ms float64, counter and author index uint16: 12 B), a shape byte, its " +
    "value's numbers as float64 and its strings as uint16 indices (2–32 B by kind), in arrays doubled to 4,096 rows, " +
    'then grown by an eighth; per entity an EntityState, its entry ' +
    `in the store's Map and its id. The decoded values, Versions and Timestamps it reads them from take ` +
    `${Math.round(versionsOnly)} B per component on their own (the values ${Math.round(valuesOnly - 8)} B), and are ` +
    'garbage once merged.';
  const history =
    'Lean registers (issue 8, 2026-12-04): a register whose one head is all it knows (one author, no context: a ' +
    "sensor's track) is that head alone, with no heads array and no Knowledge (made on demand when a second author, a " +
    'context, a tombstone or a floor needs one, and dropped again when the head is all that is left), and an entity ' +
    'keeps its six common kinds in one fixed slot array instead of two Maps keyed by kind (src/core/store/' +
    'entity-state.ts). Measured before and after back to back (100k entities, one run each): from the wire 386 → 173 ' +
    "B/component, local writes 504 → 292 B/component; the store's own structure 237 → 25 B. What is left is the " +
    'decoded objects themselves, 148 B of values, Versions and Timestamps, already past the ≤ 100 B target: it needs ' +
    'the columnar step (see docs/architecture.md, "Toward a columnar store"). ' +
    "The merge rework of 2026-12-03 keeps a register's first author inline in its knowledge (before: an array grown " +
    'to 17 slots and an entry object for every component) and makes head arrays exactly as long as needed. Measured ' +
    'before and after back to back (100k entities, one run each): from the wire 570 → 386 B/component, local ' +
    'writes 688 → 504 B/component. The previous table here (2026-11-22, 263 B from the wire) predates the ' +
    'per-register knowledge that the zero-divergence work of issue 8 added.';

  await saveResult({
    id: 's10',
    scenario: 10,
    title: 'memory for N entities × 6 components',
    target: '≤ 100 B per component in the worker heap, measured beside Yjs holding the same data',
    reference:
      'Yjs 13.6 holding the scenario-1 data: ~670 B per component of JS heap on this machine kind; Automerge 3 cut memory 10×+ vs v2 (automerge.org blog); crdt-benchmarks count only the JS heap (docs/performance.md)',
    quick: QUICK,
    runs: RUNS,
    peers: ['Yjs', 'Automerge'],
    rows,
    notes: [
      'Each figure: a fresh process per run, JS heap growth after two full GCs divided by N × 6 (bench/s10-memory.ts). ' +
        'Components as in scenario 1 (position with altitude, velocity, classification, threat, source, expiry), one ' +
        'version each, one author per entity. Yjs: one Y.Doc, a root Y.Map of one Y.Map per entity. Automerge: ' +
        'Automerge.from of the same nested object (one run; building 100k entities takes minutes).',
      `Automerge keeps its document in WebAssembly memory, which is not JS heap: measured as growth of ` +
        `process.memoryUsage().external,${automergeExternal} its JS-heap figure is the materialised JS object.`,
      breakdown,
      history,
      "Columnar store (2026-12-04): 173.5 → 69.7 B per component from the wire at 100k (local writes 291.5 → 69.5 B), measured back to back at load 2.1–2.5; the figures count the typed arrays too (V8 reports them as `external`, not heap: the heap alone is 21 B). Met at 10k and 100k; at 1k the arrays' doubling and the interned tables are a larger share (144 B from the wire). What this figure is: the store. In the running worker the sync index still keeps each stored Version object for answering wants (src/core/sync/sync-index.ts) and each signed version keeps its proof, so there the decoded objects are not garbage and most of the saving does not show yet: the index should hold ids and read versions back from the store.",
      "Second columnar step (2026-12-04, evening): this run measures the store after the one-pass update and the decoder's new repeat check (scenario 1); neither changes what the store holds, and the figures are those of the run before (69.8 against 69.7 B per component at 100k). Still not measured here: the running node's heap. Its sync index (src/core/sync/sync-index.ts) keeps, per stored version, the Version itself (so its value, Timestamp and Version objects stay alive: about 156 B, see above), an Item with the 16-byte id as its own Uint8Array, a Map entry keyed by the id as text and a WeakMap entry from the Version to that text; holding ids and row references instead and reading versions back from the store when serving wants was not started in this step.",
      "Running node (issue 8, 2026-12-05): the store's figure above is not what the worker holds. The rows \"running node\" measure a LatticeNode over a MemoryStorage (its copy dropped once committed: in the worker it is IndexedDB, outside the heap) with its MeshNode, filled by applyRemote from the same wire batches, with the sync index's snapshot taken as a reconciliation takes it (bench/s10-memory.ts, variant `node`; heap and typed arrays). Before, the sync index (src/core/sync/sync-index.ts) kept per stored version the decoded Version (its value and Timestamp), an Item with the id as its own Uint8Array in a sorted list, a Map entry keyed by the id as text and a WeakMap entry. Now it keeps per version the id as a Map key and a slot (entity, kind, HLC ms) to read the version back from the store when a peer wants it (EntityStore.retainedOf: the register's heads and evidence, hashed to find the id, so a want is answered with what the store holds now); the items live only in the snapshot's typed arrays, rebuilt by one merge pass over the previous snapshot, exactly as long as needed. Measured back to back against the code before (same bench, one run per size, twice, load average 4.8–6.3; figures identical between the two rounds): 10k 766 → 341 B/component, 100k 728 → 347 B/component; sizing the rebuilt snapshot exactly then took 100k to 306 B (load 7.7). The run of 02:48 UTC (quick sweep, load average 4.2) gave 336 B at 10k and 306 B at 100k. The target (≤ 100 B) stays missed for the running node. Where its ~300 B go (10k, by building less): the store 90 B; the node around it 46 B (a LatticeNode without its mesh: 136 B; not broken down yet); the snapshot's typed arrays 56 B (ms 8, id 16, fingerprint term 16, prefix sum 16); the id Map ~90 B (an 8-character key string and a Map entry; the rest of the 341); the slots ~24 B; and the table of the WeakMap from version objects to their id keys (kept so the mesh's push filter and remove() do not hash a version twice), whose capacity stays after a bulk fill, ~34 B. What serving costs now: a want hashes the stored version (~1 µs) and, for a head in the columns, makes its Version. Next steps: the id in the store's rows beside the head (no Map, and no hash of the replaced head on every update, which the merge still builds as a Version for the index and storage), and the node's own 46 B.",
      "Sync index ids in typed arrays (issue 8, 2026-12-05): the id Map is now an open-addressing table over typed arrays (src/core/sync/id-table.ts: per entry the 16-byte id and a 4-byte slot, linear probing, kept between 3/8 and 3/4 full), and the cache from version objects to id keys keeps two generations of 8,192 entries, the older dropped whole, instead of one WeakMap whose capacity stayed after a bulk fill. Measured back to back against the code before (bench/s10-memory.ts, variant `node`, one fresh process per figure, alternating old and new, load average 6.0 → 3.6): 10k 337.6 and 337.9 → 291.0 and 291.1 B/component, 100k 309.5 → 236.2 B/component (1k 557 → 449, noisier). The table's run (quick sweep, 05:34 UTC, load average 1.9–2.4) gives 291.1 B at 10k (289.6–291.5) and 236.2 B at 100k (236.0–236.2); the store alone is unchanged (89.6 and 69.8 B). Built one change at a time at 10k (load 7.3–8.7): the table alone 320 B, with the generations 289 B. The target (≤ 100 B) stays missed. Where the 291 B go at 10k: the store 90 B; the node around it 46 B; the snapshot's typed arrays 56 B (ms 8, id 16, fingerprint term 16, prefix sum 16); the id table 44 B (131,072 entries × 20 B for 60,000 ids: it doubles at 3/4; at 100k 35 B); the slots (entity and kind references, ms, counter) ~24 B; the rest ~31 B (the key cache's generations, arrays grown by doubling). At 100k: store 70, table 35, snapshot 56, slots ~24, node and the rest ~51. The id of each version is held twice (the table and the snapshot, 32 B) beside the store's own row: the floor of this design is about the store plus ~130 B. Below it needs what was named before and is still not done: the head's id in the store's rows (the table could then hold a 4-byte reference into them, and a replaced head's id would be known without hashing it), one of the snapshot's two fingerprint arrays (the term or the prefix sum; src/core/reconcile), and the node's own 46 B.",
      "Sync index packed (issue 8, 2026-12-06): the snapshot (src/core/reconcile/sorted-vector-storage.ts) keeps per item its timestamp and id only, with the prefix sum of the ids' terms at every 8th item instead of a term and a prefix sum per item (a range's fingerprint adds at most 7 terms per end, computed from the ids): 56 → 26 B per version; the id table (src/core/sync/id-table.ts) keeps each id's words once, by slot, and a position only the 4-byte slot (the ids grow by half, the positions double at 3/4, not both at once): 35 → 23 B at 100k; a slot's kind is a byte for the six common kinds, other kinds in a side map by slot (11.6 → 1.2 B); the slot arrays grow by half. Fingerprints, ids and what is served are unchanged (model tests against a Map: test/unit/core/reconcile/sorted-vector-model.test.ts, test/unit/core/sync/id-table.test.ts, test/unit/core/sync/sync-index-model.test.ts). Measured back to back against the code before (bench/s10-memory.ts, variant `node`, one fresh process per figure, load average 2.4–3.0): 10k 292.5 → 239.0 B/component, 100k 236.1 → 178.5 B/component. Heap snapshot by owner (bench/profile-s10-heap.ts, bytes retained per component, 100k, before → after): the sync index 132.2 → 74.6 (snapshot 56.0 → 26.0, id table 35.0 → 23.3, slot kinds 11.6 → 1.2, slot ms 14.0 → 9.6, counters 3.5 → 2.4, entity references 11.6 → 11.6); the store 64.0 (its columns 48.5, its entity Map 15.5); the mesh's link budget 13.1 (VersionClasses: a WeakMap entry per threat version noted, whose table keeps its capacity after a bulk fill, and a Map of entities above NONE); LatticeNode and MeshNode together 145.3 → 87.8; the rest of the heap growth (~27 B at 100k: the C2 pipeline's track classifier, 16 B at 10k, compiled code) is owned by neither. The target (≤ 100 B) stays missed for the running node: the store alone is 64–70 B, so the index and the node must fit in ~30 B. What is left in the index: each id is still held twice (the table's 16 B by slot and the snapshot's 16 B), and per slot an entity reference (8 B), ms (8 B) and counter; holding the ids once needs the table to point into the snapshot (positions change at each rebuild, and a session may still read an older snapshot) or the store's rows to carry the head's id.",
      "Ids held once (issue 8, 2026-12-06): the snapshot (src/core/reconcile/slot-vector-storage.ts) names each id by its slot in the id table and shares the table's id bytes, instead of keeping its own (per item: timestamp 8 B, slot 4 B, a checkpoint every 8th item: 26 → 14 B); a snapshot must not change while a session reads it, so the table (src/core/sync/id-table.ts) copies its ids before it writes a slot a snapshot may name (a freed slot given out again), about the cost of the rebuild's own copying, once per snapshot. VersionClasses keeps a threat version's level before in two generations of 4,096 versions (never splitting a batch) instead of one WeakMap that kept its bulk-fill capacity; the store's DeadlineIndex (src/core/store/deadline-index.ts, added since the last table: +11.8 B per component) reads each entity's deadline from its EntityState instead of a Map of its own. Fingerprints, ids and what is served are unchanged (model tests: test/unit/core/reconcile/slot-vector-model.test.ts against SortedVectorStorage, with older snapshots checked to keep their items; test/unit/core/sync/sync-index-model.test.ts, the same check on the index's snapshots; test/unit/core/sync/id-table.test.ts). Measured back to back against main (bench/s10-memory.ts, variant `node`, one fresh process per figure, alternating, medians; load average 1.5–6.7): 100k 190.6 → 163.3 B/component (5 and 4 runs; the ids once alone 190.6 → 172.0, the DeadlineIndex then 171.8 → 163.1; VersionClasses alone −6.5 B, measured right after main, not alternating), 10k 252.7 → 229.7 B/component (3 runs each). Heap snapshot by owner (bench/profile-s10-heap.ts, 100k, bytes retained per component, before → after): the sync index 74.6 → 62.6 (snapshot 26.0 → 14.0, the ids by slot 16.3 (shared: counted under the index), table positions 7.0, entity references 11.6, ms 9.6, counter 2.4, kind bytes 1.2); the store 75.8 → 67.1 (columns 48.5, entity Map 15.5, deadlines 11.8 → 3.1); the link budget 13.1 → 6.6 (what is left is its Map of entities above NONE); LatticeNode and MeshNode 87.8 → 69.2; the rest of the growth ~27 B (the C2 pipeline's track classifier 13.3 B, compiled code). The target (≤ 100 B) stays missed by ~63 B. What is left, by size: the store's columns (48.5) and entity Map (15.5); in the index the entity reference per slot (an entity number from the store would take 4 B), ms and counter per slot (12 B: a want could match the register's versions by id alone, at the cost of hashing each version of a register that holds several), the table's positions (7); the C2 pipeline's classifier (13.3).",
      "Slots by number, no ms (issue 8, 2026-12-06, afternoon): the sync index (src/core/sync/sync-index.ts) keeps per slot a 16-bit tag of the version's timestamp (the counter xor a mix of the HLC ms: at one ms it is the counter, at two ms tags collide 1 in 65,536, costing a want one hash more, never a wrong answer) instead of the ms (float64) and counter (uint16); a removal reads the ms from the version removed (same id, same timestamp) and a slot added since the last snapshot keeps it until the snapshot takes it. A slot names its entity by the store's number for it (EntityStore.numberOf and retainedAt: given when the entity is first held, freed when it is forgotten, then given again) in a Uint32Array, instead of a reference in a JS array grown by push; a number is only where to look, the tag and the id still decide. The track classifier (src/node/track-classifier.ts) keeps the time it last heard each track as ms since its own start (an integer its Map entry holds in place) instead of the clock's value (a 16-byte heap number per track). Wire, ids, fingerprints and what is served are unchanged (model tests: test/unit/core/sync/sync-index-model.test.ts now with timestamps whose tags collide, entity numbers freed and reused, versions indexed before their entity is held; the store's model tests check the numbers after every step; test/unit/core/sync/sync-index-fetch.test.ts bounds the hashes a want costs). Measured back to back against main (bench/s10-memory.ts, variant `node`, 100k, one fresh process per figure, alternating, load average 1.0–8.9; both pairs at 2.7–8.4): 163.2 and 163.1 → 146.9 and 147.0 B/component (2 pairs; growth 97.9 → 88.2 MB, of which typed arrays 59.6 → 56.7 MB); the tag alone 163.3 and 163.3 → 153.8 and 153.4 (2 pairs). Heap snapshot by owner (bench/profile-s10-heap.ts, 100k, bytes retained per component, before → after): the sync index 62.6 → 46.2 (ms 9.6 and counter 2.4 → tag 2.4; entity references 11.6 → numbers 4.8; snapshot 14.0, ids 16.3, table positions 7.0, kind bytes 1.2 unchanged); the store 67.1 → 69.9 (its EntityStates now held by the number array too, so counted under the store, not its Map: a number per EntityState +1.3, the array by number +1.5; columns 48.5, Map 6.1 and EntityStates 10.7, deadlines 3.1); the C2 pipeline 13.2 → 10.6 (its classifier's `heard` Map 8.8 → 6.1, and 4.4 for the tracks marked changed since its last pass, which the worker's tick, every second, empties: this bench does not tick); the link budget 6.6. The target (≤ 100 B) stays missed by ~47 B. What is left, by size: the store's columns (48.5), its EntityStates (10.7: id, columns, row, marks, number) and Map (6.1); the index's ids (16.3, needed to answer a want by id) and snapshot (14.0: timestamp and slot per item), the id table's positions (7.0), entity numbers (4.8); the classifier's `heard` (6.1: a Map entry per track heard; it matters only for tracks another node writes, and only for OWNER_SILENT_MS); the link budget's Map of entities above NONE (6.6); the rest of the growth (~14 B, owned by neither node: the entity id strings, compiled code; not broken down).",
      "Columns packed, classifier and link budget by number (issue 8, 2026-12-06, evening): the lean columns (src/core/store/lean-columns.ts) keep a value's strings as uint16 indices into the interned strings in an array of their own instead of as float64 beside its numbers, and the head's counter and author as uint16 instead of uint32 (every counter the clock and the wire allow, MAX_COUNTER 0xffff, and 65,536 authors; a head past either, or with more numbers or strings than its kind holds, stays in the side table): a row of the six kinds 222 → 162 B. The columns double to 4,096 rows, then grow by an eighth (at 100k entities 110,768 rows instead of 131,072; at most 1 row in 9 unused instead of 1 in 2, each row copied about 8 times over a fill instead of once). The mesh's link budget keeps each entity's threat level (VersionClasses) and the C2 pipeline's classifier the time it last heard each track (TrackClassifier) in columns the store keeps by entity number (EntityStore.column, src/core/store/entity-column.ts: 1 and 8 bytes per entity), instead of a Map entry each (~40 and ~36 B); the store zeroes a column's entry when it forgets the entity, so a number given again never reads the value of the entity that held it. Wire, ids, fingerprints and what is served are unchanged (model tests: test/unit/core/store/model/columns-vs-objects.test.ts now with shapes that overflow a kind's numbers or strings and counters past 0xffff; test/unit/core/store/lean-registers.test.ts, 20,000 tracks through the growths; test/unit/core/store/entity-column.test.ts against a Map, entities forgotten and numbers reused; test/unit/node/mesh/version-classes.test.ts). Measured back to back against main (bench/s10-memory.ts, variant `node`, 100k, one fresh process per figure, alternating, load average 1.8–6.4): main 149.6 and 149.7 B/component (it was 146.9 in the afternoon's run) → the columns packed 136.6 and 136.5 → with the classifier and link budget by number 124.6 and 124.4 → with the growth by an eighth 118.7 and 118.7 (main in the same pairs 149.6, 149.7, 149.6, 149.3; typed arrays 55.5 → 44.5 MB). Merge speed (bench/profile-s1.ts, 100,000 writes, one author per track, fresh stores so the growths are timed, alternating pairs): at load 2.8–4.3 merge only 1.86 against 1.89 M/s on main, decode and merge 0.86 against 0.94 M/s (medians of 3; main's own runs spread 1.55–2.16 M/s); at load 1.8–2.5 merge only 2.19 against 2.12 M/s, decode and merge 1.09 against 1.05 M/s (medians of 3): no slowdown shows above the noise. Heap snapshot by owner (bench/profile-s10-heap.ts, 100k, bytes retained per component, before → after): the store 69.9 → 51.3 (columns 48.5 → 30.0; its Map 6.1, deadlines 3.1, array by number 1.5 unchanged); the sync index 44.3 unchanged; the link budget 6.6 → under 0.5; the C2 pipeline 15.0 → 8.8 (its classifier 10.5 → 4.4: what is left is the set of tracks marked changed, which the worker's tick empties and this bench does not run); LatticeNode and MeshNode together 120.7 → 96.0. The target (≤ 100 B) stays missed by ~19 B. What is left, by size: the store's columns (30.0: per entity the head's ms as float64 for each of six kinds, 48 B, and the values' 9 numbers, 72 B), the sync index's ids (16.3) and snapshot (12.0: timestamp and slot per item; the profile lists it twice, as the index's base and its snapshot, one object), its id table's positions (7.0) and entity numbers (4.8); the store's EntityStates (~10.7: id, columns, row, number, bits of the kinds in the columns; row and number could be one, the bits a byte array in the columns) and its Map (6.1); the classifier's changed set (4.4, emptied each second in the worker); the rest of the growth (~14 B, owned by neither node: compiled code, the entity id strings).",
      "Timestamps and numbers on their grid (issue 8, 2026-12-06, night): the lean columns (src/core/store/lean-columns.ts) keep a head's ms as a uint32 offset from the columns' epoch (the ms of the first head they took: ±24.8 days around it) instead of a float64, and a value's numbers as int32 on the wire's grid for their key (src/core/wire/quantize.ts: 1e-7 for lat and lon, 0.1 for alt and accuracy, 0.01 for velocity, 1e-4 for confidence; an expiry's `at` as an int32 offset from the epoch; any other key's number as an integer) instead of as float64: a row of the six kinds 162 → 102 B. A number is held so only if it reads back bit for bit (the int32 divided by the scale gives the very float64 written: a value the wire decoded or a writer quantised always does); a head whose ms is out of the epoch's range, or with a number off its grid, out of int32, -0 or NaN, stays in the side table as a Version, as a head that did not fit did before, so nothing the wire can carry is lost. Wire, ids, fingerprints and what is served are unchanged (model tests: test/unit/core/store/model/columns-vs-objects.test.ts now draws numbers on each grid and one step past its int32 edges, deadlines and jumps of the clock around ±2^31 ms of the epoch, and checks by hand, for each edge, which side holds the head and that it reads back the same as the object store; its random test fails when -0 is let into the columns). The workload's values are on the wire's grid already (bench/lib/workload.ts), as a node's own writes are (src/node/prepare-write.ts quantises them); a value written into an EntityStore off its grid keeps its head in the side table (~150 B more). Measured back to back against main (bench/s10-memory.ts, variant `node`, one fresh process per figure, alternating, load average 1.9–5.5): 100k 118.6, 118.8, 118.7 → 107.7, 107.6, 107.9 B/component (medians 118.7 → 107.7; typed arrays 44.5 → 37.8 MB); 10k 176.4 → 167.8 B/component (one pair, load 4.0–4.6); the store filled by local writes (variant `local`, 100k, one run each) 56.8 → 45.9 B/component. Merge speed (bench/profile-s1.ts, 100,000 writes, one author per track, 12 rounds, alternating pairs): main 1.98, 2.74 and 2.14 M/s merge only, 1.06, 1.33 and 1.15 M/s decode and merge, against 2.09, 2.07 and 2.26 M/s, 1.11, 1.09 and 1.25 M/s (3 pairs, load 1.9–4.0; medians 2.14 → 2.09 and 1.15 → 1.11 M/s): two pairs of three favour this change, one favours main by a quarter; on this machine's spread (main alone 1.98–2.74) no slowdown shows above the noise. Per update the columns now add a subtraction and a range check for the ms and, per number, a multiply, a round and a divide to check it reads back. Heap snapshot by owner (bench/profile-s10-heap.ts, 100k, bytes retained per component, before → after): the store 51.3 → 40.3 (columns 30.0 → 18.9; its Map 6.1, deadlines 3.1, array by number 1.5 and EntityStates ~10.7 unchanged); the sync index 44.3 and the C2 pipeline 8.8 unchanged. The table above is the run of 19:04 UTC, not run again (the shared machine's heavy-job lock was held by long jobs: one pair of figures took about 7 minutes). The target (≤ 100 B) stays missed by ~8 B. What is left, by size: the sync index's ids (16.3) and snapshot (12.0: timestamp as float64 and slot), its id table's positions (7.0) and entity numbers (4.8); the store's columns (18.9: per row ms 24 B, counter and author 24, numbers 36, strings 12, shapes 6), its EntityStates (~10.7: id, columns, row, number, bits; row and bits could be one integer, since an entity has a row exactly while some bit is set) and Map (6.1); the C2 pipeline's sets of tracks marked changed (the classifier's 4.4 and the fusion view's 4.4); the rest of the growth (~9 B, owned by neither node). Running the worker's tick (node.tick(), every second, workers/node-worker.ts) in this bench is not the saving it looked: with the bench's clock past every expiry the tick purges the store; with live expiries (after the clock) it starts the fusion view's first scan and the approval loop's requests, which then hold 183.5 B/component in all (against 107.7 without the tick, one run each, this change) (FusionView 98.7 B, ApprovalLoop 11.9 B per component in the heap snapshot, measured before this change); so the running node this bench measures, which has never ticked, holds less than a worker that has, and the figure for a worker serving 100k tracks through fusion is that one.",
      "Marks by number, one integer per entity, ids grown by an eighth (issue 8, 2026-12-07): the three sets of entities marked changed that a running node keeps beside its store (the C2 pipeline's classifier: the tracks changed since its last pass; its fusion view: the entities not yet read into the engine; the change feed: the ids changed since its last flush, which, with no watcher subscribed, keeps every id) were Sets of id strings, ~26 B per entity each (4.4 B per component each at 100k; the heap snapshot, now broken down by path, showed the change feed's too). They are now the store's marks (EntityStore.marks, src/core/store/entity-marks.ts): the marked entities' numbers in insertion order in a Uint32Array and, per number, its place there (~8 B per marked entity); an id the store holds no number for (an entity it forgot, or never held) is kept aside by id, and a marked entity the store forgets becomes one kept aside in its place, so a number given again never reads as marked and the forgotten id is still given, where a Set gives it. What each consumer reads, and in what order, is what a Set gives (fast-check against a Set: test/unit/core/store/entity-marks.test.ts, with entities forgotten and their numbers given again, deletes, clears and the queue's compaction). An EntityState keeps its row in the columns and the bits of the kinds held there in one integer (64 → 56 B per entity; the columns stop at 2^25 rows, past which a register stays in the side table as one that does not fit). The id table's ids and the sync index's slot arrays grow by half up to 4,096 slots, then by an eighth (src/core/sync/id-table.ts, sync-index.ts): grown by half, up to a third of the ids' bytes were unused (21.5 B per component at 10k where the ids take 16). Wire, ids, fingerprints, the merge, and what the classifier and the fusion view see and when are unchanged (test/unit/node, test/unit/core/store with its model tests, test/unit/core/fusion, test/unit/core/sync, test/unit/core/reconcile). Measured back to back (bench/s10-memory.ts, variant `node`, one fresh process per figure, alternating, load average 3.7–5.1): 100k, main 107.8, 107.8, 107.5 → the marks and the integer 97.8, 97.9, 97.9 B/component (medians 107.8 → 97.9; the marks alone, one pair: 107.9 → 100.5), then the ids by an eighth 97.9 → 97.7 (one pair); 10k, main 168.6, 168.6, 168.6 → 153.4, 155.0, 154.1 (medians 168.6 → 154.1), then the ids by an eighth 155.2, 155.2 → 151.3, 151.5. Heap snapshot by owner (bench/profile-s10-heap.ts, 100k, bytes retained per component, before → after): the C2 pipeline 8.8 → 0.1 and the change feed's set 4.4 → the three marks' arrays 4.2 together (queue and places, 0.7 each); the store's EntityStates 10.7 → 9.3; the store's columns (18.9), its Map (6.1) and the sync index (44.3) unchanged. The target (≤ 100 B) is met at 100k for the running node in these runs (medians 97.9, then 97.7: a margin of ~2 B). Why 10k costs more (151 B at 10k against 98 B at 100k): a fixed part, not a cost per entity. The two sizes fit ~92 B per component plus ~3.6 MB. Of that, ~2.4 MB is what the process keeps once any node has run (compiled code, V8's caches, modules' lazy state): a node built after a 1k node was dropped (variant `node-warm`, the row above) costs 114.0 and 115.3 B/component at 10k and 93.8 at 100k (one run each, before the ids change). The rest (~1.2 MB, ~20 B per component at 10k, heap snapshot at 10k) is held by the node in bounded or chunked allocations: the sync index's cache of version keys, two generations of 8,192 entries (5.5 B per component at 10k), the link budget's VersionClasses, two generations of 4,096 versions (3.3 B), and tables sized by powers of two (the id table's positions 8.7 B against 7.0 at 100k, the store's Map 7.6 against 6.1); the two caches are bounded by design (they spare a hash per version pushed), not grown with the store, so they are not waste for the node that serves its peers, only a larger share of a small one. The sweep is 1k, 10k and 100k: the 1M row of docs/performance.md's sweep was not run in this session (each figure is a fresh process holding its whole decoded input beside the node; at 100k one run takes ~45 s on this shared machine, at 1M the input alone is ten times as large). What is left at 100k, by size: the store's columns (18.9), the sync index's ids (16.3) and snapshot (12.0), its id table's positions (7.0) and entity numbers (4.8), the EntityStates (9.3: id, columns, number, the row and bits), the store's Map (6.1), the marks (4.2), the rest of the growth (~4 B, owned by neither node: compiled code).",
      "1M row (issue 8, 2026-12-07 05:35–05:50 UTC): docs/performance.md sweeps 10k, 100k and 1M; the 1M row was measured on its own, not in the quick sweep above (bench/s10-memory.ts now runs it in the full sweep, one run each of the running node and of Yjs). The running node (variant `node`, one fresh process, load average 2.6–4.3) grew by 534.1 MB for 6M components: 89.0 B/component, of which typed arrays 382.4 MB (63.7 B); Yjs holding the same data (one run) 492.1 B/component, 0.18× in ours' favour. The target (≤ 100 B) is met at 1M as at 100k (97.7), and the figure falls with size as the fixed part (~3.6 MB, see the note above) is spread thinner. Filling the node took ~10 minutes (6M versions through LatticeNode.applyRemote, the production ingest of scenario 1); Yjs's fill took ~1 minute.",
      "The fixed part at 10k, by owner (issue 8, 2026-12-07, morning): two heap snapshots in one process, before and after building the running node (bench/profile-s10-diff.ts, 10k entities; the first line it prints is the bench's own figure for that process, 149.3 B/component: 4.74 MB of heap and 4.22 MB of typed arrays), each new object counted under the node if the node dominates it, else under the process. Before this change: the node 6.34 MB (105.7 B/component): the sync index 2.98 MB (50.9 B: ids 16.8, snapshot 12.1, id table positions 8.7, entity numbers 4.4, its cache of version keys 5.5, tags 2.2, kinds 1.1), the store 2.35 MB (columns 18.4, EntityStates 9.3, Map 7.65, deadlines 2.8, array by number 1.3), the three marks 0.25 MB (4.2), the link budget's VersionClasses 0.19 MB (3.3), the C2 pipeline 0.04 MB. Of the node's part, fixed (bounded, not grown with the store): the index's cache of version keys (two generations of 8,192, 0.33 MB), VersionClasses (two generations of 4,096 threat versions, 0.19 MB) and the power-of-two tables' slack at this size (the store's Map 7.65 B against 6.1 at 100k, the id table's positions 8.7 against 7.0: ~0.2 MB); the rest grows with the store (~92 B per component). The process, ~2.9 MB (48 B/component at 10k), none of it per node: compiled code (bytecode, feedback vectors, optimised code) 1.47 MB; encodeTs's cache of its last 8,192 encodings (src/core/clock/timestamp.ts, filled by versionKey as the write-behind stores each version) 1.24 MB, of which 0.98 MB strings, each kept as the tree of concatenations `+` builds over its padded hex pieces, and 0.25 MB its four arrays; Node's own objects (a module wrap and a message port, 0.1 MB; not broken down) and hidden classes (0.07 MB). Change: encodeTs joins its pieces into one flat string (Array.prototype.join) instead of adding them, so the cache holds ~80 B per encoding instead of ~120; the text, the cache's slots and hits are unchanged (test/unit/core/clock/hlc.test.ts: more timestamps than slots, copies, same ms and counter on two nodes). A miss costs ~60 ns more (a 3-element array and one copy, against ~400 ns for the encoding itself; a micro-benchmark of 8,192 encodings, twice); a hit nothing. Measured back to back against main (bench/s10-memory.ts, variant `node`, 10k, one fresh process per figure, alternating, load average 4.7–5.5): main 151.9, 152.1, 152.1 → 146.7, 146.8, 145.3 B/component (medians 152.1 → 146.7); the snapshot diff after: the cache's strings 0.98 → 0.66 MB, the node's 6.34 MB unchanged. In the quick sweep of 09:07 UTC (the table above, load average 2.9): the 10k running node 151.0 → 146.9 B/component, built after a 1k node was dropped 109.0 → 105.7 (the dropped node filled 6,000 of the cache's slots), 100k 97.7 → 97.3; the store-only rows (no write-behind, no encoding) do not change but for noise (1k from the wire 160.6 → 144.3, its runs spread 132–195). The 1M row is the run of 05:35 UTC (the note below), kept: the quick sweep does not run it. Not cut, and why: compiled code is what running the node costs the process; the mesh's two caches spare a hash per version relayed after its commit lands (scenario 7's bulk sync: ~4 % of a receiving worker) and their generations must outlast the write-behind's lag; the tables double so that each insert stays amortised O(1) (the id table probes linearly to a load of 3/4). The target (≤ 100 B) stays missed at 10k, by ~47 B: the process's ~2.6 MB now is 43 B/component at 10k by itself, so meeting it at 10k needs the per-component cost (~92 B: the sync index's ids, snapshot and positions ~36 B of it at 100k) under ~55 B, not a smaller fixed part; at 100k and 1M it stays met.",
      "Snapshot timestamps as offsets, id table positions grown by half (issue 8, 2026-12-07, afternoon): two cuts in the sync index's ~52 B per version. The snapshot (src/core/reconcile/slot-vector-storage.ts) keeps each timestamp as a uint32 offset from its least instead of a float64 (HLC ms: a running node's snapshot spans far less than 2^32 ms, 49 days), and keeps float64 for a snapshot whose timestamps are not all integers within 2^32 − 1 of the least (or hold −0), so every timestamp reads back as the very number: 12 → 8 B per version. The id table's positions (src/core/sync/id-table.ts) grow by half at 3/4 full to any number of positions, an id's home being its mixed words scaled to them (multiply-shift range reduction, Lemire, \"Fast Random Integer Generation in an Interval\", 2019), where doubling to a power of two left them 3/8 full after each growth: now 1/2 to 3/4 full (at 10k, 60,000 ids in 80,868 positions instead of 131,072: 8.7 → 5.4 B per component). Ids, fingerprints, what is served, the mix and the backward-shift delete are unchanged (model tests: test/unit/core/reconcile/slot-vector-model.test.ts now draws timestamps at the offsets' edges, the greatest an item may have and −0, and checks each snapshot's width and that each timestamp reads back with its sign; test/unit/core/sync/id-table.test.ts checks the positions stay within 4/3 and 2 times the ids while 100,000 are added; both fail on the code before). Measured back to back against main, the quick sweep (BENCH_QUICK=1 npm run bench -- s10) run four times alternating new, main, new, main (15:10–15:23 UTC, load average 2.1–2.9 at the runs' starts, 4.8 at the first): the 10k running node main 147.5, 147.0 → 139.5, 139.6 B/component (medians of 5 runs each; typed arrays 4.22 → 3.78 MB); built after a 1k node was dropped 105.3, 105.9 → 99.6, 98.9; 100k 97.3, 97.4 → 92.5, 92.5; the store-only rows unchanged but for noise. The `node` variant alone, 10k, two pairs alternating after each step (load 1.6–2.5): the offsets 145.8, 146.3 → 143.5, 142.5; with the positions too 147.0, 147.3 → 139.9, 138.6. Heap snapshot diff (bench/profile-s10-diff.ts, 10k) after: the node 6.34 → 5.90 MB (105.7 → 98.3 B per component): the sync index's snapshot 12.1 → 8.1 B, its positions 8.7 → 5.4; its ids (16.8), entity numbers (4.4), key cache (5.5, two generations of WeakMap), tags (2.2) and the store (39 B) unchanged. The table above is the run of 09:07 UTC, not these (their rows are not recorded). What the process's one-time ~2.5 MB at 10k is (the same diff, objects the node does not dominate; before and after alike): compiled code 1.52 MB (bytecode, feedback vectors, baseline and optimised code; 0.56 MB of it is still new after a 1k node was built and dropped: the larger fill optimises more), encodeTs's cache of its last 8,192 encodings 0.64 MB of strings (src/core/clock/timestamp.ts: filled by the write-behind's version keys, read again by every entity view; bounded by design), hash-wasm's SHA-256 memory 0.13 MB (one per process, for version ids), Node's own objects (a module wrap, a message port, its environment: 0.12 MB) and hidden classes with their dependent code (0.08 MB). None of it is an allocation sized up front, nor is any the diff shows under the node beyond a few KiB; the two bounded caches in the node's part (the index's key cache 0.26–0.33 MB, VersionClasses 0.19 MB) are filled by the 60,000 versions, not preallocated. So that part stays: the code is what any worker running the node pays, the cache and the hasher are per process. The target (≤ 100 B) stays missed at 10k, by ~40 B: the node's own part is now ~98 B per component at 10k and ~92 B at 100k, so with ~2.5 MB of process (~42 B at 10k) meeting it at 10k needs the node near 58 B. What is left in the node at 10k, by size: the store's columns (18.1), the sync index's ids (16.8), EntityStates (9.3), the snapshot (8.1), the store's Map (7.65), the positions (5.4), entity numbers (4.4), the key cache (4.4–5.5), VersionClasses (3.4), deadlines (2.8), tags (2.2), the marks (4.2). The 1M row is the run of 05:35 UTC, not run again.",
      "Where the extra ~40 B at 10k go, and two fields per entity cut (2026-12-08, 02:40–02:55 UTC): the heap snapshot diff at 10k (bench/profile-s10-diff.ts, main, load average 2.1; the process's own figure 138.8 B/component: 4.66 MB of heap and 3.67 MB of typed arrays) puts 6.06 MB (101.1 B/component) under the node and 2.52 MB (42 B) elsewhere, none of it per node: compiled code ~1.5 MB, encodeTs's cache of its last 8,192 encodings ~0.64 MB of strings, hash-wasm's memory 0.13 MB, Node's own objects ~0.12 MB, hidden classes ~0.08 MB (as the note above found). No typed-array column starts large: the store's columns are 18.1 B at 10k against 18.9 at 100k (grown from 64 rows, doubled to 4,096, then by an eighth), the id table's ids and the slot arrays grow by half then by an eighth, the three marks' arrays from 64; the node's part at 10k is above its ~90 B at 100k by its two bounded caches (the sync index's version keys, two WeakMap generations of 8,192: 5.5 B; the link budget's VersionClasses 3.4 B) and the store's Map, a power-of-two table (7.65 against 6.1 B). So the ~40 B are the process's one-time ~2.5 MB (42 B at 10k, ~4 B at 100k). One per-entity cost had grown since the note above: EntityState carried two fields more for the entity bound's remerge (headsMoved and remerged, 2026-12-08 00:21), 72 B an entity where 56 B were before (12.0 against 9.3 B/component). Change: those heads are kept beside the entity in a WeakMap that only an entity whose bound cut and remerged registers enters, taken by the store after each apply and restoreEvidence (src/core/store/entity-state.ts takeRemerged; what the store counts is unchanged: test/unit/core/store, test/unit/attack/h31-entity-cut-splits.test.ts; test/unit/core/store/entity-state-fields.test.ts pins a sensor's track's four fields and fails on the code before). Measured back to back against main (bench/s10-memory.ts, variant `node`, one fresh process per figure, alternating main and new, load average 2.0–3.7): 10k main 142.8, 142.1, 143.1 → 139.9, 140.0, 139.8 B/component (medians 142.8 → 139.9, 0.98×); 100k main 95.2, 95.0 → 92.4, 92.7 (0.97×). The target (≤ 100 B) stays missed at 10k, by ~40 B, for the reason above: with ~2.5 MB of process, meeting it at 10k needs the node's own part near 58 B per component (it is ~98 B now; by size: the store's columns 18.1, the sync index's ids 16.8, snapshot 8.1, positions 5.4, entity numbers 4.4, key caches 5.5, tags 2.2, kinds 1.1, EntityStates 9.3, the store's Map 7.65, the marks 4.2, VersionClasses 3.4, deadlines 2.8, entities by number 1.3); met at 100k (92.5) and at 1M (89.0, the run of 2026-12-07 05:35 UTC, not run again). The table's run (the quick sweep of 02:57 UTC, load average 2.2 at its start, the new code): the 10k running node 140.3 B/component (138.9–140.8), built after a 1k node was dropped 98.1 (97.1–98.7: the node's own part, met), 100k 92.6 (92.5–92.7); the store-only rows as before but for noise (1k from the wire 168.8, its runs 158–180). The 1M row is the run of 2026-12-07 05:35 UTC, kept: the quick sweep does not run it.",
    ],
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    machine: machine(),
  });
  log('s10: saved');
}

const [variant, n] = process.argv.slice(2);
if (variant !== undefined) console.log(JSON.stringify(await child(variant as Variant, Number(n))));
else await main();
