/**
 * Keeps docs/security.md's "Every limit, in one table" honest: every limit it names is imported
 * here and its value column must match the code; and every module of src/ and server/ that loads
 * in Node is imported and searched for exported numbers named like a limit (LIMIT_NAME below),
 * each of which must be in the table or in NOT_LIMITS with the reason it is not one. A changed
 * value, or a new limit constant in any file, fails here until the table says it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as signalingLimits from '../../../server/signaling-limits';
import * as originLimit from '../../../src/adapters/signaling/origin-limit';
import * as seenEnvelopes from '../../../src/adapters/signaling/seen-envelopes';
import * as portLinkMessages from '../../../src/adapters/port-link-messages';
import * as meshTypes from '../../../src/app/mesh/mesh-types';
import * as kindCap from '../../../src/core/entity/kind-cap';
import * as bounds from '../../../src/core/entity/bounds';
import * as validateComponent from '../../../src/core/entity/validate-component';
import * as rosterOp from '../../../src/core/roster/roster-op';
import * as leafProof from '../../../src/core/signing/leaf-proof';
import * as merkle from '../../../src/core/signing/merkle';
import * as verifiedVersions from '../../../src/core/signing/verified-versions';
import * as verifiedRoots from '../../../src/core/signing/verified-roots';
import * as frameSigner from '../../../src/node/mesh/frame-signer';
import * as linkSender from '../../../src/node/mesh/link-sender';
import * as contextLimits from '../../../src/core/merge/context-limits';
import * as symbolRanges from '../../../src/core/reconcile/symbol-ranges';
import * as invitationLedger from '../../../src/core/roster/invitation-ledger';
import * as rosterEntity from '../../../src/core/roster/roster-entity';
import * as invitationToken from '../../../src/core/roster/invitation-token';
import * as evidence from '../../../src/core/store/evidence';
import * as announcements from '../../../src/core/sync/announcements';
import * as codec from '../../../src/core/sync/codec';
import * as endedSessions from '../../../src/core/sync/ended-sessions';
import * as limits from '../../../src/core/sync/limits';
import * as sentRecently from '../../../src/core/sync/sent-recently';
import * as linkHoldBack from '../../../src/core/sync/link-hold-back';
import * as linkRefusals from '../../../src/core/sync/link-refusals';
import * as messages from '../../../src/core/sync/messages';
import { resolveSessionOptions, type SessionOptions } from '../../../src/core/sync/session-types';
import * as syncIndex from '../../../src/core/sync/sync-index';
import * as roundTurns from '../../../src/core/sync/round-turns';
import * as newEntityLimit from '../../../src/node/security/new-entity-limit';
import * as versionVerifier from '../../../src/node/security/version-verifier';
import * as skewHold from '../../../src/node/skew-hold';
import * as relaySignalProof from '../../../src/ports/relay-signal-proof';
import * as signaling from '../../../src/ports/signaling';
import * as transport from '../../../src/ports/transport';

/** Each file the table may name, and its module. */
const MODULES: Record<string, Record<string, unknown>> = {
  'server/signaling-limits.ts': signalingLimits,
  'src/adapters/signaling/origin-limit.ts': originLimit,
  'src/adapters/signaling/seen-envelopes.ts': seenEnvelopes,
  'src/adapters/port-link-messages.ts': portLinkMessages,
  'src/app/mesh/mesh-types.ts': meshTypes,
  'src/core/entity/kind-cap.ts': kindCap,
  'src/core/entity/bounds.ts': bounds,
  'src/core/entity/validate-component.ts': validateComponent,
  'src/core/roster/roster-op.ts': rosterOp,
  'src/core/signing/leaf-proof.ts': leafProof,
  'src/core/signing/merkle.ts': merkle,
  'src/core/signing/verified-versions.ts': verifiedVersions,
  'src/core/signing/verified-roots.ts': verifiedRoots,
  'src/node/mesh/frame-signer.ts': frameSigner,
  'src/node/mesh/link-sender.ts': linkSender,
  'src/core/merge/context-limits.ts': contextLimits,
  'src/core/reconcile/symbol-ranges.ts': symbolRanges,
  'src/core/roster/invitation-ledger.ts': invitationLedger,
  'src/core/roster/roster-entity.ts': rosterEntity,
  'src/core/roster/invitation-token.ts': invitationToken,
  'src/core/store/evidence.ts': evidence,
  'src/core/sync/announcements.ts': announcements,
  'src/core/sync/codec.ts': codec,
  'src/core/sync/ended-sessions.ts': endedSessions,
  'src/core/sync/limits.ts': limits,
  'src/core/sync/sent-recently.ts': sentRecently,
  'src/core/sync/link-hold-back.ts': linkHoldBack,
  'src/core/sync/link-refusals.ts': linkRefusals,
  'src/core/sync/messages.ts': messages,
  'src/core/sync/session-types.ts': {
    'resolveSessionOptions()': resolveSessionOptions({} as SessionOptions),
  },
  'src/core/sync/round-turns.ts': roundTurns,
  'src/core/sync/sync-index.ts': syncIndex,
  'src/node/security/new-entity-limit.ts': newEntityLimit,
  'src/node/security/version-verifier.ts': versionVerifier,
  'src/node/skew-hold.ts': skewHold,
  'src/ports/relay-signal-proof.ts': relaySignalProof,
  'src/ports/signaling.ts': signaling,
  'src/ports/transport.ts': transport,
};

