import { describe, expect, it } from 'vitest';
import { Encoder, zigzag } from '../../../../src/core/bytes';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { decodeVersions, encodeVersions, WireError, type DecodeOptions } from '../../../../src/core/wire';
import * as F from '../../../../src/core/wire/format';
import { writeEntityTable, writeNodeTable, writeStringTable } from '../../../../src/core/wire/tables';

const NODE = 'node-A' as NodeId;
const ts = { ms: 1_700_000_000_000, c: 0, node: NODE };
const v = (kind: string, value: unknown, extra: Partial<Version> = {}): Version =>
  ({ entity: 'track-1' as EntityId, kind: kind as ComponentKind, value, ts, seen: [], ...extra }) as Version;

/** A batch written by hand: header, tables, then `body` (version count and versions). */
function raw(
  body: (w: Encoder) => void,
  o: { flags?: number; strings?: string[]; format?: number; nodes?: NodeId[] } = {},
): Uint8Array {
  const w = new Encoder();
  w.writeU8(o.format ?? F.FORMAT_VERSION);
  w.writeU8(o.flags ?? 0);
  writeNodeTable(w, o.nodes ?? [NODE]);
  writeEntityTable(w, ['track-1' as EntityId]);
  writeStringTable(w, o.strings ?? []);
  body(w);
  return w.finish();
}

/** The version count, then an empty batch table (no signed batches). */
function versionCount(w: Encoder, n: number): void {
  w.writeVarUint(n);
  w.writeVarUint(0);
}

/** One version: header byte for `tag` (first entity, new clock at node 0), then `value` bytes. */
const one = (
  tag: number,
  value: number[] | ((w: Encoder) => void),
  o: { entityMode?: number; clockMode?: number } = {},
) =>
  raw((w) => {
    versionCount(w, 1);
    w.writeU8(tag | ((o.entityMode ?? F.ENTITY_NEXT) << 4) | ((o.clockMode ?? F.CLOCK_NEW) << 6));
    if ((o.clockMode ?? F.CLOCK_NEW) === F.CLOCK_NEW) {
      w.writeVarUint(0);
      w.writeVarUint(4 * 2); // zigzag(ms 2) * 2 + (c ≠ 0)
    }
    if (typeof value === 'function') value(w);
    else for (const b of value) w.writeU8(b);
  });

const rejects = (bytes: Uint8Array, message: RegExp, options?: DecodeOptions): void => {
  expect(() => decodeVersions(bytes, options)).toThrow(WireError);
  expect(() => decodeVersions(bytes, options)).toThrow(message);
};

