import { envPort, envString, readGatewayConfig, type GatewayConfig } from '@chatfleet/common';

export interface WsGatewayConfig extends GatewayConfig {
  wsHost: string;
  wsPort: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): WsGatewayConfig {
  return {
    ...readGatewayConfig(env, 9102),
    wsHost: envString(env, 'WS_HOST', '0.0.0.0'),
    wsPort: envPort(env, 'WS_PORT', 8080),
  };
}