/**
 * Exported numbers of those files that are not limits on what a peer can make us hold or send
 * (protocol constants, sizes, a cost estimate, defaults of other features).
 */
const NOT_LIMITS = new Set([
  'src/core/sync/messages.ts:SYNC_PROTOCOL_VERSION',
  'src/core/sync/messages.ts:HANDSHAKE_NONCE_BYTES',
  'src/core/sync/messages.ts:SYNC_ID_BYTES',
  'src/core/sync/messages.ts:PUBLIC_KEY_BYTES',
  'src/core/sync/messages.ts:SIGNATURE_BYTES',
  'src/core/sync/codec.ts:DATA_CHANNEL_MESSAGE_BYTES',
  'src/core/sync/link-refusals.ts:ROUNDS_BEFORE_REFUSED',
  'src/core/roster/roster-entity.ts:MAX_ROSTER_CLOCK',
  'src/core/roster/invitation-ledger.ts:DEFAULT_INVITATION_TTL_MS',
  'src/core/roster/invitation-token.ts:NONCE_BYTES',
  'src/core/roster/invitation-token.ts:TOKEN_VERSION',
  'src/core/roster/invitation-token.ts:TOKEN_VERSION_ANCHORED',
  'src/node/security/new-entity-limit.ts:REGISTER_HEAP_BYTES',
  'src/node/security/new-entity-limit.ts:OPEN_LATTICE_SHARERS',
  'src/app/mesh/mesh-types.ts:TARGET_LINKS',
  'src/app/mesh/mesh-types.ts:LOW_WATER_MARK',
  'src/app/mesh/mesh-types.ts:HIGH_WATER_MARK',
  'src/ports/transport.ts:MAX_FRAME_BYTES',
]);

/** Names of exported numbers that read as a bound on something (a cap, a rate, a burst, a capacity). */
const LIMIT_NAME =
  /^MAX_|_MAX$|_MAX_|CAPACITY|PER_SECOND|PER_MINUTE|LIMIT|BURST|_CAP$|^CAP_|_CAP_|BUDGET|FLOOR|QUOTA|IN_FLIGHT|_WINDOW_/;

/**
 * Exported numbers named like a limit that are not limits on what a peer can make us hold or
 * send, each with the reason.
 */