describe('wire decoding rejects', () => {
  it('a hand-built batch is accepted (the baseline of the cases below)', () => {
    expect(decodeVersions(one(F.TAG_THREAT, [3]))).toEqual([
      { entity: 'track-1', kind: 'threat', value: { level: 'HIGH' }, ts: { ms: 2, c: 0, node: NODE }, seen: [] },
    ]);
  });

  it('other format versions and unknown batch flags', () => {
    rejects(
      raw((w) => versionCount(w, 0), { format: F.FORMAT_VERSION + 1 }),
      new RegExp(`unsupported format version ${F.FORMAT_VERSION + 1}`),
    );
    // Version 1 carried approval and task without request ids: read as version 2 they would be garbage.
    rejects(
      raw((w) => versionCount(w, 0), { format: 1 }),
      /unsupported format version 1/,
    );
    rejects(
      raw((w) => versionCount(w, 0), { flags: 0x04 }),
      /unknown batch flags/,
    );
    const base = new Uint8Array([F.FORMAT_VERSION, F.BATCH_POSITION_BASE, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0]); // lat 2^30 ≈ 107°
    rejects(base, /position base out of range/);
  });

  it('batches over the byte limit, and trailing bytes', () => {
    rejects(new Uint8Array(256 * 1024 + 1), /exceeds the limit of 262144/);
    rejects(new Uint8Array([...one(F.TAG_THREAT, [0]), 0]), /1 trailing bytes/);
  });

  it('more versions than the limit or than the bytes can hold', () => {
    const three = encodeVersions([
      v('threat', { level: 'LOW' }),
      v('threat', { level: 'HIGH' }, { ts: { ...ts, c: 1 } }),
    ]);
    rejects(three, /2 versions exceeds the limit of 1/, { maxVersions: 1 });
    rejects(
      raw((w) => w.writeVarUint(1000)),
      /1000 versions cannot fit/,
    );
  });

  it('varints longer than 8 bytes or above 2^53', () => {
    rejects(
      raw((w) => [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01].forEach((b) => w.writeU8(b))),
      /longer than 8/,
    );
    rejects(
      raw((w) => [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f].forEach((b) => w.writeU8(b))),
      /exceeds 2\^53/,
    );
  });

  it('varints not in their shortest form (a value has one encoding)', () => {
    // The version count 1 as 0x81 0x00 instead of 0x01.
    rejects(
      raw((w) => [0x81, 0x00].forEach((b) => w.writeU8(b))),
      /non-canonical varint/,
    );
  });

  it('indices outside their tables', () => {
    rejects(
      raw((w) => {
        versionCount(w, 1);
        w.writeU8(F.TAG_THREAT | (F.ENTITY_NEXT << 4) | (F.CLOCK_NEW << 6));
        w.writeVarUint(5);
      }),
      /node index 5 out of range/,
    );
    rejects(one(F.TAG_THREAT, [], { entityMode: F.ENTITY_INDEX }), /entity index 0 out of range|node index/);
    rejects(
      raw((w) => {
        versionCount(w, 1);
        w.writeU8(F.TAG_THREAT | (F.ENTITY_INDEX << 4) | (F.CLOCK_NEW << 6));
        w.writeVarUint(3);
      }),
      /entity index 3 out of range/,
    );
    rejects(one(F.TAG_THREAT, [0], { entityMode: F.ENTITY_SAME }), /previous entity/);
    rejects(one(F.TAG_THREAT, [0], { clockMode: F.CLOCK_SAME }), /previous clock/);
    rejects(one(F.TAG_CLASSIFICATION, [0, 0, 0, 0]), /string index 0 out of range/);
  });

  it('unknown tags, modes and enum values', () => {
    for (const tag of [12, 15]) rejects(one(tag, []), /unknown kind tag/);
    rejects(one(F.TAG_THREAT, [0], { entityMode: 3 }), /unknown entity mode 3/);
    rejects(one(F.TAG_THREAT, [0], { clockMode: 3 }), /unknown clock mode 3/);
    rejects(one(F.TAG_THREAT, [4]), /threat.level: enum index 4/);
    rejects(one(F.TAG_SOURCE, [0, 2]), /string index 0/);
    rejects(one(F.TAG_APPROVAL, [5, 0]), /approval.state: enum index 5/);
    rejects(one(F.TAG_APPROVAL, [0x40, 0]), /unknown flags/);
    rejects(one(F.TAG_POSITION, [0x20]), /unknown position flags/);
    rejects(one(F.TAG_POSITION, [0x03]), /unknown position mode 3/);
    rejects(one(F.TAG_POSITION, [0x02, 0, 0]), /without a position base/);
  });

  it('values out of range', () => {
    const lat = 900_000_001;
    rejects(
      one(F.TAG_POSITION, [0, lat & 0xff, (lat >> 8) & 0xff, (lat >> 16) & 0xff, lat >>> 24, 0, 0, 0, 0]),
      /lat out/,
    );
    const tooFast = (w: Encoder): void => {
      w.writeVarUint(zigzag(2_000_001) * 2); // 20,000.01 m/s, no up
      w.writeVarUint(0);
    };
    rejects(one(F.TAG_VELOCITY, tooFast), /velocity.east out of range/);
    rejects(one(F.TAG_EXPIRY, [3]), /bad epoch tag 3/);
    rejects(one(F.TAG_EXPIRY, [1, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f]), /out of \[0, 2\^47\]/); // NaN
    rejects(one(F.TAG_FUSION, [65]), /65 fusion sources exceeds the limit of 64/);
  });

  it('strings: over the limit, invalid UTF-8, empty sensor ids, bad entity and node ids', () => {
    rejects(
      raw((w) => versionCount(w, 0), { strings: ['x'.repeat(300)] }),
      /300 bytes exceeds the limit of 256/,
    );
    const bad = raw((w) => versionCount(w, 0), { strings: ['ab'] });
    bad[bad.length - 3] = 0xc3; // a lead byte followed by ASCII
    rejects(bad, /not valid UTF-8/);
    rejects(
      raw(
        (w) => {
          versionCount(w, 1);
          w.writeU8(F.TAG_SOURCE | (F.ENTITY_NEXT << 4) | (F.CLOCK_NEW << 6));
          w.writeVarUint(0);
          w.writeVarUint(4);
          w.writeVarUint(0);
          w.writeU8(0);
        },
        { strings: [''] },
      ),
      /sensorId: must not be empty/,
    );
    const ent = new Encoder();
    ent.writeU8(F.FORMAT_VERSION);
    ent.writeU8(0);
    writeNodeTable(ent, [NODE]);
    ent.writeVarUint(1);
    ent.writeVarUint(0);
    ent.writeVarUint(2);
    ent.writeU8('-'.charCodeAt(0));
    ent.writeU8('x'.charCodeAt(0));
    rejects(ent.finish(), /entity id 0 is not a valid entity id/);
    rejects(new Uint8Array([F.FORMAT_VERSION, 0, 1, 1, 0x01]), /padding bits/);
    rejects(new Uint8Array([F.FORMAT_VERSION, 0, 1, 65, ...new Array<number>(60).fill(0)]), /node id length 65/);
  });

  it('seen lists over the limit', () => {
    const seen = Array.from({ length: 5 }, (_, i) => ({ ms: i, c: 0, node: `n${i}` as NodeId }));
    const bytes = encodeVersions([v('threat', { level: 'LOW' }, { seen })]);
    expect(decodeVersions(bytes)[0]!.seen).toEqual(seen);
    rejects(bytes, /5 seen entries exceeds the limit of 4/, { maxSeen: 4 });
  });

  it('unknown kinds: invalid JSON, invalid values, known kinds in disguise, oversized', () => {
    const opaque = (kind: string, json: string): Uint8Array =>
      raw(
        (w) => {
          versionCount(w, 1);
          w.writeU8(F.TAG_UNKNOWN | (F.ENTITY_NEXT << 4) | (F.CLOCK_NEW << 6));
          w.writeVarUint(0);
          w.writeVarUint(4);
          w.writeVarUint(0);
          const b = new TextEncoder().encode(json);
          w.writeVarUint(b.length);
          w.writeBytes(b);
        },
        { strings: [kind] },
      );
    expect(decodeVersions(opaque('radio', '{"freq":1}'))[0]!.value).toEqual({ freq: 1 });
    rejects(opaque('radio', '{"freq":'), /not JSON/);
    rejects(opaque('radio', '[1]'), /invalid radio value/);
    rejects(opaque('radio', '{"__proto__":{"x":1}}'), /__proto__/);
    rejects(opaque('Radio', '{}'), /invalid component kind/);
    rejects(opaque('position', '{"lat":1,"lon":2}'), /known kind "position" sent as opaque JSON/);
    rejects(opaque('radio', `{"a":"${'x'.repeat(13_000)}"}`), /exceeds the limit of 12288/);
  });
});

