import { envBool, envInt, envPort, envString } from '@chatfleet/runtime';
import { type GatewayConfig, readGatewayConfig } from '@chatfleet/gateway-core';

export interface TcpGatewayConfig extends GatewayConfig {
  tcpHost: string;
  tcpPort: number;
  automatch: boolean;
  idleTimeoutMs: number;
  /** How long to wait for a first `{` before greeting a connection as a text-mode user. */
  modeDetectMs: number;
  /** TCP keepalive after this much silence (0: off): keeps idle flows alive through NATs/NLBs. */
  keepAliveMs: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): TcpGatewayConfig {
  return {
    ...readGatewayConfig(env, 9101),
    tcpHost: envString(env, 'TCP_HOST', '0.0.0.0'),
    tcpPort: envPort(env, 'TCP_PORT', 8888),
    automatch: envBool(env, 'AUTOMATCH', true),
    idleTimeoutMs: envInt(env, 'IDLE_TIMEOUT_MS', 30 * 60 * 1000, 0, 86_400_000),
    modeDetectMs: envInt(env, 'MODE_DETECT_MS', 300, 0, 10_000),
    // Under the NLB's 350 s idle timeout, which keepalive probes reset.
    keepAliveMs: envInt(env, 'TCP_KEEPALIVE_MS', 60_000, 0, 3_600_000),
  };
}
