/**
 * ISO 8601 text to and from epoch ms, for CoT's time attributes. Date is used here as a calendar
 * only, on instants it is given; the clock is never read (the core's rule, eslint.config.js).
 */
export function isoOf(ms: number): string {
  // eslint-disable-next-line no-restricted-globals -- formats a given instant; reads no clock
  return new Date(ms).toISOString();
}

/** Epoch ms of an ISO 8601 time, or NaN. */
export function msOfIso(text: string): number {
  // eslint-disable-next-line no-restricted-globals -- parses a given time; reads no clock
  return Date.parse(text);
}