describe('wire decoding refuses a malformed batch table (signed batches)', () => {
  /** A frame of `versions` tombstones of track-1 at clocks 1, 2, ... by node 0, after `table`. */
  const framed = (versions: number, table: (w: Encoder) => void): Uint8Array =>
    raw((w) => {
      w.writeVarUint(versions);
      table(w);
      for (let i = 0; i < versions; i++) {
        w.writeU8(F.TAG_DELETED | ((i === 0 ? F.ENTITY_NEXT : F.ENTITY_SAME) << 4) | (F.CLOCK_NEW << 6));
        w.writeVarUint(0);
        w.writeVarUint(4); // zigzag(+1) * 2: ms 1, 2, …
      }
    });
  const entry = (
    w: Encoder,
    o: { node?: number; form?: number; count: number; k: number; gaps?: number[]; hashes?: number },
  ): void => {
    w.writeVarUint(o.node ?? 0);
    w.writeU8(o.form ?? 2);
    w.writeVarUint(o.count);
    w.writeBytes(new Uint8Array(64));
    w.writeVarUint(o.k);
    for (const g of o.gaps ?? []) w.writeVarUint(g);
    for (let i = 0; i < (o.hashes ?? 0); i++) w.writeBytes(new Uint8Array(32));
  };
  const table =
    (...entries: Parameters<typeof entry>[1][]) =>
    (w: Encoder) => {
      w.writeVarUint(entries.length);
      for (const e of entries) entry(w, e);
    };

  it('a whole batch and a proven subset decode, each version under its batch', () => {
    const whole = decodeVersions(framed(2, table({ count: 2, k: 2 })));
    expect(whole.map((x) => x.proof?.index)).toEqual([0, 1]);
    // Leaves 1 and 3 of 4 need the hashes of leaves 0 and 2.
    const sub = decodeVersions(framed(2, table({ count: 4, k: 2, gaps: [1, 1], hashes: 2 })));
    expect(sub.map((x) => x.proof?.index)).toEqual([1, 3]);
    expect(sub[0]!.proof?.kind === 'frame' && sub[0]!.proof.group.proof.length).toBe(2);
  });

  it('counts, members, indices, proof lengths and authors out of bounds', () => {
    rejects(framed(1, table({ count: 0, k: 1 })), /batch of 0 leaves/);
    rejects(framed(1, table({ count: 65_537, k: 1 })), /at most 65536/);
    rejects(framed(1, table({ count: 4, k: 0 })), /carries 0 of its 4/);
    rejects(framed(1, table({ count: 2, k: 3 })), /carries 3 of its 2/);
    rejects(framed(1, table({ count: 4, k: 2, gaps: [0, 0], hashes: 1 })), /claim 2 versions, the frame has 1/);
    rejects(framed(2, table({ count: 4, k: 2, gaps: [1, 5] })), /leaf index 7 of a batch of 4/);
    rejects(framed(2, table({ count: 4, k: 2, gaps: [1, 1], hashes: 1 })), /truncated/);
    rejects(framed(1, table({ count: 4, k: 1, node: 3, hashes: 2 })), /batch author index 3/);
    rejects(framed(1, table({ count: 1, k: 1, form: 0 })), /unknown leaf form 0/);
    rejects(framed(1, table({ count: 1, k: 1, form: 3 })), /unknown leaf form 3/);
    expect(decodeVersions(framed(1, table({ count: 1, k: 1, form: 1 })))[0]!.proof?.form).toBe(1);
    rejects(
      framed(1, (w) => w.writeVarUint(2)),
      /2 batches exceeds the limit of 1|batches cannot fit/,
    );
  });

  it('a version of another author inside a batch, or with its own signature there', () => {
    const other = raw(
      (w) => {
        w.writeVarUint(1);
        table({ count: 1, k: 1, node: 1 })(w);
        w.writeU8(F.TAG_DELETED | (F.ENTITY_NEXT << 4) | (F.CLOCK_NEW << 6));
        w.writeVarUint(0);
        w.writeVarUint(4);
      },
      { nodes: [NODE, 'node-B' as NodeId] },
    );
    rejects(other, /by node-A in a batch signed by node-B/);
    const ownSig = raw((w) => {
      w.writeVarUint(1);
      table({ count: 1, k: 1 })(w);
      w.writeU8(F.TAG_DELETED | (F.ENTITY_NEXT << 4) | (F.CLOCK_EXTENDED << 6));
      w.writeU8(F.EXTRA_SIG);
      w.writeVarUint(0);
      w.writeVarUint(4);
      w.writeBytes(new Uint8Array(64));
    });
    rejects(ownSig, /its own signature inside a batch/);
  });
});

