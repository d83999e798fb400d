import type { LiveEnvelope } from '@chatfleet/store';

/** One room of one session, as far as delivery goes. */
export interface RoomState {
  /** Highest message id delivered: anything at or below it is a duplicate. */
  lastId: number;
  /** While set, live events wait here: during the join, or while paced to a slow reader. */
  buffer: LiveEnvelope[] | undefined;
  /** The join's reply is not out yet: hold everything, do not start pacing. */
  joining: boolean;
  /** A paced drain of the buffer is running. */
  draining: boolean;
  /** Refs of this session's own messages, by id, for copies that arrive without them; made
   * on the first `say` that waits for its copy, as most members never speak. */
  acks: Map<number, string> | undefined;
  /** Set while the room's messages reach this session through a topic, up to its lastId. */
  topic: { readonly lastId: number } | undefined;
  /** Bytes of the live events in the buffer (what a client behind makes this gateway hold). */
  bufferBytes: number;
}

export function newRoomState(): RoomState {
  return {
    lastId: 0,
    buffer: [],
    joining: true,
    draining: false,
    acks: undefined,
    topic: undefined,
    bufferBytes: 0,
  };
}
