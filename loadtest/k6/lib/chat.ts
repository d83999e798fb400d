import { WebSocket } from 'k6/websockets';
import { Counter } from 'k6/metrics';

/** A server frame, as docs/protocol.md describes it. */
export interface Frame {
  type: string;
  [field: string]: unknown;
}

/** Error frames and socket errors, tagged by code. */
export const chatErrors = new Counter('chat_errors');

/**
 * One server message as a frame, counting error frames (but those `tolerate` accepts) and
 * messages that are not JSON in chat_errors; undefined for the latter.
 */
export function readFrame(
  data: string,
  tolerate: (f: Frame) => boolean = () => false,
): Frame | undefined {
  let f: Frame;
  try {
    f = JSON.parse(data) as Frame;
  } catch {
    chatErrors.add(1, { code: 'not_json' });
    return undefined;
  }
  if (f.type === 'error' && !tolerate(f)) chatErrors.add(1, { code: String(f['code']) });
  return f;
}

/**
 * One chat connection. `onFrame` sees every frame; error frames and socket errors are counted
 * in chat_errors (tag `code`), so a threshold can hold the run to zero.
 */
export function connect(
  url: string,
  onFrame: (f: Frame, ws: WebSocket) => void,
  /** Errors the script expects and handles (a race the protocol allows): not counted. */
  tolerate: (f: Frame) => boolean = () => false,
): WebSocket {
  // A zero first, so the series exists (and a dashboard shows 0) before any error.
  chatErrors.add(0);
  const ws = new WebSocket(url);
  ws.onmessage = (e) => {
    if (!e || typeof e.data !== 'string') return;
    const f = readFrame(e.data, tolerate);
    if (f) onFrame(f, ws);
  };
  ws.onerror = (e) => {
    chatErrors.add(1, { code: 'socket' });
    console.warn(`websocket error: ${e?.error ?? 'unknown'}`);
  };
  return ws;
}

/** Sends one protocol frame. */
export const send = (ws: WebSocket, frame: Record<string, unknown>): void =>
  ws.send(JSON.stringify(frame));