describe('wire encoding refuses what peers would reject', () => {
  const refuses = (versions: Version[], message: RegExp): void => {
    expect(() => encodeVersions(versions)).toThrow(WireError);
    expect(() => encodeVersions(versions)).toThrow(message);
  };

  it('bad ids, clocks, signatures, tombstones and text', () => {
    refuses([v('threat', { level: 'LOW' }, { entity: '-bad' as EntityId })], /entity id/);
    refuses([v('threat', { level: 'LOW' }, { ts: { ...ts, ms: 1.5 } })], /not a 48-bit integer/);
    refuses([v('threat', { level: 'LOW' }, { ts: { ...ts, c: 0x10000 } })], /not a 16-bit integer/);
    refuses([v('threat', { level: 'LOW' }, { sig: new Uint8Array(63) })], /64 bytes/);
    refuses([v('$deleted', { level: 'LOW' })], /tombstone with a value/);
    refuses(
      [
        v('task', {
          task: 'a\uD800',
          requestId: '00000000000a0000n',
          status: 'created',
          assignedBy: 'n',
          updatedAt: 1,
        }),
      ],
      /well-formed text/,
    );
    refuses([v('threat', { level: 'SEVERE' })], /threat.level/);
    refuses([v('position', { lat: Number.NaN, lon: 0 })], /out of range/);
    const seen = Array.from({ length: 1025 }, (_, i) => ({ ms: i, c: 0, node: `n${i}` as NodeId }));
    refuses([v('threat', { level: 'LOW' }, { seen })], /1025 seen entries/);
  });
});

