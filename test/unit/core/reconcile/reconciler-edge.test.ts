import { describe, expect, it } from 'vitest';
import type { Item } from '../../../../src/core/reconcile';
import {
  DEFAULT_FRAME_SIZE_LIMIT,
  checkItem,
  INFINITE_BOUND,
  MAX_ITEM_TS,
  Mode,
  PROTOCOL_VERSION,
  ReconcileError,
  ReconcileErrorCode,
  Reconciler,
  SortedVectorStorage,
  UNSESSIONED_FINGERPRINT_KEY,
} from '../../../../src/core/reconcile';
import { MessageEncoder } from '../../../../src/core/reconcile/message';
import { hex, makeItems, minus, runSession, sortedHex } from './helpers';

/** Outside a sync session: the public test key, by name (a Reconciler has no default). */
const key = UNSESSIONED_FINGERPRINT_KEY;

function expectExact(a: Item[], b: Item[], have: Uint8Array[], need: Uint8Array[]): void {
  expect(sortedHex(have)).toEqual(minus(a, b));
  expect(sortedHex(need)).toEqual(minus(b, a));
}

function expectError(fn: () => unknown, code: ReconcileErrorCode, text?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ReconcileError);
    expect((e as ReconcileError).code).toBe(code);
    if (text) expect((e as Error).message).toMatch(text);
    return;
  }
  throw new Error('expected a ReconcileError');
}

