import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  MAX_SYNC_FRAME_BYTES,
  MessageType,
  PartAssembler,
  ProtocolError,
  splitFrame,
  type PartMessage,
  type SyncMessage,
} from '../../../../src/core/sync';

const seed = Number(process.env.FC_SEED ?? Date.now());
console.log('parts seed', seed);

function reconcile(bytes: number): SyncMessage {
  return {
    type: MessageType.Reconcile,
    session: 7,
    phase: 'reply',
    payload: new Uint8Array(bytes).map((_, i) => i * 31),
  };
}

/** The same bytes (cheap, unlike a deep comparison of large arrays). */
function sameFrame(messages: readonly SyncMessage[], frame: Uint8Array): boolean {
  return messages.length === 1 && Buffer.from(encodeMessage(messages[0]!)).equals(frame);
}

/** Decodes each part frame and feeds it to the assembler; returns what came out. */
function join(assembler: PartAssembler, frames: readonly Uint8Array[]): SyncMessage[] {
  const out: SyncMessage[] = [];
  for (const f of frames) {
    const m = decodeMessage(f);
    if (m.type !== MessageType.Part) out.push(m);
    else {
      const whole = assembler.add(m);
      if (whole !== undefined) out.push(whole);
    }
  }
  return out;
}

describe('parts (a frame larger than the link frame size)', () => {
  it('splits any frame into parts within the size, joined back into the same message', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40_000 }), fc.integer({ min: 64, max: 5_000 }), (bytes, max) => {
        const frame = encodeMessage(reconcile(bytes));
        const parts = splitFrame(frame, max);
        if (frame.length <= max) expect(parts).toEqual([frame]);
        expect(parts.every((p) => p.length <= max)).toBe(true);
        const assembler = new PartAssembler();
        expect(sameFrame(join(assembler, parts), frame)).toBe(true);
        expect(assembler.heldBytes).toBe(0);
      }),
      { numRuns: 200, seed },
    );
  });

  it('splits the largest frame too', () => {
    const frame = encodeMessage(reconcile(MAX_SYNC_FRAME_BYTES - 10));
    expect(frame.length).toBe(MAX_SYNC_FRAME_BYTES - 10 + 4);
    const parts = splitFrame(frame, 1000);
    expect(Math.max(...parts.map((p) => p.length))).toBeLessThanOrEqual(1000);
    expect(sameFrame(join(new PartAssembler(), parts), frame)).toBe(true);
  });

  it('refuses a part that continues no frame, and recovers at the next frame', () => {
    const a = splitFrame(encodeMessage(reconcile(3000)), 1000);
    const b = splitFrame(encodeMessage(reconcile(2000)), 1000);
    const assembler = new PartAssembler();
    expect(() => join(assembler, [a[0]!, a[2]!])).toThrow(ProtocolError);
    expect(assembler.heldBytes).toBe(0);
    expect(() => join(assembler, [a[1]!])).toThrow(ProtocolError);
    expect(join(assembler, b)).toEqual([reconcile(2000)]);
  });

  it('drops an unfinished frame when another starts (one held at a time)', () => {
    const a = splitFrame(encodeMessage(reconcile(3000)), 1000);
    const b = splitFrame(encodeMessage(reconcile(2500)), 1000);
    const assembler = new PartAssembler();
    expect(join(assembler, [a[0]!, a[1]!, ...b])).toEqual([reconcile(2500)]);
    expect(assembler.dropped).toBe(1);
  });

  it('refuses a part inside a part, and a whole that does not decode', () => {
    const inner = splitFrame(encodeMessage(reconcile(3000)), 1000)[0]!;
    const wrapped: PartMessage = { type: MessageType.Part, total: inner.length, offset: 0, chunk: inner };
    expect(() => new PartAssembler().add(wrapped)).toThrow(/part inside a part/);
    const garbage: PartMessage = { type: MessageType.Part, total: 3, offset: 0, chunk: new Uint8Array([5, 99, 1]) };
    expect(() => new PartAssembler().add(garbage)).toThrow(ProtocolError);
  });

  it('refuses parts whose fields disagree, at decode', () => {
    const bad = [
      { total: 1, offset: 0, chunk: new Uint8Array([1]) },
      { total: 10, offset: 10, chunk: new Uint8Array([1]) },
      { total: 10, offset: 8, chunk: new Uint8Array([1, 2, 3]) },
      { total: MAX_SYNC_FRAME_BYTES + 1, offset: 0, chunk: new Uint8Array([1]) },
    ];
    for (const f of bad) {
      expect(() => encodeMessage({ type: MessageType.Part, ...f })).toThrow();
    }
  });
});
