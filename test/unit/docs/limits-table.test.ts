/**
 * Keeps docs/security.md's "Every limit, in one table" honest: every limit it names is imported
 * here and its value column must match the code; every exported limit of a file the table names
 * must be in the table. A changed value or a new limit constant fails here until the table says it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as signalingLimits from '../../../server/signaling-limits';
import * as originLimit from '../../../src/adapters/signaling/origin-limit';
import * as seenEnvelopes from '../../../src/adapters/signaling/seen-envelopes';
import * as portLinkMessages from '../../../src/adapters/port-link-messages';
import * as meshTypes from '../../../src/app/mesh/mesh-types';
import * as kindCap from '../../../src/core/entity/kind-cap';
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
        if (!named.has(key) && !NOT_LIMITS.has(key)) missing.push(key);
      }
    }
    expect(missing).toEqual([]);
  });

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
