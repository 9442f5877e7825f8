import { describe, expect, it } from 'vitest';
import { encodeMessage, MessageType, peekMessage, type SyncMessage } from '../../../../src/core/sync';

describe('peekMessage', () => {
  const frames: readonly SyncMessage[] = [
    { type: MessageType.Ping, time: 5 },
    { type: MessageType.Pong, echo: 5, time: 6 },
    { type: MessageType.Prune },
    { type: MessageType.Bye, reason: 'done' },
    { type: MessageType.Versions, live: true, completes: 3, batch: new Uint8Array(0) },
    { type: MessageType.Versions, live: false, completes: 3, batch: new Uint8Array(0) },
    { type: MessageType.IHave, ids: [new Uint8Array(16)] },
  ];

  it('reads the type (and live flag) of every encoded frame without decoding it', () => {
    for (const m of frames) {
      const live = m.type === MessageType.Versions && m.live;
      expect(peekMessage(encodeMessage(m))).toEqual({ type: m.type, live });
    }
  });

  it('says undefined for bytes that are not a frame of ours', () => {
    expect(peekMessage(new Uint8Array(0))).toBeUndefined();
    expect(peekMessage(new Uint8Array([1]))).toBeUndefined();
    expect(peekMessage(new Uint8Array([1, 250]))).toBeUndefined();
  });
});
