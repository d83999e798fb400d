import type { MessageFrame, StoredMessage } from '@chatfleet/protocol';

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
  | { k: 'kick'; sid: string; reason: string };

export function parseEnvelope<T extends { k: string }>(raw: string): T | undefined {
  try {
    const v = JSON.parse(raw) as T;
    return typeof v === 'object' && v !== null && typeof v.k === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
