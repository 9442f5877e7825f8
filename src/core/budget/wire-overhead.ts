/**
 * What one WebRTC data-channel message costs on the wire beyond its payload, per packet:
 *
 *   IPv4 header                                   20 B
 *   UDP header                                     8 B
 *   DTLS 1.2 record header                        13 B
 *   AES-128-GCM explicit nonce (8) + tag (16)     24 B
 *   SCTP common header                            12 B
 *   SCTP DATA chunk header                        16 B
 *   ------------------------------------------------
 *                                                 93 B
 *
 * IPv6 adds 20 B, and a message larger than one packet (about 1,200 B of SCTP payload) pays the
 * headers once per fragment; SCTP SACKs flowing back are not counted. The budget charges this
 * constant once per message, which is what makes packing many small updates into one message pay.
 */
export const PER_MESSAGE_OVERHEAD_BYTES = 93;

/** The bytes a budget is charged for a message of `payloadBytes` encoded bytes. */
export function chargedBytes(payloadBytes: number, overheadBytes: number = PER_MESSAGE_OVERHEAD_BYTES): number {
  return payloadBytes + overheadBytes;
}
