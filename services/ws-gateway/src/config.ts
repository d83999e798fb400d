import { ConfigError, envInt, envPort, envString } from '@chatfleet/runtime';
import { type GatewayConfig, readGatewayConfig } from '@chatfleet/gateway-core';

export interface WsGatewayConfig extends GatewayConfig {
  wsHost: string;
  wsPort: number;
  /** Origins allowed to open a WebSocket: '*' for any; empty for same host only. */
  allowedOrigins: string[];
  /** Seconds without traffic before uWS closes a socket; pings are sent to keep it alive. */
  idleTimeoutSec: number;
  /** Messages past this are dropped with the connection by uWS itself. */
  maxPayloadBytes: number;
  /** The built browser client. */
  publicDir: string;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): WsGatewayConfig {
  const origins = envString(env, 'WS_ALLOWED_ORIGINS', '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  for (const o of origins) {
    if (o !== '*' && !/^https?:\/\/[^/\s]+$/.test(o))
      throw new ConfigError(
        `WS_ALLOWED_ORIGINS: "${o}" is not an origin like https://chat.example.com`,
      );
  }
  const idle = envInt(env, 'WS_IDLE_TIMEOUT_S', 32, 0, 960);
  if (idle !== 0 && idle < 8) throw new ConfigError('WS_IDLE_TIMEOUT_S must be 0 or at least 8');
  const base = readGatewayConfig(env, 9102);
  const maxPayloadBytes = envInt(
    env,
    'WS_MAX_PAYLOAD_BYTES',
    16 * base.maxFrameBytes,
    1024,
    64 * 1024 * 1024,
  );
  if (maxPayloadBytes < base.maxFrameBytes)
    throw new ConfigError('WS_MAX_PAYLOAD_BYTES must be at least MAX_FRAME_BYTES');
  return {
    ...base,
    maxPayloadBytes,
    wsHost: envString(env, 'WS_HOST', '0.0.0.0'),
    wsPort: envPort(env, 'WS_PORT', 8080),
    allowedOrigins: origins,
    idleTimeoutSec: idle,
    publicDir: envString(env, 'PUBLIC_DIR', new URL('./public/', import.meta.url).pathname),
  };
}