const NOT_LIMIT_REASONS: Record<string, string> = {
  'src/core/wire/format.ts:TAG_EXPIRY_FLOOR':
    'the wire format: the kind tag of an expiry that carries a floor, not a bound',
  'src/core/store/lean-columns.ts:MAX_ROWS':
    'the representation: past it a register is held in the side table as one that does not fit the columns, nothing refused',
  'src/core/sim/limits.ts:SIM_MAX_TRACKS': 'the simulator’s own input bound, not a peer’s',
  'src/core/sim/limits.ts:SIM_MAX_HZ': 'the simulator’s own input bound, not a peer’s',
  'src/core/budget/link-budgeter.ts:DEFAULT_FRAME_FLOOR_BYTES': 'the budgeter’s smallest frame of our own sending',
  'src/core/clock/hlc.ts:DEFAULT_MAX_SKEW_MS':
    'the clock-skew setting, whose writes past it the skew hold bounds (MAX_HELD …)',
  'src/core/clock/hlc.ts:MIN_SKEW_LIMIT_MS': 'the range of a local setting',
  'src/core/clock/hlc.ts:MAX_SKEW_LIMIT_MS': 'the range of a local setting',
  'src/core/reconcile/reconciler.ts:DEFAULT_FRAME_SIZE_LIMIT':
    'the frame size of our own replies (MAX_SYNC_FRAME_BYTES bounds the peer’s)',
  'src/core/reconcile/reconciler.ts:MIN_FRAME_SIZE_LIMIT':
    'the smallest frame size a reply may be set to (a floor of ours)',
  'src/node/write-lane.ts:PRIORITY_MAX_VERSIONS': 'the size of our own local write lane',
  'src/node/link-shape-args.ts:MIN_SHAPE_BYTES_PER_SECOND': 'the range of a local setting',
  'src/node/link-shape-args.ts:MAX_SHAPE_BYTES_PER_SECOND': 'the range of a local setting',
  'src/node/budget-settings.ts:MAX_PEER_BUDGETS': 'budgets set by the operator for peers, not by peers',
  'src/node/budget-args.ts:MAX_BUDGET_BYTES': 'the range of a local setting',
  'src/adapters/webrtc/frame-channel.ts:MAX_WIRE_FRAME':
    'an alias of DATA_CHANNEL_MESSAGE_BYTES, the channel’s message size',
  'src/core/budget/link-budgeter.ts:DEFAULT_STATS_WINDOW_MS': 'the window of our own link statistics',
  'src/core/bytes/varint.ts:MAX_VARINT_BYTES': 'the wire format: a longer varint is malformed',
  'src/core/clock/hlc.ts:MAX_COUNTER': 'the timestamp format',
  'src/core/entity/bounds.ts:MAX_LAT': 'a value’s valid range: a version outside it is malformed',
  'src/core/entity/bounds.ts:MAX_LON': 'a value’s valid range',
  'src/core/entity/bounds.ts:MAX_ALT': 'a value’s valid range',
  'src/core/entity/bounds.ts:MAX_ACCURACY': 'a value’s valid range',
  'src/core/entity/bounds.ts:MAX_SPEED': 'a value’s valid range',
  'src/core/entity/bounds.ts:MAX_COVARIANCE': 'a value’s valid range',
  'src/core/entity/bounds.ts:MAX_EPOCH_MS': 'a value’s valid range (the wire keeps 47 bits)',
  'src/core/entity/bounds.ts:MAX_TEXT':
    'a field’s valid length in a known kind (the version’s size is bounded by the frame)',
  'src/core/entity/bounds.ts:MAX_LONG_TEXT': 'a field’s valid length in a known kind',
  'src/core/entity/bounds.ts:MAX_FUSION_SOURCES': 'a field’s valid length in a known kind',
  'src/core/fusion/time-alignment.ts:MAX_STAMP_LEAD_MS': 'fusion’s own alignment window',
  'src/core/ids.ts:MAX_NODE_ID_LENGTH': 'the id format: a longer id is malformed',
  'src/core/interop/picture-item.ts:MAX_IMPORT_CHARS': 'an operator’s import on this node, not a peer’s',
  'src/core/interop/picture-item.ts:MAX_IMPORT_ITEMS': 'an operator’s import on this node, not a peer’s',
  'src/core/lattice-name.ts:MAX_LATTICE_NAME_LENGTH': 'the name format of a local setting',
  'src/core/reconcile/item.ts:MAX_ITEM_TS': 'the reconciliation format',
  'src/core/reconcile/rateless.ts:MAX_SYMBOL_INDEX':
    'the coding’s integer range (MAX_HELD_SYMBOLS bounds what a peer makes us hold)',
  'src/core/task/approval-deadline.ts:MAX_APPROVAL_DEADLINE_MS': 'a value’s valid range',
  'src/core/task/gate.ts:MAX_REASON': 'a field’s valid length',
  'src/core/wire/format.ts:MAX_MS': 'the wire format',
  'src/core/wire/quantize.ts:MAX_LAT_Q': 'the wire format',
  'src/core/wire/quantize.ts:MAX_LON_Q': 'the wire format',
  'src/core/wire/quantize.ts:MAX_ALT_Q': 'the wire format',
  'src/core/wire/quantize.ts:MAX_ACCURACY_Q': 'the wire format',
  'src/core/wire/quantize.ts:MAX_SPEED_Q': 'the wire format',
  'src/node/approval-args.ts:MAX_APPROVAL_DEADLINE_MS': 'the range of a local call’s argument',
  'src/node/approval-loop.ts:MAX_TIMER_MS': 'our own timers',
  'src/node/c2-args.ts:MAX_GATE_METERS': 'the range of a local call’s argument',
  'src/node/link-shape-args.ts:MAX_SHAPE_DELAY_MS': 'the range of a local setting',
  'src/node/prepare-write.ts:MAX_COMPONENTS_PER_WRITE': 'the page’s calls to its own worker, not a peer’s',
  'src/node/worker-api.ts:MAX_CALLS_PER_MESSAGE': 'the page’s calls to its own worker, not a peer’s',
  'src/node/write-many.ts:MAX_WRITE_MANY_ITEMS': 'the page’s calls to its own worker, not a peer’s',
  'src/node/write-many.ts:MAX_WRITE_MANY_COMPONENTS': 'the page’s calls to its own worker, not a peer’s',
  'src/core/signing/merkle.ts:HASH_BYTES': 'a hash’s size',
  'src/core/signing/merkle.ts:LEAF_DOMAIN': 'a hash domain tag',
  'src/core/signing/leaf-proof.ts:SIGNATURE_LENGTH': 'a signature’s size',
  'src/core/signing/leaf-proof.ts:SHARED_PROOF': 'a stored format’s tag',
  'src/node/mesh/link-sender.ts:FRAME_SIGNATURE_TIMEOUT_MS':
    'how long our own signing may take before a frame goes with stored proofs',
};