describe('Reconciler edge cases', () => {
  it('reconciles timestamps up to MAX_ITEM_TS and refuses the one above, whose bound has no exact varint', () => {
    const items = makeItems(600, 7).map((it, i) => ({ ts: MAX_ITEM_TS - (i % 50), id: it.id }));
    const a = items.filter((_, i) => i % 3 !== 0);
    const b = items.filter((_, i) => i % 3 !== 1);
    const s = runSession(a, b, { frameSizeLimit: 4096, key });
    expectExact(a, b, s.have, s.need);
    expectError(() => checkItem({ ts: MAX_ITEM_TS + 1, id: items[0]!.id }), ReconcileErrorCode.Usage, /timestamp/);
  });

  it('empty vs empty: one round trip, nothing to exchange', () => {
    const s = runSession([], [], { key });
    expect(s.rounds).toBe(1);
    expect(s.have).toEqual([]);
    expect(s.need).toEqual([]);
    expect(s.messages[0]!.length).toBeLessThan(8);
    expect([...s.messages[1]!]).toEqual([PROTOCOL_VERSION]); // responder's "all done"
  });

  it('empty vs full and full vs empty', () => {
    const full = makeItems(5000, 3);
    const s1 = runSession([], full, { key });
    expectExact([], full, s1.have, s1.need);
    const s2 = runSession(full, [], { key });
    expectExact(full, [], s2.have, s2.need);
    expect(s2.rounds).toBe(1);
  });

  it('identical sets: one round trip with a small first message', () => {
    for (const n of [1, 15, 16, 17, 1000, 20_000]) {
      const items = makeItems(n, n);
      const s = runSession(items, [...items].reverse(), { key });
      expect(s.rounds).toBe(1);
      expect(s.have.length + s.need.length).toBe(0);
      expect(s.messages[0]!.length).toBeLessThanOrEqual(400);
      expect(s.messages[1]!.length).toBe(1);
    }
  });

  it('a single differing item, held by either side, or swapped', () => {
    const items = makeItems(10_000, 11);
    for (const k of [0, 1, 5000, 9998, 9999]) {
      const without = items.filter((_, i) => i !== k);
      const s1 = runSession(items, without, { key });
      expectExact(items, without, s1.have, s1.need);
      expect(s1.rounds).toBe(1); // the responder sees our extra item directly... we see it from its fingerprint
      const s2 = runSession(without, items, { key });
      expectExact(without, items, s2.have, s2.need);
      expect(s2.rounds).toBe(1); // the responder finds its own extra item and sends it
      const other = items.filter((_, i) => i !== (k + 1) % items.length);
      const s3 = runSession(without, other, { key });
      expectExact(without, other, s3.have, s3.need);
      expect(s3.rounds).toBeLessThanOrEqual(3);
    }
  });

  it('a small frame size limit forces more rounds but every message stays within it', () => {
    const a = makeItems(30_000, 21);
    const b = [...a.filter((_, i) => i % 3 !== 0), ...makeItems(5000, 22, 1_700_000_100_000)];
    const big = runSession(a, b, { key });
    const small = runSession(a, b, { frameSizeLimit: 4096, key });
    expectExact(a, b, small.have, small.need);
    expectExact(a, b, big.have, big.need);
    expect(small.rounds).toBeGreaterThan(big.rounds);
    for (const m of small.messages) expect(m.length).toBeLessThanOrEqual(4096);
    for (const m of big.messages) expect(m.length).toBeLessThanOrEqual(DEFAULT_FRAME_SIZE_LIMIT);
  });

  it('same timestamps everywhere: bounds fall back to id prefixes', () => {
    const a = makeItems(3000, 31).map((x) => ({ ts: 42, id: x.id }));
    const b = [...a.slice(0, 2000), ...makeItems(500, 32).map((x) => ({ ts: 42, id: x.id }))];
    const s = runSession(a, b, { frameSizeLimit: 4096, key });
    expectExact(a, b, s.have, s.need);
  });

  it('reports copies: mutating have/need does not touch the storage', () => {
    const a = makeItems(100, 41);
    const st = new SortedVectorStorage(a);
    const before = st.toArray().map((x) => hex(x.id));
    const init = new Reconciler(st, { key });
    const resp = new Reconciler(new SortedVectorStorage([]), { key });
    const res = init.reconcile(resp.reconcile(init.initiate()).reply!);
    expect(res.have.length).toBe(100);
    for (const id of res.have) id.fill(0);
    expect(st.toArray().map((x) => hex(x.id))).toEqual(before);
  });

  it('rejects bad options and misuse', () => {
    const st = new SortedVectorStorage([]);
    expectError(() => new Reconciler(st, { frameSizeLimit: 4095, key }), ReconcileErrorCode.Usage);
    expectError(() => new Reconciler(st, { tuning: { maxFanout: Number.NaN }, key }), ReconcileErrorCode.Usage);
    const r = new Reconciler(st, { key });
    r.initiate();
    expectError(() => r.initiate(), ReconcileErrorCode.Usage);
    const resp = new Reconciler(st, { key });
    resp.reconcile(Uint8Array.of(PROTOCOL_VERSION));
    expect(resp.role).toBe('responder');
    expectError(() => resp.initiate(), ReconcileErrorCode.Usage);
  });

  it('rejects unknown versions, empty, oversize and out-of-order messages', () => {
    const st = new SortedVectorStorage(makeItems(50, 51));
    const r = new Reconciler(st, { key });
    expectError(() => r.reconcile(Uint8Array.of(3, 0, 0)), ReconcileErrorCode.UnsupportedVersion, /version 3/);
    expectError(
      () => r.reconcile(Uint8Array.of(0x61)),
      ReconcileErrorCode.UnsupportedVersion,
      /unsupported protocol version/,
    );
    expectError(() => r.reconcile(new Uint8Array(0)), ReconcileErrorCode.Malformed);
    const big = new Uint8Array(DEFAULT_FRAME_SIZE_LIMIT + 1);
    big[0] = PROTOCOL_VERSION;
    expectError(() => r.reconcile(big), ReconcileErrorCode.Oversize);
    // two ranges with the same bound
    const enc = new MessageEncoder();
    enc.range({ ts: 5, prefix: new Uint8Array(0) }, Mode.Skip);
    enc.range({ ts: 5, prefix: new Uint8Array(0) }, Mode.Skip);
    expectError(() => r.reconcile(enc.finish()), ReconcileErrorCode.Protocol, /out of order/);
    // a range after the infinite bound
    const enc2 = new MessageEncoder();
    enc2.range(INFINITE_BOUND, Mode.Skip);
    enc2.range(INFINITE_BOUND, Mode.Skip);
    expectError(() => r.reconcile(enc2.finish()), ReconcileErrorCode.Protocol);
    // an id list longer than the bytes left, and an unknown mode
    expectError(
      () => r.reconcile(Uint8Array.of(PROTOCOL_VERSION, 0, Mode.IdList, 3, ...new Uint8Array(20))),
      ReconcileErrorCode.Malformed,
    );
    // every mode number is taken, so the wrong role's modes are the protocol errors
    expectError(
      () => r.reconcile(Uint8Array.of(PROTOCOL_VERSION, 0, Mode.Pushed, 3, 0)),
      ReconcileErrorCode.Protocol,
      /mode/,
    );
    // symbols past the index space
    expectError(
      () => r.reconcile(Uint8Array.of(PROTOCOL_VERSION, 0, Mode.SymbolRequest, 0x80, 0x80, 0x02, 1)),
      ReconcileErrorCode.Malformed,
    );
    // a prefix longer than an id
    expectError(() => r.reconcile(Uint8Array.of(PROTOCOL_VERSION, 2, 17 * 8)), ReconcileErrorCode.Malformed);
    // the reconciler is still usable after rejected messages
    expect(r.reconcile(Uint8Array.of(PROTOCOL_VERSION)).reply).not.toBeNull();
  });

  it('a responder refuses initiator-only modes; an initiator checks IdDiff against its range', () => {
    const items = makeItems(10, 61);
    const resp = new Reconciler(new SortedVectorStorage(items), { key });
    const enc = new MessageEncoder();
    enc.range(INFINITE_BOUND, Mode.Extra);
    enc.w.writeVarUint(0);
    expectError(() => resp.reconcile(enc.finish()), ReconcileErrorCode.Protocol);

    const init = new Reconciler(new SortedVectorStorage(items), { key });
    init.initiate();
    const bad = new MessageEncoder();
    bad.range(INFINITE_BOUND, Mode.IdDiff);
    bad.w.writeVarUint(0);
    bad.w.writeVarUint(9); // we hold 10 items in the range
    bad.w.writeBytes(new Uint8Array(2));
    expectError(() => init.reconcile(bad.finish()), ReconcileErrorCode.Protocol, /IdDiff/);
  });
});
