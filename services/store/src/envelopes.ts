import type { MessageFrame, StoredMessage } from '@chatfleet/protocol';

// Every envelope that travels on Pub/Sub or an inbox is defined here. Two are finished in Lua,
// because only the script knows the message's stamp or the member count: live messages (send)
// and presence (join, leave); their TypeScript halves are the prefixes below.

/** A frame encoded once per gateway for all its receivers (the gateway core's `Wire`). */
export interface EncodedFrame {
  readonly json: string;
  /** UTF-8 of the JSON, for WebSocket. */
  readonly bytes: Uint8Array;
  /** UTF-8 of the JSON and a newline, for NDJSON. */
  readonly line: Uint8Array;
}

/** What travels on a conversation's live channel. */
export type LiveEnvelope =
  | {
      k: 'm';
      sid: string;
      ref?: string;
      /** The conversation's epoch when the message was stamped. */
      e?: string;
      m: StoredMessage;
      /** Built once per gateway, not once per member: the frame and its encodings. */
      frame?: MessageFrame;
      wire?: EncodedFrame;
    }
  | { k: 'p'; sid: string; room: string; nick: string; event: 'join' | 'leave'; count: number }
  | { k: 'end'; sid: string; room: string; why?: 'gone' }
  /**
   * Someone in the room is typing: never stored. `hide`: the identities the typist blocked
   * (they must not see it either way); the receiving gateway checks its own sessions' blocks.
   */
  | { k: 't'; sid: string; room: string; nick: string; ident: string; hide?: string[] }
  /** Made by the gateway from a moderator's removal: goes out in order with the room's events. */
  | { k: 'rm'; sid: ''; room: string; id: number }
  /** Made by the gateway, never sent by Redis: messages before the next one may be missing. */
  | { k: 'gap'; sid: ''; room: string; epoch: string };

/** What travels on a gateway's inbox stream. */
export type ControlEnvelope =
  | {
      k: 'matched';
      sid: string;
      room: string;
      partner: string;
      /** Absent from a matchmaker older than identity-based strangers. */
      partnerIdent?: string;
      tags: string[];
    }
  | { k: 'dm'; sid: string; m: StoredMessage }
  /** `message`: what the person is told (a moderator's reason). */
  | { k: 'kick'; sid: string; reason: string; message?: string }
  /** The bans changed: read them again and end the connections they now refuse. */
  | { k: 'bans' }
  /** A moderator removed a message: members connected here are told (`removed`). */
  | {
      k: 'removed';
      conv: string;
      id: number;
      room?: string;
      /** A DM's sender and recipient nicks, and the recipient's identity, when it was sent. */
      from?: string;
      to?: string;
      toIdent?: string;
    }
  /** A DM partner is typing to session `sid`; `at` (ms) lets a late one be dropped. */
  | { k: 'typing'; sid: string; nick: string; ident: string; at: number };

/**
 * The start of a live message envelope as TypeScript writes it; the send script closes it with
 * `,"e":<epoch>,"m":<message>}` (services/store/lua/send-5.lua).
 */
export const messageEnvelopePrefix = (sid: string, ref?: string) =>
  `{"k":"m","sid":${JSON.stringify(sid)}${ref !== undefined ? `,"ref":${JSON.stringify(ref)}` : ''}`;

/**
 * The start of a presence envelope; the join and leave scripts close it with
 * `,"event":"join"|"leave","count":<n>}`.
 */
export const presencePrefix = (nick: string, room: string, sid: string) =>
  `{"k":"p","sid":${JSON.stringify(sid)},"room":${JSON.stringify(room)},"nick":${JSON.stringify(nick)}`;

/** A match ended: the live event its room's members get (`gone`: its other side vanished). */
export const endEnvelope = (sid: string, room: string, why?: 'gone'): string =>
  JSON.stringify({ k: 'end', sid, room, ...(why ? { why } : {}) } satisfies LiveEnvelope);

export function parseEnvelope<T extends { k: string }>(raw: string): T | undefined {
  try {
    const v = JSON.parse(raw) as T;
    return typeof v === 'object' && v !== null && typeof v.k === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
