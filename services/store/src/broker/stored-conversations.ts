import type { StoredMessage } from '@chatfleet/protocol';
import type { StoreContext } from '../context.js';
import {
  catchUp,
  type Position,
  readPosition,
  readPositions,
  type Seen,
  type SendInput,
  sendMessage,
} from '../messages.js';
import type { CatchUp } from './conversation-broker.js';

/**
 * What every Redis broker does the same way, one Redis or a cluster: the `send` and `catch-up`
 * scripts and position reads. Only how live events are heard differs.
 */
export abstract class StoredConversations {
  constructor(protected readonly store: StoreContext) {}

  publish(m: SendInput): Promise<StoredMessage & { epoch: string }> {
    return sendMessage(this.store, m);
  }

  position(conv: string): Promise<Position> {
    return readPosition(this.store, conv);
  }

  positions(convs: string[]): Promise<Position[]> {
    return readPositions(this.store, convs);
  }

  catchUp(conv: string, from: Seen): Promise<CatchUp> {
    return catchUp(this.store, conv, from);
  }
}