describe('wire decoding refuses what the encoder never writes', () => {
  /** n one-byte versions "same entity, same clock, deleted" after a first one that sets both. */
  function repeats(n: number, ms: number): Uint8Array {
    const w = new Encoder(n + 64);
    w.writeU8(F.FORMAT_VERSION);
    w.writeU8(0);
    writeNodeTable(w, ['h' as NodeId]);
    writeEntityTable(w, ['e1' as EntityId]);
    writeStringTable(w, []);
    versionCount(w, n);
    w.writeU8(F.TAG_DELETED | (F.ENTITY_NEXT << 4) | (F.CLOCK_NEW << 6));
    w.writeVarUint(0);
    w.writeVarUint(zigzag(ms) * 2);
    for (let i = 1; i < n; i++) w.writeU8(F.TAG_DELETED | (F.ENTITY_SAME << 4) | (F.CLOCK_SAME << 6));
    return w.finish();
  }

  it('a batch that repeats a version (entity, kind, clock) is refused whole', () => {
    expect(decodeVersions(repeats(1, 1_700_000_000_000))).toHaveLength(1);
    expect(() => decodeVersions(repeats(2, 1_700_000_000_000))).toThrow(/repeats/);
    expect(() => decodeVersions(repeats(65_536, 1_700_000_000_000))).toThrow(WireError);
  });

  it('a repeat is refused when the tables list its entity or its author twice', () => {
    const ms = 1_700_000_000_000;
    /** Two tombstones at `ms`: of entities[0] by nodes[0], then of entities[last] by nodes[last]. */
    const twice = (nodes: NodeId[], entities: EntityId[]): Uint8Array => {
      const w = new Encoder(128);
      w.writeU8(F.FORMAT_VERSION);
      w.writeU8(0);
      writeNodeTable(w, nodes);
      writeEntityTable(w, entities);
      writeStringTable(w, []);
      versionCount(w, 2);
      for (const last of [false, true]) {
        w.writeU8(F.TAG_DELETED | (F.ENTITY_INDEX << 4) | (F.CLOCK_NEW << 6));
        w.writeVarUint(last ? entities.length - 1 : 0);
        w.writeVarUint(last ? nodes.length - 1 : 0);
        w.writeVarUint(zigzag(last ? 0 : ms) * 2);
      }
      return w.finish();
    };
    expect(decodeVersions(twice(['h', 'g'] as NodeId[], ['e1', 'e2'] as EntityId[]))).toHaveLength(2);
    expect(() => decodeVersions(twice(['h', 'h'] as NodeId[], ['e1'] as EntityId[]))).toThrow(/repeats/);
    expect(() => decodeVersions(twice(['h'] as NodeId[], ['e1', 'e1'] as EntityId[]))).toThrow(/repeats/);
    expect(() => decodeVersions(twice(['h', 'h'] as NodeId[], ['e1', 'e1'] as EntityId[]))).toThrow(/repeats/);
  });

  it('an expiry carries its floor under its own tag; none is written as before (one value, one encoding)', () => {
    const ms = 1_700_000_000_000;
    const v = {
      entity: 'e1',
      kind: 'expiry',
      value: { at: ms + 5_000 },
      ts: { ms, c: 0, node: 'h' },
      seen: [],
    } as unknown as Version;
    const plain = encodeVersions([v]);
    const carried = { ...v, value: { at: ms + 5_000, floor: ms - 1_000 } } as unknown as Version;
    const floored = encodeVersions([carried]);
    expect(decodeVersions(plain)[0]!.value).toStrictEqual({ at: ms + 5_000 });
    expect(decodeVersions(floored)[0]!.value).toStrictEqual({ at: ms + 5_000, floor: ms - 1_000 });
    // A floor of 0 is none: written under the plain tag, and refused under the floor's.
    expect(encodeVersions([{ ...v, value: { at: ms + 5_000, floor: 0 } } as unknown as Version])).toStrictEqual(plain);
    // ms 2 (see one()): at = ms + 0; floor = ms + unzigzag(2) = 3, or ms + unzigzag(3) = 0.
    expect(decodeVersions(one(F.TAG_EXPIRY_FLOOR, [0, 4]))[0]!.value).toStrictEqual({ at: 2, floor: 3 });
    rejects(one(F.TAG_EXPIRY_FLOOR, [0, 6]), /floor 0 under the floor tag/);
    rejects(one(F.TAG_EXPIRY_FLOOR, [0]), /.+/);
  });

  it('an integer epoch in the float64 form is refused (one value, one encoding)', () => {
    const ms = 1_700_000_000_000;
    const v = {
      entity: 'e1',
      kind: 'expiry',
      value: { at: ms },
      ts: { ms, c: 0, node: 'h' },
      seen: [],
    } as unknown as Version;
    const a = encodeVersions([v]);
    expect(a[a.length - 1]).toBe(0); // zigzag(at - ms) * 2 = 0, the last byte
    const f = new Uint8Array(8);
    new DataView(f.buffer).setFloat64(0, ms, true);
    const b = new Uint8Array(a.length + 8);
    b.set(a.subarray(0, a.length - 1));
    b[a.length - 1] = 1;
    b.set(f, a.length);
    expect(decodeVersions(a)).toHaveLength(1);
    expect(() => decodeVersions(b)).toThrow(/float64/);
    // A fractional epoch still takes the float64 form, and comes back.
    const frac = { ...v, value: { at: ms + 0.5 } } as unknown as Version;
    expect(decodeVersions(encodeVersions([frac]))[0]!.value).toEqual({ at: ms + 0.5 });
  });
});

describe('wire encoding writes a repeated version once', () => {
  it('so that peers, which refuse repeats, take the batch', () => {
    const v = {
      entity: 'e1',
      kind: 'position',
      value: { lat: 1, lon: 2 },
      ts: { ms: 1_700_000_000_000, c: 0, node: 'h' },
      seen: [],
    } as unknown as Version;
    expect(decodeVersions(encodeVersions([v, v, { ...v }]))).toHaveLength(1);
  });
});