/**
 * Every module of these trees, loaded lazily, but for the two entry points, which start the
 * signaling server and the app when loaded, and export no numbers.
 */
const ALL_MODULES = import.meta.glob([
  '../../../src/core/**/*.ts',
  '../../../src/node/**/*.ts',
  '../../../src/adapters/**/*.ts',
  '../../../src/ports/**/*.ts',
  '../../../src/app/**/*.ts',
  '../../../server/**/*.ts',
  '!**/*.d.ts',
  '!../../../server/main.ts',
  '!../../../src/app/main.ts',
]);

interface Row {
  readonly name: string;
  readonly value: number;
  readonly file: string;
}

function tableRows(): Row[] {
  const doc = readFileSync(new URL('../../../docs/security.md', import.meta.url), 'utf8');
  const start = doc.indexOf('\n## Every limit, in one table\n');
  expect(start).toBeGreaterThan(0);
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end);
  const rows: Row[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 6 || !cells[1]!.startsWith('`')) continue;
    const name = cells[1]!.replace(/`/g, '');
    const value = Number(cells[2]!.replace(/,/g, ''));
    const file = cells[3]!.replace(/`/g, '');
    rows.push({ name, value, file });
  }
  return rows;
}

/** The value a row names: a constant, or a field of one (`DEFAULT_LIMITS.fanout`, `resolveSessionOptions().maxWanted`). */
function valueOf(row: Row): unknown {
  const module = MODULES[row.file];
  if (module === undefined) throw new Error(`${row.name}: the test does not import ${row.file}`);
  let value: unknown = module;
  let path = row.name;
  if (path.startsWith('resolveSessionOptions().')) {
    value = (module as Record<string, unknown>)['resolveSessionOptions()'];
    path = path.slice('resolveSessionOptions().'.length);
  }
  for (const part of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  return value;
}

describe('docs/security.md: every limit, in one table', () => {
  const rows = tableRows();

  it('lists the limits with a plain number each', () => {
    expect(rows.length).toBeGreaterThan(60);
    for (const row of rows) expect(Number.isFinite(row.value), `${row.name}: value`).toBe(true);
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  it('says the value each constant has in the code', () => {
    for (const row of rows) expect(valueOf(row), `${row.name} (${row.file})`).toBe(row.value);
  });

  it('names every exported limit of the files it lists', () => {
    const named = new Set(rows.map((r) => `${r.file}:${r.name.split('.')[0]}`));
    const missing: string[] = [];
    for (const file of new Set(rows.map((r) => r.file))) {
      if (file.endsWith('session-types.ts')) continue; // its limits are session option defaults, listed by field
      for (const [name, value] of Object.entries(MODULES[file]!)) {
        if (!/^[A-Z][A-Z0-9_]*$/.test(name) || typeof value !== 'number') continue;
        const key = `${file}:${name}`;
        if (!named.has(key) && !NOT_LIMITS.has(key) && NOT_LIMIT_REASONS[key] === undefined) missing.push(key);
      }
    }
    expect(missing).toEqual([]);
  });

  it('names every exported number named like a limit, in every module of src/ and server/', async () => {
    const named = new Set(rows.map((r) => `${r.file}:${r.name.split('.')[0]}`));
    const missing: string[] = [];
    const failed: string[] = [];
    let searched = 0;
    const found: { file: string; name: string; value: number }[] = [];
    const exported = new Set<string>();
    for (const [path, load] of Object.entries(ALL_MODULES)) {
      const file = path.replace(/^(\.\.\/)+/, '');
      let module: Record<string, unknown>;
      try {
        module = (await load()) as Record<string, unknown>;
      } catch {
        failed.push(file);
        continue;
      }
      searched += 1;
      for (const [name, value] of Object.entries(module)) {
        if (typeof value === 'number') exported.add(`${file}:${name}`);
        if (!/^[A-Z][A-Z0-9_]*$/.test(name) || typeof value !== 'number' || !LIMIT_NAME.test(name)) continue;
        found.push({ file, name, value });
      }
    }
    for (const { file, name, value } of found) {
      // A barrel's re-export is checked where it is defined.
      const reexport = (f: (typeof found)[number]) =>
        f.name === name && f.value === value && !f.file.endsWith('/index.ts');
      if (file.endsWith('/index.ts') && found.some(reexport)) continue;
      const key = `${file}:${name}`;
      if (!named.has(key) && !NOT_LIMITS.has(key) && NOT_LIMIT_REASONS[key] === undefined) missing.push(key);
    }
    expect(searched).toBeGreaterThan(200);
    expect(failed).toEqual([]);
    expect(missing).toEqual([]);
    // A reason for a constant that is gone, or now in the table, is stale.
    for (const key of Object.keys(NOT_LIMIT_REASONS)) {
      expect(named.has(key), key).toBe(false);
      expect(exported.has(key), `${key}: no such exported number`).toBe(true);
    }
  }, 120_000);

  it('lists every field of the skew hold and signaling-server limits', () => {
    const fields = (prefix: string, o: object): string[] => Object.keys(o).map((k) => `${prefix}.${k}`);
    const names = new Set(rows.map((r) => r.name));
    const expected = [
      ...fields('DEFAULT_LIMITS', signalingLimits.DEFAULT_LIMITS),
      ...fields('DEFAULT_HOLD_LIMITS', skewHold.DEFAULT_HOLD_LIMITS).filter((n) => n !== 'DEFAULT_HOLD_LIMITS.maxHeld'),
      'MAX_HELD', // DEFAULT_HOLD_LIMITS.maxHeld
    ];
    expect(expected.filter((n) => !names.has(n))).toEqual([]);
    expect(skewHold.DEFAULT_HOLD_LIMITS.maxHeld).toBe(skewHold.MAX_HELD);
  });
});
