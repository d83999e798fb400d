import type { StoredMessage } from '@chatfleet/protocol';
import type { LiveEnvelope } from '../envelopes.js';
import type { Position, Seen, SendInput } from '../messages.js';

/** What a catch-up read returns: where the conversation stands and what came after a point. */
export interface CatchUp {
  pos: Position;
  messages: StoredMessage[];
}

/** What a broker tells the one listener of its live events. */
export interface BrokerListener {
  /** An event published to a subscribed conversation; undefined when it could not be read. */
  message(conv: string, env: LiveEnvelope | undefined): void;
  /**
   * Subscriptions dropped (a connection closed, a slot moved): those of `convs`, or of every
   * conversation when undefined. Events published meanwhile are lost.
   */
  down(convs?: string[]): void;
  /**
   * The broker subscribed these conversations again (every one when undefined) and the store
   * confirmed it: from here nothing is missed, and what was published since `down` is in the
   * window to catch up from.
   */
  up(convs?: string[]): void;
}

/**
 * Conversations as the gateway core sees them, in the spirit of centrifuge's Broker: append
 * and publish in one step, live events at most once, and a window to catch up from, so that
 * whoever missed events can tell (by seq and epoch) and read them again.
 */
export interface ConversationBroker {
  /**
   * Appends one message and publishes it atomically; resolves with it stamped (its position).
   * A position behind `m.seen` (the store lost messages) starts a new epoch first.
   */
  publish(m: SendInput): Promise<StoredMessage & { epoch: string }>;
  /** A conversation's position right now (epoch '' if it has none yet). */
  position(conv: string): Promise<Position>;
  /** The positions of many conversations, in their order, read in as few round trips as may be. */
  positions(convs: string[]): Promise<Position[]>;
  /**
   * The position and every message after `from` in the window, read in one step. When the store
   * no longer has `from` (it lost acknowledged messages), the conversation starts a new epoch
   * first: the caller sees the epoch change and says so.
   */
  catchUp(conv: string, from: Seen): Promise<CatchUp>;
  /** Sets the one listener; call once, before subscribing. */
  listen(l: BrokerListener): void;
  /** Whether the live connection is usable now (`up` fires each time it becomes so). */
  connected(): boolean;
  /**
   * Resolves once the store confirmed every subscription; throws if it could not. Either way the
   * broker keeps them: after a drop it subscribes them again itself, then says `up`.
   */
  subscribe(convs: string[]): Promise<void>;
  /** Stops hearing a conversation (nothing more is handed to the listener for it). */
  unsubscribe(conv: string): void;
  /** The live connection's state, for /healthz. */
  status(): string;
}
