/** The log's record format (format.ts), written by encode.ts and read back by replay.ts. */
export { SEGMENT_SIZE, type Segment } from './format';
export { encodeSegments } from './encode';
export { replaySegments, type Replayed } from './replay';
